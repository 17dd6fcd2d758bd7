"""Api operations through boto3 and the AWS CLI: create (plain and quick create), read, list,
update, delete; AWS's shapes and errors."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.admin.apigatewayv2.conftest import raw
from tests.admin.conftest import AdminServer

LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:getOrders"


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    err = exc.value.response
    return err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"], err["Error"]["Message"]


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
    # Served (frontgate.websocket): no warning any more.
    assert "Warnings" not in api


def test_missing_name_and_bad_types(admin: AdminServer) -> None:
    status, code, doc = raw(admin.url, "POST", "/v2/apis", {"protocolType": "HTTP"})
    assert (status, code) == (400, "BadRequestException")
    assert "name" in doc["message"]
    status, code, doc = raw(admin.url, "POST", "/v2/apis", {"protocolType": "HTTP", "name": ""})
    assert (status, code) == (400, "BadRequestException")
    assert doc["message"] == "Invalid input: 'name' must have a length between 1 and 128"
    status, code, doc = raw(admin.url, "POST", "/v2/apis", {"protocolType": "FTP", "name": "x"})
    assert (status, code) == (400, "BadRequestException")
    status, code, doc = raw(admin.url, "POST", "/v2/apis", {"protocolType": "HTTP", "name": 5})
    assert (status, code) == (400, "BadRequestException")
    assert doc["message"] == "Invalid input: 'name' must be of type string"


def test_unserved_operation_is_named(v2: Any) -> None:
    with pytest.raises(ClientError) as exc:
        v2.get_portals() if hasattr(v2, "get_portals") else v2.list_portals()
    status, code, text = _error(exc)
    assert (status, code) == (404, "UnknownOperationException")
    assert text == "Frontgate does not implement the apigatewayv2 operation ListPortals."
