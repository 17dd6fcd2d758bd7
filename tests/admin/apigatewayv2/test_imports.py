"""ImportApi, ReimportApi and ExportApi through boto3 and the AWS CLI: AWS's shapes, the stored
definition, auto-deploy on reimport, the exported document, and every refusal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError
from tests.admin.apigatewayv2.conftest import aws_v2
from tests.admin.conftest import AdminServer, make_client

FIXTURES = Path(__file__).parents[2] / "openapi" / "fixtures"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:orders"


def _fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    err = exc.value.response
    return err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"], err["Error"]["Message"]


def _doc(paths: dict[str, Any], title: str = "T", **top: Any) -> str:
    return json.dumps(
        {"openapi": "3.0.1", "info": {"title": title, "version": "1"}, "paths": paths, **top}
    )


def _lambda(uri: str = LAMBDA) -> dict[str, Any]:
    return {
        "x-amazon-apigateway-integration": {
            "type": "aws_proxy",
            "httpMethod": "POST",
            "uri": uri,
            "payloadFormatVersion": "2.0",
        }
    }


def _lambda_get(uri: str) -> dict[str, Any]:
    return {"get": _lambda(uri)}


def _routes(v2: Any, api_id: str) -> dict[str, Any]:
    """Route key -> its integration (None without one), as GetRoutes/GetIntegrations answer."""
    integrations = {i["IntegrationId"]: i for i in v2.get_integrations(ApiId=api_id)["Items"]}
    return {
        r["RouteKey"]: integrations.get(str(r.get("Target", "")).removeprefix("integrations/"))
        for r in v2.get_routes(ApiId=api_id)["Items"]
    }


def _export(v2: Any, api_id: str, **kw: Any) -> dict[str, Any]:
    out = v2.export_api(ApiId=api_id, Specification="OAS30", OutputType="JSON", **kw)
    return json.loads(out["body"].read())  # type: ignore[no-any-return]


# --- ImportApi ---------------------------------------------------------------------------------


def test_import_api_with_boto3(admin: AdminServer, v2: Any) -> None:
    out = v2.import_api(Body=_fixture("http-secured.yaml"))
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 201
    api_id = out["ApiId"]
    port, domain = admin.settings.data_plane_port, admin.settings.data_plane_domain
    assert out["ApiEndpoint"] == f"http://{api_id}.execute-api.{domain}:{port}"
    assert out["Name"] == "orders-api"
    assert out["ProtocolType"] == "HTTP"
    assert out["RouteSelectionExpression"] == "$request.method $request.path"
    assert out["Version"] == "2024-05-01"
    assert out["CorsConfiguration"]["AllowOrigins"] == ["https://shop.example.com"]
    assert out["Tags"] == {"team": "payments"}
    assert "Warnings" not in out
    assert v2.get_api(ApiId=api_id)["Name"] == "orders-api"
    routes = _routes(v2, api_id)
    assert sorted(routes) == [
        "$default",
        "ANY /admin/{proxy+}",
        "DELETE /orders/{id}",
        "GET /orders",
        "POST /orders",
    ]
    assert routes["GET /orders"]["IntegrationUri"] == LAMBDA
    assert routes["GET /orders"] is not None


def test_import_reports_warnings_and_info(v2: Any) -> None:
    op = {
        "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
        "x-amazon-apigateway-integration": {"type": "AWS", "httpMethod": "POST", "uri": LAMBDA},
    }
    out = v2.import_api(Body=_doc({"/": {"post": op}, "/ok": {"get": _lambda()}}))
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert out["Warnings"] == [
        "paths./.post.x-amazon-apigateway-integration: integration type 'AWS' is not "
        "supported by HTTP APIs (only aws_proxy and http_proxy); the route has no integration"
    ]
    assert out["ImportInfo"] == [
        "paths./.post: 'requestBody' is not supported by HTTP APIs; ignored"
    ]


def test_fail_on_warnings_creates_nothing(v2: Any) -> None:
    op = {"x-amazon-apigateway-integration": {"type": "mock"}}
    before = len(v2.get_apis()["Items"])
    with pytest.raises(ClientError) as exc:
        v2.import_api(Body=_doc({"/": {"get": op}}, title="nope"), FailOnWarnings=True)
    status, code, message = _error(exc)
    assert (status, code) == (400, "BadRequestException")
    assert message.startswith("Warnings found during import:\n\t")
    assert "'mock' is not supported" in message
    assert len(v2.get_apis()["Items"]) == before


def test_basepath_prepend(admin: AdminServer, v2: Any) -> None:
    out = v2.import_api(Body=_fixture("http-secured.yaml"), Basepath="prepend")
    assert "GET /v1/orders-service/orders" in _routes(v2, out["ApiId"])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not: [an openapi", "Invalid OpenAPI input."),
        ("plain words", "Invalid OpenAPI input."),
        (
            '{"swagger": "2.0.0", "info": {"title": "My API", "version": "1.0"}}',
            "Errors found during import:\n\tswagger 2.0.0 is not supported: HTTP APIs support "
            "only OpenAPI 3.0",
        ),
        (
            _doc({}, title="n" * 129),
            "Errors found during import:\n\tinfo.title: the API name is at most 128 characters",
        ),
        # The management API's own rules: an AWS_PROXY integration invokes Lambda...
        (
            _doc({"/a": _lambda_get("https://example.com")}),
            "Errors found during import:\n\tInvalid integration URI 'https://example.com': "
            "AWS_PROXY integrations without a subtype invoke a Lambda function (its ARN or "
            "invocation URI)",
        ),
        # ...and parameter mappings must be valid.
        (
            _doc(
                {
                    "/a": {
                        "get": {
                            "x-amazon-apigateway-integration": {
                                "type": "http_proxy",
                                "httpMethod": "GET",
                                "uri": "http://example.com",
                                "requestParameters": {"overwrite:header.host": "x"},
                            }
                        }
                    }
                }
            ),
            "Errors found during import:\n\tInvalid mapping key overwrite:header.host: header "
            "host is reserved",
        ),
    ],
)
def test_import_errors(v2: Any, body: str, message: str) -> None:
    with pytest.raises(ClientError) as exc:
        v2.import_api(Body=body)
    assert _error(exc) == (400, "BadRequestException", message)


def test_import_and_export_with_the_cli(admin: AdminServer, v2: Any, tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(_fixture("http-petstore.json"))
    out = aws_v2(admin.url, "import-api", "--body", f"file://{spec}")
    assert out.returncode == 0, out.stderr
    api = json.loads(out.stdout)
    assert api["Name"] == "Pet Shop"
    assert api["CorsConfiguration"]["AllowMethods"] == ["GET", "OPTIONS", "POST"]
    target = tmp_path / "out.yaml"
    out = aws_v2(
        admin.url,
        "export-api",
        "--api-id",
        api["ApiId"],
        "--output-type",
        "YAML",
        "--specification",
        "OAS30",
        str(target),
    )
    assert out.returncode == 0, out.stderr
    exported = yaml.safe_load(target.read_text())
    assert exported["openapi"] == "3.0.1"
    assert exported["info"]["title"] == "Pet Shop"
    assert sorted(exported["paths"]) == ["/pets", "/pets/{petId}"]
    assert sorted(exported["paths"]["/pets"]) == ["get", "post"]
    assert exported["x-amazon-apigateway-importexport-version"] == "1.0"
    # The exported file imports again into an identical API.
    out = aws_v2(admin.url, "import-api", "--body", f"file://{target}")
    assert out.returncode == 0, out.stderr
    again = json.loads(out.stdout)
    assert again["ApiId"] != api["ApiId"]
    assert sorted(_routes(v2, again["ApiId"])) == sorted(_routes(v2, api["ApiId"]))


def test_rest_api_export_migrates(admin: AdminServer, v2: Any) -> None:
    """AWS's migration path: export a REST API as OpenAPI 3.0, import it as an HTTP API."""
    rest = make_client(admin.url)
    rest_id = rest.import_rest_api(body=(FIXTURES / "petstore-oas3.yaml").read_bytes())["id"]
    rest.create_deployment(restApiId=rest_id, stageName="prod")
    exported = rest.get_export(
        restApiId=rest_id,
        stageName="prod",
        exportType="oas30",
        parameters={"extensions": "apigateway"},
        accepts="application/json",
    )["body"].read()
    out = v2.import_api(Body=exported.decode())
    assert out["ProtocolType"] == "HTTP"
    routes = _routes(v2, out["ApiId"])
    assert routes["ANY /orders/{proxy+}"]["IntegrationType"] == "HTTP_PROXY"
    assert routes["POST /hello"]["PayloadFormatVersion"] == "1.0"
    assert routes["GET /pets"] is None  # an HTTP (non-proxy) integration: warned, left out
    assert any("integration type 'http' is not supported" in w for w in out["Warnings"])


