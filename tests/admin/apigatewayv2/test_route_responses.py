"""apigatewayv2 route responses through boto3 and the AWS CLI: WebSocket routes only,
``$default`` the only key, one response per key, models named must exist."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.admin.apigatewayv2.conftest import aws_v2, make_v2_client
from tests.admin.apigatewayv2.store_docs import error, put_doc
from tests.admin.conftest import AdminServer

from frontgate.definition import kinds


@pytest.fixture(scope="module")
def ws(admin: AdminServer, v2: Any) -> str:
    api_id = str(
        v2.create_api(
            Name="ws", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action"
        )["ApiId"]
    )
    route = {"routeId": "rt1", "routeKey": "sendmessage", "authorizationType": "NONE"}
    put_doc(admin, kinds.V2_ROUTE, api_id, "rt1", route)
    return api_id


def test_route_response_lifecycle(v2: Any, ws: str) -> None:
    created = v2.create_route_response(
        ApiId=ws,
        RouteId="rt1",
        RouteResponseKey="$default",
        ModelSelectionExpression="$request.body.action",
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    rr_id = created["RouteResponseId"]
    expected = {
        "RouteResponseId": rr_id,
        "RouteResponseKey": "$default",
        "ModelSelectionExpression": "$request.body.action",
    }
    assert {k: v for k, v in created.items() if k != "ResponseMetadata"} == expected
    got = v2.get_route_response(ApiId=ws, RouteId="rt1", RouteResponseId=rr_id)
    assert {k: v for k, v in got.items() if k != "ResponseMetadata"} == expected
    listed = v2.get_route_responses(ApiId=ws, RouteId="rt1")["Items"]
    assert [r["RouteResponseId"] for r in listed] == [rr_id]
    v2.create_model(ApiId=ws, Name="Reply", Schema='{"type": "object"}')
    updated = v2.update_route_response(
        ApiId=ws,
        RouteId="rt1",
        RouteResponseId=rr_id,
        ResponseModels={"default": "Reply"},
        ResponseParameters={"method.response.header.x": {"Required": True}},
    )
    assert updated["ResponseModels"] == {"default": "Reply"}
    assert updated["ResponseParameters"] == {"method.response.header.x": {"Required": True}}
    with pytest.raises(ClientError) as exc:
        v2.create_route_response(ApiId=ws, RouteId="rt1", RouteResponseKey="$default")
    assert error(exc) == (
        409,
        "ConflictException",
        "RouteResponse key $default already exists for this route",
    )
    deleted = v2.delete_route_response(ApiId=ws, RouteId="rt1", RouteResponseId=rr_id)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as exc:
        v2.get_route_response(ApiId=ws, RouteId="rt1", RouteResponseId=rr_id)
    assert error(exc) == (
        404,
        "NotFoundException",
        f"Invalid RouteResponse identifier specified {rr_id}",
    )


def test_with_the_cli(admin: AdminServer, ws: str) -> None:
    out = aws_v2(
        admin.url,
        "create-route-response",
        "--api-id",
        ws,
        "--route-id",
        "rt1",
        "--route-response-key",
        "$default",
    )
    assert out.returncode == 0, out.stderr
    rr_id = json.loads(out.stdout)["RouteResponseId"]
    v2 = make_v2_client(admin.url)
    assert [
        r["RouteResponseId"] for r in v2.get_route_responses(ApiId=ws, RouteId="rt1")["Items"]
    ] == [rr_id]
    v2.delete_route_response(ApiId=ws, RouteId="rt1", RouteResponseId=rr_id)


def test_refusals(admin: AdminServer, v2: Any, ws: str) -> None:
    with pytest.raises(ClientError) as exc:
        v2.create_route_response(ApiId=ws, RouteId="rt1", RouteResponseKey="$other")
    assert error(exc) == (
        400,
        "BadRequestException",
        "Invalid route response key $other: $default is the only supported route response key",
    )
    with pytest.raises(ClientError) as exc:
        v2.create_route_response(
            ApiId=ws, RouteId="rt1", RouteResponseKey="$default", ResponseModels={"a": "Nope"}
        )
    assert error(exc) == (400, "BadRequestException", "Invalid model identifier specified: Nope")
    with pytest.raises(ClientError) as exc:
        v2.create_route_response(ApiId=ws, RouteId="zzz", RouteResponseKey="$default")
    assert error(exc) == (404, "NotFoundException", "Invalid Route identifier specified zzz")
    with pytest.raises(ClientError) as exc:
        v2.get_route_responses(ApiId="nope123", RouteId="rt1")
    assert error(exc)[:2] == (404, "NotFoundException")
    for call in (v2.get_route_response, v2.delete_route_response, v2.update_route_response):
        with pytest.raises(ClientError) as exc:
            call(ApiId=ws, RouteId="rt1", RouteResponseId="zzz")
        assert error(exc) == (
            404,
            "NotFoundException",
            "Invalid RouteResponse identifier specified zzz",
        )
    http = v2.create_api(Name="http", ProtocolType="HTTP")["ApiId"]
    put_doc(admin, kinds.V2_ROUTE, http, "rt2", {"routeId": "rt2", "routeKey": "GET /x"})
    with pytest.raises(ClientError) as exc:
        v2.create_route_response(ApiId=http, RouteId="rt2", RouteResponseKey="$default")
    assert error(exc) == (
        400,
        "BadRequestException",
        "Route responses are supported only for WebSocket APIs",
    )


def test_a_model_a_route_response_uses(v2: Any, ws: str) -> None:
    model_id = v2.create_model(ApiId=ws, Name="Answer", Schema='{"type": "object"}')["ModelId"]
    rr_id = v2.create_route_response(
        ApiId=ws, RouteId="rt1", RouteResponseKey="$default", ResponseModels={"d": "Answer"}
    )["RouteResponseId"]
    with pytest.raises(ClientError) as exc:
        v2.delete_model(ApiId=ws, ModelId=model_id)
    assert error(exc) == (
        409,
        "ConflictException",
        "Cannot delete model 'Answer', is referenced in route response: sendmessage",
    )
    v2.delete_route_response(ApiId=ws, RouteId="rt1", RouteResponseId=rr_id)
    v2.delete_model(ApiId=ws, ModelId=model_id)
