"""Routes and integrations through boto3: AWS's checks when they are written, and the
auto-deploy that follows every write."""

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


@pytest.fixture
def api(v2: Any) -> str:
    return str(v2.create_api(Name="routes", ProtocolType="HTTP")["ApiId"])


def _lambda(v2: Any, api: str, version: str = "2.0") -> str:
    return str(
        v2.create_integration(
            ApiId=api,
            IntegrationType="AWS_PROXY",
            IntegrationUri=LAMBDA_ARN,
            PayloadFormatVersion=version,
        )["IntegrationId"]
    )


def test_integration_crud(v2: Any, api: str) -> None:
    made = v2.create_integration(
        ApiId=api,
        IntegrationType="HTTP_PROXY",
        IntegrationUri="https://example.com/{proxy}",
        IntegrationMethod="get",
        RequestParameters={
            "append:header.x-from": "$request.header.host",
            "overwrite:querystring.q": "static ${stageVariables.v}",
            "remove:header.cookie": "''",
            "overwrite:path": "/base/$request.path.id",
        },
        ResponseParameters={"404": {"overwrite:statuscode": "200"}},
    )
    assert made["IntegrationMethod"] == "GET"
    assert made["PayloadFormatVersion"] == "1.0"
    assert made["TimeoutInMillis"] == 30000
    assert made["ConnectionType"] == "INTERNET"
    iid = made["IntegrationId"]
    got = v2.get_integration(ApiId=api, IntegrationId=iid)
    assert got["RequestParameters"] == made["RequestParameters"]
    assert got["ResponseParameters"] == {"404": {"overwrite:statuscode": "200"}}
    updated = v2.update_integration(ApiId=api, IntegrationId=iid, TimeoutInMillis=50)
    assert updated["TimeoutInMillis"] == 50
    assert updated["IntegrationUri"] == "https://example.com/{proxy}"
    # A type change starts from the new type's defaults.
    switched = v2.update_integration(
        ApiId=api,
        IntegrationId=iid,
        IntegrationType="AWS_PROXY",
        IntegrationUri=LAMBDA_ARN,
        PayloadFormatVersion="2.0",
    )
    assert switched["IntegrationMethod"] == "POST"
    assert [i["IntegrationId"] for i in v2.get_integrations(ApiId=api)["Items"]] == [iid]
    v2.delete_integration(ApiId=api, IntegrationId=iid)
    with pytest.raises(ClientError) as exc:
        v2.get_integration(ApiId=api, IntegrationId=iid)
    assert _error(exc) == (
        404,
        "NotFoundException",
        f"Invalid Integration identifier specified {iid}",
    )


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"IntegrationType": "AWS_PROXY", "IntegrationUri": LAMBDA_ARN},
         "PayloadFormatVersion is required"),
        ({"IntegrationType": "AWS_PROXY", "IntegrationUri": LAMBDA_ARN,
          "PayloadFormatVersion": "3.0"}, "Invalid payload format version"),
        ({"IntegrationType": "HTTP_PROXY", "IntegrationUri": "https://x.example",
          "IntegrationMethod": "GET", "PayloadFormatVersion": "2.0"},
         "2.0 is supported only for AWS_PROXY"),
        ({"IntegrationType": "HTTP_PROXY", "IntegrationUri": "ftp://x", "IntegrationMethod": "GET"},
         "Invalid integration URI"),
        ({"IntegrationType": "HTTP_PROXY", "IntegrationUri": "https://x.example"},
         "IntegrationMethod is required"),
        ({"IntegrationType": "AWS_PROXY", "IntegrationUri": "https://x.example",
          "PayloadFormatVersion": "2.0"}, "Invalid integration URI"),
        ({"IntegrationType": "MOCK"}, "not supported for HTTP APIs"),
        ({"IntegrationType": "HTTP_PROXY", "IntegrationUri": "https://x.example",
          "IntegrationMethod": "GET", "RequestParameters": {"replace:header.x": "a"}},
         "Invalid mapping key"),
        ({"IntegrationType": "HTTP_PROXY", "IntegrationUri": "https://x.example",
          "IntegrationMethod": "GET", "RequestParameters": {"append:header.x": "$request.nope"}},
         "Invalid mapping expression"),
        ({"IntegrationType": "HTTP_PROXY", "IntegrationUri": "https://x.example",
          "IntegrationMethod": "GET", "ResponseParameters": {"700": {"overwrite:statuscode": "1"}}},
         "status code 700"),
        ({"IntegrationType": "HTTP_PROXY", "IntegrationUri": "https://x.example",
          "IntegrationMethod": "GET", "ResponseParameters": {"200": {"append:querystring.a": "1"}}},
         "Invalid mapping key"),
        ({"IntegrationType": "AWS_PROXY", "IntegrationSubtype": "SQS-SendMessage"},
         "RequestParameters are required"),
    ],
)  # fmt: skip
def test_integration_refusals(v2: Any, api: str, kw: dict[str, Any], message: str) -> None:
    with pytest.raises(ClientError) as exc:
        v2.create_integration(ApiId=api, **kw)
    status, code, text = _error(exc)
    assert (status, code) == (400, "BadRequestException")
    assert message in text


