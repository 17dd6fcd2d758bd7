"""``frontgate deploy TEMPLATE`` (the real command, in a subprocess) against a real
``frontgate serve``: what a CloudFormation template declares is made, answers on the data
plane, is brought up to date in place by a second run, and a template that cannot be deployed
creates nothing."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.gateway import Gateway
from tests.support.upstream import Upstream

FIXTURES = Path(__file__).parents[1] / "fixtures" / "deploy"
# The HTTP API data plane is another branch's work (issue 14 item 2); until it is merged an
# HTTP API is made but does not answer.
HTTP_DATA_PLANE = importlib.util.find_spec("frontgate.compile.httpapi") is not None
needs_http_data_plane = pytest.mark.skipif(
    not HTTP_DATA_PLANE, reason="needs the HTTP API data plane (branch dataplane)"
)


def deploy(gw: Gateway, template: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_DEFAULT_REGION", "AWS_REGION")}
    return subprocess.run(
        [sys.executable, "-m", "frontgate", "deploy", str(template), "--output", "json",
         "--admin-url", f"http://127.0.0.1:{gw.admin_port}", *args],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip


def outputs(run: subprocess.CompletedProcess[str]) -> dict[str, str]:
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    return {o["OutputKey"]: o["OutputValue"] for o in doc["Outputs"]}


def fixture(tmp_path: Path, name: str) -> Path:
    """A copy of a fixture template (with its code directories) in ``tmp_path``."""
    for item in FIXTURES.iterdir():
        target = tmp_path / item.name
        if item.is_dir():
            shutil.copytree(item, target, dirs_exist_ok=True)
        else:
            shutil.copy(item, target)
    return tmp_path / name


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """One node for the tests that each use a stack of their own."""
    with Gateway(tmp_path_factory.mktemp("node")) as gw:
        yield gw


def test_rest_api_with_key_and_plan_deploys_answers_and_updates_in_place(
    tmp_path: Path, node: Gateway
) -> None:
    shop = fixture(tmp_path, "shop.yaml")
    first = deploy(node, shop)
    out = outputs(first)
    api_id = out["ApiId"]
    assert "created   AWS::ApiGateway::UsagePlanKey ShopPlanKey" in first.stderr
    assert out["InvokeUrl"] == f"https://{api_id}.execute-api.us-east-1.amazonaws.com/prod/hello"
    assert out["FunctionArn"].endswith(":function:shop-HelloFunction")
    key = "shopKey0123456789abcdefghij"
    status, _, body = node.request("GET", "/prod/hello", api_id=api_id, headers={"x-api-key": key})
    assert status == 200, body
    assert json.loads(body) == {"greeting": "hello", "language": "en", "path": "/hello"}
    assert node.request("GET", "/prod/hello", api_id=api_id)[0] == 403  # no key: refused
    apigw = node.admin_client("apigateway")
    plans = [p for p in apigw.get_usage_plans()["items"] if p["name"] == "shop-plan"]
    assert [s["stage"] for s in plans[0]["apiStages"]] == ["prod"]
    assert plans[0]["throttle"] == {"burstLimit": 20, "rateLimit": 10.0}
    stage = apigw.get_stage(restApiId=api_id, stageName="prod")
    deployment = apigw.get_deployment(restApiId=api_id, deploymentId=stage["deploymentId"])
    assert deployment["description"] == "deployed by frontgate"

    # Unchanged: nothing is made again.
    again = deploy(node, shop)
    assert outputs(again)["ApiId"] == api_id
    assert "created" not in again.stderr and "updated" not in again.stderr, again.stderr

    # A changed parameter: the function is updated in place, the API stays the same one.
    second = deploy(node, shop, "--parameter-overrides", "Greeting=bonjour")
    assert outputs(second)["ApiId"] == api_id
    assert "updated   AWS::Lambda::Function HelloFunction" in second.stderr
    assert [a["id"] for a in apigw.get_rest_apis()["items"] if a["name"] == "shop-api"] == [api_id]
    assert len([k for k in apigw.get_api_keys()["items"] if k["name"] == "shop-key"]) == 1
    status, _, body = node.request("GET", "/prod/hello", api_id=api_id, headers={"x-api-key": key})
    assert json.loads(body)["greeting"] == "bonjour" and json.loads(body)["language"] == "fr"

    # A property changed in the template itself: the plan is updated, not duplicated.
    text = shop.read_text()
    shop.write_text(text.replace("BurstLimit: 20, RateLimit: 10", "BurstLimit: 5, RateLimit: 2"))
    third = deploy(node, shop)
    assert "updated   AWS::ApiGateway::UsagePlan ShopPlan" in third.stderr, third.stderr
    plans = [p for p in apigw.get_usage_plans()["items"] if p["name"] == "shop-plan"]
    assert len(plans) == 1 and plans[0]["throttle"] == {"burstLimit": 5, "rateLimit": 2.0}

    # Resources removed from the template are deleted.
    text = shop.read_text()
    shop.write_text(text[: text.index("  ShopKey:")] + text[text.index("Outputs:") :])
    fourth = deploy(node, shop)
    assert fourth.returncode == 0, fourth.stderr
    assert "deleted AWS::ApiGateway::UsagePlan ShopPlan" in fourth.stderr
    assert not [k for k in apigw.get_api_keys()["items"] if k["name"] == "shop-key"]
    assert not [p for p in apigw.get_usage_plans()["items"] if p["name"] == "shop-plan"]
    assert node.request("GET", "/prod/hello", api_id=api_id)[0] == 403  # the key is gone too


def test_function_from_a_directory_and_a_separate_stage(tmp_path: Path, node: Gateway) -> None:
    greeter = fixture(tmp_path, "greeter.yaml")
    out = outputs(deploy(node, greeter))
    assert out["Stage"] == "live"
    status, _, body = node.request("GET", "/live/greet/ada", api_id=out["ApiId"])
    assert status == 200 and json.loads(body) == {"message": "hello, ada"}
    # The directory's code changes: the second run sends it, the API answers with it.
    code = tmp_path / "greeter" / "index.py"
    code.write_text(code.read_text().replace("{name}", "{name}!"))
    second = deploy(node, greeter, "--parameter-overrides", "Greeting=hi")
    assert outputs(second)["ApiId"] == out["ApiId"]
    assert "updated   AWS::Lambda::Function Greeter" in second.stderr
    status, _, body = node.request("GET", "/live/greet/ada", api_id=out["ApiId"])
    assert json.loads(body) == {"message": "hi, ada!"}
    stage = node.admin_client("apigateway").get_stage(restApiId=out["ApiId"], stageName="live")
    assert stage["variables"] == {"greeting": "hi"}
    assert stage["methodSettings"]["*/*"]["throttlingBurstLimit"] == 50
    assert stage["methodSettings"]["*/*"]["metricsEnabled"] is True
    # Nothing changed: nothing is made or updated (no new deployment either).
    third = deploy(node, greeter, "--parameter-overrides", "Greeting=hi")
    assert "created" not in third.stderr and "updated" not in third.stderr, third.stderr


UNKNOWN = """
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: index.handler, Code: {ZipFile: "x = 1"}}
  Bucket:
    Type: AWS::S3::Bucket
  Queue:
    Type: AWS::SQS::Queue
