"""Api operations through boto3 and the AWS CLI: create (plain and quick create), read, list,
update, delete; AWS's shapes and errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.admin.apigatewayv2.conftest import aws_v2
from tests.admin.conftest import AdminServer

LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:getOrders"


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    err = exc.value.response
    return err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"], err["Error"]["Message"]


def test_tutorial_quick_create_with_the_cli(admin: AdminServer) -> None:
    out = aws_v2(
        admin.url,
        "create-api",
        "--name",
        "orders-api",
        "--protocol-type",
        "HTTP",
        "--target",
        LAMBDA_ARN,
        "--route-key",
        "GET /orders",
    )
    assert out.returncode == 0, out.stderr
    api = json.loads(out.stdout)
    api_id = api["ApiId"]
    port = admin.settings.data_plane_port
    domain = admin.settings.data_plane_domain
    assert api["ApiEndpoint"] == f"http://{api_id}.execute-api.{domain}:{port}"
    assert api["Name"] == "orders-api"
    assert api["ProtocolType"] == "HTTP"
    assert api["RouteSelectionExpression"] == "$request.method $request.path"
    assert api["ApiKeySelectionExpression"] == "$request.header.x-api-key"
    assert api["DisableExecuteApiEndpoint"] is False
    assert api["Tags"] == {}
    assert api["CreatedDate"].startswith("20")
    assert len(api_id) == 10
    # What quick create made: the managed integration, route and auto-deploying $default stage.
    routes = json.loads(aws_v2(admin.url, "get-routes", "--api-id", api_id).stdout)["Items"]
    assert [(r["RouteKey"], r["ApiGatewayManaged"]) for r in routes] == [("GET /orders", True)]
    integrations = json.loads(aws_v2(admin.url, "get-integrations", "--api-id", api_id).stdout)[
        "Items"
    ]
    (integration,) = integrations
    assert routes[0]["Target"] == f"integrations/{integration['IntegrationId']}"
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["IntegrationUri"] == LAMBDA_ARN
    assert integration["PayloadFormatVersion"] == "2.0"
    assert integration["TimeoutInMillis"] == 30000
    assert integration["ApiGatewayManaged"] is True
    stages = json.loads(aws_v2(admin.url, "get-stages", "--api-id", api_id).stdout)["Items"]
    (stage,) = stages
    assert stage["StageName"] == "$default"
    assert stage["AutoDeploy"] is True
    assert stage["ApiGatewayManaged"] is True
    assert stage["DeploymentId"]
    deployments = json.loads(aws_v2(admin.url, "get-deployments", "--api-id", api_id).stdout)[
        "Items"
    ]
    assert [d["DeploymentId"] for d in deployments] == [stage["DeploymentId"]]
    assert deployments[0]["AutoDeployed"] is True


def test_quick_create_http_url_and_credentials(v2: Any) -> None:
    api = v2.create_api(
        Name="proxy",
        ProtocolType="HTTP",
        Target="https://example.com/base",
        CredentialsArn="arn:aws:iam::123456789012:role/r",
    )
    (integration,) = v2.get_integrations(ApiId=api["ApiId"])["Items"]
    assert integration["IntegrationType"] == "HTTP_PROXY"
    assert integration["IntegrationMethod"] == "ANY"
    assert integration["PayloadFormatVersion"] == "1.0"
    assert integration["CredentialsArn"] == "arn:aws:iam::123456789012:role/r"
    (route,) = v2.get_routes(ApiId=api["ApiId"])["Items"]
    assert route["RouteKey"] == "$default"


def test_create_get_list_api(v2: Any) -> None:
    api = v2.create_api(
        Name="plain",
        ProtocolType="HTTP",
        Description="d",
        Version="1",
        Tags={"team": "a"},
        CorsConfiguration={"AllowOrigins": ["https://a.example"], "MaxAge": 60},
    )
    got = v2.get_api(ApiId=api["ApiId"])
    for key in ("ApiId", "Name", "Description", "Version", "Tags", "CorsConfiguration"):
        assert got[key] == api[key]
    assert got["CorsConfiguration"] == {"AllowOrigins": ["https://a.example"], "MaxAge": 60}
    listed = v2.get_apis()["Items"]
    assert api["ApiId"] in [a["ApiId"] for a in listed]
    # No routes, integrations or stages without quick create.
    assert v2.get_routes(ApiId=api["ApiId"])["Items"] == []
    assert v2.get_stages(ApiId=api["ApiId"])["Items"] == []


def test_get_apis_pages(v2: Any) -> None:
    made = [v2.create_api(Name=f"page-{i}", ProtocolType="HTTP")["ApiId"] for i in range(3)]
    seen: list[str] = []
    token = None
    while True:
        kw = {"MaxResults": "2"} | ({"NextToken": token} if token else {})
        page = v2.get_apis(**kw)
        assert len(page["Items"]) <= 2
        seen += [a["ApiId"] for a in page["Items"]]
        token = page.get("NextToken")
        if not token:
            break
    assert set(made) <= set(seen)
    assert len(seen) == len(set(seen))
    with pytest.raises(ClientError) as exc:
        v2.get_apis(NextToken="nonsense!")
    assert _error(exc)[:2] == (400, "BadRequestException")
    with pytest.raises(ClientError) as exc:
        v2.get_apis(MaxResults="0")
    assert _error(exc)[:2] == (400, "BadRequestException")


def test_get_unknown_api(v2: Any, admin: AdminServer) -> None:
    with pytest.raises(ClientError) as exc:
        v2.get_api(ApiId="nope123456")
    assert _error(exc) == (
        404,
        "NotFoundException",
        f"Invalid API identifier specified {admin.settings.account_id}:nope123456",
    )


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"ProtocolType": "HTTP", "RouteSelectionExpression": "$request.body.action"},
         "Invalid route selection expression"),
        ({"ProtocolType": "WEBSOCKET"}, "Route selection expression is required"),
        ({"ProtocolType": "HTTP", "RouteKey": "GET /x"},
         "routeKey can be specified only with target"),
        ({"ProtocolType": "HTTP", "Target": "not-a-target"}, "Invalid target"),
        ({"ProtocolType": "HTTP", "Target": LAMBDA_ARN, "RouteKey": "FETCH /x"},
         "Invalid route key"),
        ({"ProtocolType": "WEBSOCKET", "RouteSelectionExpression": "$request.body.action",
          "Target": LAMBDA_ARN}, "Quick create"),
        ({"ProtocolType": "HTTP", "CorsConfiguration": {"AllowOrigins": ["*"],
          "AllowCredentials": True}}, "allow-credentials"),
        ({"ProtocolType": "HTTP", "CorsConfiguration": {"AllowMethods": ["FETCH"]}},
         "Invalid CORS method"),
        ({"ProtocolType": "HTTP", "Tags": {"aws:x": "y"}}, "Tag keys cannot start with 'aws:'"),
    ],
)  # fmt: skip
def test_create_api_refusals(v2: Any, kw: dict[str, Any], message: str) -> None:
    with pytest.raises(ClientError) as exc:
        v2.create_api(Name="bad", **kw)
    status, code, text = _error(exc)
    assert (status, code) == (400, "BadRequestException")
    assert message in text


def test_websocket_api_is_stored(v2: Any) -> None:
    api = v2.create_api(
        Name="ws", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action"
    )
    assert api["ProtocolType"] == "WEBSOCKET"
    assert api["ApiEndpoint"].startswith("ws://")
    assert api["RouteSelectionExpression"] == "$request.body.action"
    assert api["DisableSchemaValidation"] is False


def test_missing_name_and_bad_types(admin: AdminServer) -> None:
    out = aws_v2(admin.url, "create-api", "--protocol-type", "HTTP", "--name", "")
    assert out.returncode != 0
    import urllib.request

    req = urllib.request.Request(
        admin.url + "/v2/apis", data=b'{"protocolType": "HTTP"}', method="POST"
    )
    try:
        urllib.request.urlopen(req)
    except urllib.error.HTTPError as err:
        assert err.code == 400
        assert err.headers["x-amzn-ErrorType"] == "BadRequestException"
        assert "name" in json.loads(err.read())["message"]
    else:
        raise AssertionError("accepted a CreateApi without a name")


def test_unserved_operation_is_named(v2: Any) -> None:
    with pytest.raises(ClientError) as exc:
        v2.get_portals() if hasattr(v2, "get_portals") else v2.list_portals()
    status, code, text = _error(exc)
    assert (status, code) == (404, "UnknownOperationException")
    assert text == "Frontgate does not implement the apigatewayv2 operation ListPortals."