def test_cli_error(admin: AdminServer, tmp_path: Path) -> None:
    spec = tmp_path / "bad.json"
    spec.write_text('{"swagger": "2.0"}')
    out = aws_v2(admin.url, "import-api", "--body", f"file://{spec}")
    assert out.returncode != 0
    assert "An error occurred (BadRequestException) when calling the ImportApi operation" in (
        out.stderr
    )


# --- ReimportApi -------------------------------------------------------------------------------


def test_reimport_replaces_the_definition_and_auto_deploys(admin: AdminServer, v2: Any) -> None:
    # Quick create: a route, an integration and the auto-deploying $default stage.
    api = v2.create_api(Name="quick", ProtocolType="HTTP", Target=LAMBDA, RouteKey="GET /old")
    api_id = api["ApiId"]
    first = v2.get_stage(ApiId=api_id, StageName="$default")["DeploymentId"]
    body = _doc(
        {"/new": {"get": _lambda()}, "/new/{id}": {"delete": _lambda()}},
        title="reimported",
        **{"x-amazon-apigateway-cors": {"allowOrigins": ["https://a.example.com"]}},
    )
    out = v2.reimport_api(ApiId=api_id, Body=body)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert out["ApiId"] == api_id
    assert out["Name"] == "reimported"
    assert out["CreatedDate"] == api["CreatedDate"]
    assert out["ApiEndpoint"] == api["ApiEndpoint"]
    assert out["CorsConfiguration"] == {"AllowOrigins": ["https://a.example.com"]}
    assert sorted(_routes(v2, api_id)) == ["DELETE /new/{id}", "GET /new"]
    stage = v2.get_stage(ApiId=api_id, StageName="$default")
    assert stage["DeploymentId"] != first
    assert stage["LastDeploymentStatusMessage"].startswith("Successfully deployed stage")
    # The stage serves (and exports) the reimported definition.
    exported = _export(v2, api_id, StageName="$default")
    assert sorted(exported["paths"]) == ["/new", "/new/{id}"]