"""


def test_unknown_resource_types_are_listed_and_nothing_is_created(
    tmp_path: Path, node: Gateway
) -> None:
    template = tmp_path / "unknown.yaml"
    template.write_text(UNKNOWN)
    run = deploy(node, template)
    assert run.returncode == 2
    assert "AWS::S3::Bucket, AWS::SQS::Queue" in run.stderr
    assert "nothing was created" in run.stderr
    names = [f["FunctionName"] for f in node.admin_client("lambda").list_functions()["Functions"]]
    assert "unknown-Fn" not in names


BAD = {
    "missing-ref": (
        "ApiName: {Type: AWS::ApiGateway::RestApi, Properties: {Name: !Ref Nowhere}}",
        "Ref Nowhere: no parameter or resource has that name",
    ),
    "bad-getatt": (
        "ApiName: {Type: AWS::ApiGateway::RestApi, Properties: {Name: x}}\n"
        "  Key: {Type: AWS::ApiGateway::ApiKey, Properties: {Name: !GetAtt ApiName.Arn}}",
        "AWS::ApiGateway::RestApi has no attribute Arn (it has: RestApiId, RootResourceId)",
    ),
    "malformed-join": (
        "ApiName: {Type: AWS::ApiGateway::RestApi, Properties: {Name: !Join [only-one]}}",
        'malformed Fn::Join: ["only-one"]',
    ),
    "sub-unknown": (
        "ApiName: {Type: AWS::ApiGateway::RestApi, Properties: {Name: !Sub 'a-${Missing}'}}",
        "Ref Missing: no parameter or resource has that name",
    ),
    "cycle": (
        "A: {Type: AWS::ApiGateway::ApiKey, Properties: {Name: !Ref B}}\n"
        "  B: {Type: AWS::ApiGateway::ApiKey, Properties: {Name: !Ref A}}",
        "circular dependency between resources: A -> B -> A",
    ),
    "body-s3": (
        "ApiName: {Type: AWS::ApiGateway::RestApi, Properties: {BodyS3Location: {Bucket: b}}}",
        "BodyS3Location is not supported",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_templates_fail_clearly_before_anything_is_made(
    case: str, tmp_path: Path, node: Gateway
) -> None:
    resources, message = BAD[case]
    template = tmp_path / f"{case}.yaml"
    # A valid key first in template order: it must not be made either.
    template.write_text(
        "Resources:\n  Fine: {Type: AWS::ApiGateway::ApiKey, Properties: {Name: "
        f"{case}-fine}}}}\n  {resources}\n"
    )
    run = deploy(node, template)
    assert run.returncode == 2, run.stderr
    assert message in run.stderr
    assert "Traceback" not in run.stderr
    keys = node.admin_client("apigateway").get_api_keys()["items"]
    assert not [k for k in keys if k["name"] == f"{case}-fine"]


def test_parameters_are_checked(tmp_path: Path, node: Gateway) -> None:
    shop = fixture(tmp_path, "shop.yaml")
    run = deploy(node, shop, "--stack-name", "params", "--parameter-overrides", "Greeting=hola")
    assert run.returncode == 2
    assert 'parameter Greeting must be one of ["hello", "bonjour"], not "hola"' in run.stderr
    run = deploy(node, shop, "--stack-name", "params", "--parameter-overrides", "Nope=1")
    assert run.returncode == 2 and "Nope is not a parameter of the template" in run.stderr


def test_the_http_api_tutorial_snippet(tmp_path: Path, node: Gateway) -> None:
    orders = fixture(tmp_path, "orders-api.yaml")
    first = deploy(node, orders)
    out = outputs(first)
    api_id = out["ApiId"]
    assert out["ApiEndpoint"] == f"http://{api_id}.execute-api.localhost:{node.port}"
    v2 = node.admin_client("apigatewayv2")
    api = v2.get_api(ApiId=api_id)
    assert api["Name"] == "orders-api" and api["ProtocolType"] == "HTTP"
    assert [r["RouteKey"] for r in v2.get_routes(ApiId=api_id)["Items"]] == ["$default"]
    # Second run: the same API, its quick-create route and stage kept, no second API.
    second = deploy(node, orders)
    assert outputs(second)["ApiId"] == api_id
    assert [a["ApiId"] for a in v2.get_apis()["Items"] if a["Name"] == "orders-api"] == [api_id]
    assert [r["RouteKey"] for r in v2.get_routes(ApiId=api_id)["Items"]] == ["$default"]
    assert [s["StageName"] for s in v2.get_stages(ApiId=api_id)["Items"]] == ["$default"]
    if HTTP_DATA_PLANE:  # curl {ApiEndpoint}/orders
        with urllib.request.urlopen(
            urllib.request.Request(
                f"http://127.0.0.1:{node.port}/orders",
                headers={"Host": f"{api_id}.execute-api.localhost:{node.port}"},
            ),
            timeout=30,
        ) as resp:
            assert json.load(resp) == [
                {"id": "ord-001", "total": 42.5},
                {"id": "ord-002", "total": 18.0},
            ]


@needs_http_data_plane
def test_http_api_from_parts_answers_and_updates(tmp_path: Path, node: Gateway) -> None:
    with Upstream() as up:
        template = fixture(tmp_path, "hello-http.yaml")
        out = outputs(
            deploy(node, template, "--parameter-overrides", f"Upstream=http://127.0.0.1:{up.port}")
        )
        api_id = out["ApiEndpoint"].split("//")[1].split(".")[0]
        status, _, body = node.request("GET", "/hello", api_id=api_id)
        assert status == 200 and json.loads(body) == {"hello": "/hello"}
        status, _, body = node.request("GET", "/up/thing", api_id=api_id)
        assert status == 200, body


def test_http_api_children_are_updated_in_place(tmp_path: Path, node: Gateway) -> None:
    template = fixture(tmp_path, "hello-http.yaml")
    out = outputs(deploy(node, template, "--parameter-overrides", "Upstream=http://127.0.0.1:9"))
    api_id = out["ApiEndpoint"].split("//")[1].split(".")[0]
    v2 = node.admin_client("apigatewayv2")
    routes = {r["RouteKey"]: r["RouteId"] for r in v2.get_routes(ApiId=api_id)["Items"]}
    proxy = v2.get_route(ApiId=api_id, RouteId=routes["ANY /up/{proxy+}"])["Target"]
    assert set(routes) == {"GET /hello", "ANY /up/{proxy+}"}
    template.write_text(
        template.read_text()
        .replace("first description", "second description")
        .replace("RouteKey: GET /hello", "RouteKey: GET /hi")
    )
    second = deploy(node, template, "--parameter-overrides", "Upstream=http://127.0.0.1:10")
    assert outputs(second)["ApiEndpoint"] == out["ApiEndpoint"]
    assert v2.get_api(ApiId=api_id)["Description"] == "second description"
    after = {r["RouteKey"]: r for r in v2.get_routes(ApiId=api_id)["Items"]}
    assert set(after) == {"GET /hi", "ANY /up/{proxy+}"}  # the old route key is deleted
    assert after["ANY /up/{proxy+}"]["RouteId"] == routes["ANY /up/{proxy+}"]
    assert after["ANY /up/{proxy+}"]["Target"] == proxy  # the same integration, updated
    uris = {i["IntegrationUri"] for i in v2.get_integrations(ApiId=api_id)["Items"]}
    assert "http://127.0.0.1:10/{proxy}" in uris and "http://127.0.0.1:9/{proxy}" not in uris
    assert len(uris) == 2


def test_unreachable_node_is_said(tmp_path: Path) -> None:
    template = fixture(tmp_path, "greeter.yaml")
    run = subprocess.run(
        [sys.executable, "-m", "frontgate", "deploy", str(template), "--admin-url",
         "http://127.0.0.1:9"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 1 and "no Frontgate node answers at http://127.0.0.1:9" in run.stderr


def _skip_if_not_served(run: subprocess.CompletedProcess[str]) -> None:
    """Operations the apigatewayv2 API (branch v2mgmt) does not serve yet: the test waits."""
    marker = "does not serve apigatewayv2 "
    if run.returncode != 0 and marker in run.stderr:
        assert run.returncode == 2 and "nothing was created" in run.stderr
        operations = run.stderr.split(marker)[1].split(", which")[0]
        pytest.skip(f"needs apigatewayv2 {operations} (branch v2mgmt)")


def test_http_api_jwt_authorizer(tmp_path: Path, node: Gateway) -> None:
    template = fixture(tmp_path, "jwt-http.yaml")
    issuer = "https://issuer.example/one"
    run = deploy(node, template, "--parameter-overrides", f"Issuer={issuer}")
    if run.returncode == 2:  # refused before anything was made
        names = [a["Name"] for a in node.admin_client("apigatewayv2").get_apis()["Items"]]
        assert "jwt-http" not in names
    _skip_if_not_served(run)
    out = outputs(run)
    v2 = node.admin_client("apigatewayv2")
    auth = v2.get_authorizer(ApiId=out["ApiId"], AuthorizerId=out["AuthorizerId"])
    assert auth["JwtConfiguration"] == {"Issuer": issuer, "Audience": ["orders-client"]}
    route = v2.get_routes(ApiId=out["ApiId"])["Items"][0]
    assert route["AuthorizerId"] == out["AuthorizerId"]
    assert route["AuthorizationScopes"] == ["orders/read"]
    # Another issuer: the same authorizer, updated.
    second = deploy(node, template, "--parameter-overrides", "Issuer=https://issuer.example/two")
    assert outputs(second)["AuthorizerId"] == out["AuthorizerId"]
    auth = v2.get_authorizer(ApiId=out["ApiId"], AuthorizerId=out["AuthorizerId"])
    assert auth["JwtConfiguration"]["Issuer"] == "https://issuer.example/two"
    if HTTP_DATA_PLANE:  # no token: 401 before the (unreachable) upstream
        assert node.request("GET", "/secured", api_id=out["ApiId"])[0] == 401


def test_http_api_from_an_openapi_body(tmp_path: Path, node: Gateway) -> None:
    template = fixture(tmp_path, "import-http.yaml")
    run = deploy(node, template)
    _skip_if_not_served(run)
    api_id = outputs(run)["ApiId"]
    v2 = node.admin_client("apigatewayv2")
    api = v2.get_api(ApiId=api_id)
    assert api["Name"] == "imported-http" and api["Tags"]["team"] == "orders"
    template.write_text(template.read_text().replace("/echo:", "/echoes:"))
    second = deploy(node, template)
    _skip_if_not_served(second)
    assert outputs(second)["ApiId"] == api_id
    assert [r["RouteKey"] for r in v2.get_routes(ApiId=api_id)["Items"]] == ["GET /echoes"]
    if HTTP_DATA_PLANE:
        status, _, body = node.request("GET", "/echoes", api_id=api_id)
        assert status == 200 and json.loads(body) == {"route": "GET /echoes"}