def test_timeout_range_is_the_models(admin: AdminServer, api: str) -> None:
    body = {
        "integrationType": "AWS_PROXY",
        "integrationUri": LAMBDA_ARN,
        "payloadFormatVersion": "2.0",
    }
    for bad in (49, 30001):
        status, code, doc = raw(
            admin.url, "POST", f"/v2/apis/{api}/integrations", {**body, "timeoutInMillis": bad}
        )
        assert (status, code) == (400, "BadRequestException")
        assert "timeoutInMillis" in doc["message"]
    status, code, doc = raw(
        admin.url, "POST", f"/v2/apis/{api}/integrations", {**body, "timeoutInMillis": "soon"}
    )
    assert (status, code) == (400, "BadRequestException")
    status, code, doc = raw(admin.url, "POST", f"/v2/apis/{api}/integrations", b"{not json")
    assert (status, code) == (400, "BadRequestException")


def test_subtype_integration_is_stored(v2: Any, api: str) -> None:
    made = v2.create_integration(
        ApiId=api,
        IntegrationType="AWS_PROXY",
        IntegrationSubtype="SQS-SendMessage",
        CredentialsArn="arn:aws:iam::123456789012:role/r",
        RequestParameters={"QueueUrl": "https://sqs/q", "MessageBody": "$request.body"},
    )
    assert made["IntegrationSubtype"] == "SQS-SendMessage"
    assert made["PayloadFormatVersion"] == "1.0"


def test_route_crud(v2: Any, api: str) -> None:
    iid = _lambda(v2, api)
    route = v2.create_route(ApiId=api, RouteKey="GET /orders/{id}", Target=f"integrations/{iid}")
    assert route["AuthorizationType"] == "NONE"
    assert route["ApiKeyRequired"] is False
    rid = route["RouteId"]
    assert v2.get_route(ApiId=api, RouteId=rid)["RouteKey"] == "GET /orders/{id}"
    v2.create_route(ApiId=api, RouteKey="ANY /{proxy+}")
    v2.create_route(ApiId=api, RouteKey="$default")
    keys = [r["RouteKey"] for r in v2.get_routes(ApiId=api)["Items"]]
    assert keys == ["GET /orders/{id}", "ANY /{proxy+}", "$default"]
    updated = v2.update_route(ApiId=api, RouteId=rid, RouteKey="POST /orders/{id}")
    assert updated["RouteKey"] == "POST /orders/{id}"
    assert updated["Target"] == f"integrations/{iid}"
    # An integration that a route targets cannot go.
    with pytest.raises(ClientError) as exc:
        v2.delete_integration(ApiId=api, IntegrationId=iid)
    status, code, text = _error(exc)
    assert (status, code) == (409, "ConflictException")
    assert "POST /orders/{id}" in text
    with pytest.raises(ClientError) as exc:  # the model's 1-128 characters
        v2.update_route(ApiId=api, RouteId=rid, Target="")
    assert _error(exc)[:2] == (400, "BadRequestException")
    v2.delete_route(ApiId=api, RouteId=rid)
    with pytest.raises(ClientError) as exc:
        v2.get_route(ApiId=api, RouteId=rid)
    assert _error(exc) == (404, "NotFoundException", f"Invalid Route identifier specified {rid}")
    v2.delete_integration(ApiId=api, IntegrationId=iid)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("FETCH /x", "Invalid route key"),
        ("GET x", "must start with '/'"),
        ("GET /a//b", "empty segment"),
        ("GET /{proxy+}/x", "greedy path variable"),
        ("GET /{id}/{id}", "appears twice"),
        ("GET /a{b", "neither a literal nor a path parameter"),
        ("get /x", "Invalid route key"),
        ("$connect", "Invalid route key"),
    ],
)
def test_route_key_refusals(v2: Any, api: str, key: str, message: str) -> None:
    with pytest.raises(ClientError) as exc:
        v2.create_route(ApiId=api, RouteKey=key)
    status, code, text = _error(exc)
    assert (status, code) == (400, "BadRequestException")
    assert message in text