def test_reimport_errors(admin: AdminServer, v2: Any) -> None:
    with pytest.raises(ClientError) as exc:
        v2.reimport_api(ApiId="nosuchapi1", Body=_doc({}))
    assert _error(exc) == (
        404,
        "NotFoundException",
        f"Invalid API identifier specified {admin.settings.account_id}:nosuchapi1",
    )
    api_id = v2.import_api(Body=_doc({"/a": {"get": _lambda()}}))["ApiId"]
    with pytest.raises(ClientError) as exc:
        v2.reimport_api(ApiId=api_id, Body="{}")
    assert _error(exc) == (400, "BadRequestException", "Invalid OpenAPI input.")
    ws = v2.create_api(
        Name="ws", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action"
    )
    with pytest.raises(ClientError) as exc:
        v2.reimport_api(ApiId=ws["ApiId"], Body=_doc({}))
    assert _error(exc) == (
        400,
        "BadRequestException",
        "ReimportApi is supported only for HTTP APIs",
    )


# --- ExportApi ---------------------------------------------------------------------------------


def test_export_latest_and_stage(v2: Any) -> None:
    api = v2.create_api(Name="staged", ProtocolType="HTTP", Target=LAMBDA, RouteKey="GET /a")
    api_id = api["ApiId"]
    v2.reimport_api(ApiId=api_id, Body=_doc({"/b": {"get": _lambda()}}, title="staged"))
    latest = _export(v2, api_id)
    assert list(latest["paths"]) == ["/b"]
    assert latest["servers"] == [
        {
            "url": api["ApiEndpoint"] + "/{basePath}",
            "variables": {"basePath": {"default": ""}},
        }
    ]
    integration = latest["paths"]["/b"]["get"]["x-amazon-apigateway-integration"]
    assert integration["payloadFormatVersion"] == "2.0"
    assert integration["type"] == "aws_proxy"
    bare = _export(v2, api_id, IncludeExtensions=False)
    assert "x-amazon-apigateway-integration" not in bare["paths"]["/b"]["get"]
    assert "x-amazon-apigateway-importexport-version" not in bare