def test_route_refusals(v2: Any, api: str) -> None:
    v2.create_route(ApiId=api, RouteKey="GET /dup")
    with pytest.raises(ClientError) as exc:
        v2.create_route(ApiId=api, RouteKey="GET /dup")
    assert _error(exc)[:2] == (409, "ConflictException")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"Target": "integrations/nope123"}, "Invalid Integration identifier specified nope123"),
        ({"Target": "lambda"}, "a route's target is integrations/"),
        ({"AuthorizationType": "JWT"}, "An authorizer ID is required"),
        ({"AuthorizationType": "CUSTOM", "AuthorizerId": "nope"}, "Invalid Authorizer"),
        ({"AuthorizerId": "abc"}, "cannot be set for authorization type NONE"),
        ({"AuthorizationScopes": ["read"]}, "scopes are supported only for JWT"),
        ({"ApiKeyRequired": True}, "API keys are not supported for HTTP APIs"),
    ]
    for kw, message in cases:
        with pytest.raises(ClientError) as exc:
            v2.create_route(ApiId=api, RouteKey="GET /other", **kw)
        status, code, text = _error(exc)
        assert (status, code) in ((400, "BadRequestException"), (404, "NotFoundException")), kw
        assert message in text, (kw, text)


def test_route_request_parameters(v2: Any) -> None:
    ws = v2.create_api(
        Name="ws", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action"
    )["ApiId"]
    route = v2.create_route(
        ApiId=ws,
        RouteKey="$connect",
        RequestParameters={"route.request.header.x-id": {"Required": True}},
    )
    v2.delete_route_request_parameter(
        ApiId=ws, RouteId=route["RouteId"], RequestParameterKey="route.request.header.x-id"
    )
    assert v2.get_route(ApiId=ws, RouteId=route["RouteId"]).get("RequestParameters", {}) == {}
    with pytest.raises(ClientError) as exc:
        v2.delete_route_request_parameter(
            ApiId=ws, RouteId=route["RouteId"], RequestParameterKey="route.request.header.x-id"
        )
    assert _error(exc)[:2] == (404, "NotFoundException")


def test_integration_responses_are_websocket_only(v2: Any, api: str) -> None:
    iid = _lambda(v2, api)
    with pytest.raises(ClientError) as exc:
        v2.create_integration_response(
            ApiId=api, IntegrationId=iid, IntegrationResponseKey="$default"
        )
    assert "supported only for WebSocket APIs" in _error(exc)[2]
    ws = v2.create_api(
        Name="ws", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action"
    )["ApiId"]
    wid = v2.create_integration(ApiId=ws, IntegrationType="MOCK")["IntegrationId"]
    made = v2.create_integration_response(
        ApiId=ws, IntegrationId=wid, IntegrationResponseKey="$default"
    )
    rid = made["IntegrationResponseId"]
    with pytest.raises(ClientError) as exc:
        v2.create_integration_response(
            ApiId=ws, IntegrationId=wid, IntegrationResponseKey="$default"
        )
    assert _error(exc)[:2] == (409, "ConflictException")
    updated = v2.update_integration_response(
        ApiId=ws, IntegrationId=wid, IntegrationResponseId=rid, IntegrationResponseKey="/200/"
    )
    assert updated["IntegrationResponseKey"] == "/200/"
    got = v2.get_integration_response(ApiId=ws, IntegrationId=wid, IntegrationResponseId=rid)
    assert got["IntegrationResponseKey"] == "/200/"
    items = v2.get_integration_responses(ApiId=ws, IntegrationId=wid)["Items"]
    assert [i["IntegrationResponseId"] for i in items] == [rid]
    v2.delete_integration_response(ApiId=ws, IntegrationId=wid, IntegrationResponseId=rid)
    with pytest.raises(ClientError) as exc:
        v2.get_integration_response(ApiId=ws, IntegrationId=wid, IntegrationResponseId=rid)
    assert _error(exc) == (
        404,
        "NotFoundException",
        f"Invalid IntegrationResponse identifier specified {rid}",
    )


def test_writes_move_auto_deploy_stages(v2: Any, api: str) -> None:
    v2.create_stage(ApiId=api, StageName="$default", AutoDeploy=True)
    first = v2.get_stage(ApiId=api, StageName="$default")["DeploymentId"]
    iid = _lambda(v2, api)
    second = v2.get_stage(ApiId=api, StageName="$default")["DeploymentId"]
    assert second != first
    v2.create_route(ApiId=api, RouteKey="GET /a", Target=f"integrations/{iid}")
    stage = v2.get_stage(ApiId=api, StageName="$default")
    assert stage["DeploymentId"] != second
    assert stage["LastDeploymentStatusMessage"].startswith("Successfully deployed stage")
    deployments = v2.get_deployments(ApiId=api)["Items"]
    assert all(d["AutoDeployed"] for d in deployments)
    assert len(deployments) == 3