def test_stage_export_is_the_deployed_definition(v2: Any) -> None:
    api_id = v2.import_api(Body=_doc({"/v1": {"get": _lambda()}}, title="staged"))["ApiId"]
    v2.create_stage(ApiId=api_id, StageName="prod", StageVariables={"fn": "orders"})
    v2.create_deployment(ApiId=api_id, StageName="prod")
    v2.reimport_api(ApiId=api_id, Body=_doc({"/v2": {"get": _lambda()}}, title="staged"))
    # prod has no autoDeploy: it still serves (and exports) what was deployed to it.
    prod = _export(v2, api_id, StageName="prod")
    assert list(prod["paths"]) == ["/v1"]
    assert prod["servers"][0]["variables"] == {"basePath": {"default": "prod"}}
    assert list(_export(v2, api_id)["paths"]) == ["/v2"]
    v2.create_stage(ApiId=api_id, StageName="empty")
    with pytest.raises(ClientError) as exc:
        _export(v2, api_id, StageName="empty")
    assert _error(exc) == (400, "BadRequestException", "Stage empty has no deployment to export")


def test_export_yaml_headers(admin: AdminServer, v2: Any) -> None:
    api_id = v2.import_api(Body=_fixture("http-petstore.json"))["ApiId"]
    out = v2.export_api(ApiId=api_id, Specification="OAS30", OutputType="YAML", ExportVersion="1.0")
    headers = out["ResponseMetadata"]["HTTPHeaders"]
    assert headers["content-type"] == "application/octet-stream"
    assert headers["content-disposition"] == 'attachment; filename="oas30_1.0.yaml"'
    assert yaml.safe_load(out["body"].read())["info"]["title"] == "Pet Shop"


@pytest.mark.parametrize(
    ("kw", "status", "code", "message"),
    [
        ({"ApiId": "nosuchapi1"}, 404, "NotFoundException", None),
        (
            {"StageName": "nope"},
            404,
            "NotFoundException",
            "Invalid stage identifier specified nope",
        ),
        ({"Specification": "OAS31"}, 400, "BadRequestException", None),
        ({"OutputType": "XML"}, 400, "BadRequestException", None),
        ({"ExportVersion": "2.0"}, 400, "BadRequestException", None),
    ],
)
def test_export_errors(
    v2: Any, kw: dict[str, str], status: int, code: str, message: str | None
) -> None:
    api_id = v2.import_api(Body=_doc({"/a": {"get": _lambda()}}))["ApiId"]
    args = {"ApiId": api_id, "Specification": "OAS30", "OutputType": "JSON", **kw}
    with pytest.raises(ClientError) as exc:
        v2.export_api(**args)
    got = _error(exc)
    assert got[:2] == (status, code)
    if message is not None:
        assert got[2] == message


def test_import_over_the_route_quota(v2: Any) -> None:
    paths = {f"/r{i}": {"get": _lambda()} for i in range(301)}
    with pytest.raises(ClientError) as exc:
        v2.import_api(Body=_doc(paths))
    assert _error(exc) == (
        429,
        "TooManyRequestsException",
        "An API can have at most 300 routes (AWS's default quota)",
    )
