"""Request validation of WebSocket routes, set up with boto3: ``requestParameters`` required on
``$connect`` (400 on the handshake when missing), ``requestModels`` picked by the route's
``modelSelectionExpression`` (AWS's ``Bad request body`` frame, connection kept); and the
write-time refusal of a cached WebSocket authorizer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.support.gateway import Gateway
from tests.websocket.conftest import deploy, make_ws_api, mock_route, ws_connect
from websockets.exceptions import InvalidStatus

CONNECT = "/dev?user=ann"
HEADERS = {"X-Room": "blue"}
MESSAGE = {
    "type": "object",
    "required": ["action", "text"],
    "properties": {"text": {"type": "string", "maxLength": 10}},
}
JOIN = {"type": "object", "required": ["room"], "properties": {"room": {"type": "integer"}}}


@pytest.fixture(scope="module")
def api(gw: Gateway, v2: Any) -> str:
    api_id = make_ws_api(v2, "validated")
    for name, schema in (("Message", MESSAGE), ("Join", JOIN)):
        v2.create_model(ApiId=api_id, Name=name, ContentType="application/json",
                        Schema=json.dumps(schema))  # fmt: skip
    connect = mock_route(v2, api_id, "$connect")
    v2.update_route(
        ApiId=api_id,
        RouteId=connect,
        RequestParameters={
            "route.request.header.X-Room": {"Required": True},
            "route.request.querystring.user": {"Required": True},
            "route.request.querystring.optional": {"Required": False},
        },
    )
    send = mock_route(v2, api_id, "send", response="sent")
    v2.update_route(ApiId=api_id, RouteId=send, RequestModels={"$default": "Message"},
                    ModelSelectionExpression="$default")  # fmt: skip
    # The model is picked by a member of the message.
    chat = mock_route(v2, api_id, "chat", response="chatted")
    v2.update_route(ApiId=api_id, RouteId=chat, RequestModels={"join": "Join"},
                    ModelSelectionExpression="$request.body.kind")  # fmt: skip
    deploy(v2, api_id)
    _served(gw, api_id)
    return api_id


def _served(gw: Gateway, api_id: str) -> None:
    import time

    deadline = time.monotonic() + 10
    while True:
        try:
            with ws_connect(gw, api_id, CONNECT, additional_headers=HEADERS):
                return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _refused(gw: Gateway, api_id: str, path: str, headers: dict[str, str]) -> tuple[int, Any]:
    with pytest.raises(InvalidStatus) as info:
        ws_connect(gw, api_id, path, additional_headers=headers)
    return int(info.value.response.status_code), json.loads(info.value.response.body)


def test_required_parameters_on_connect(gw: Gateway, api: str) -> None:
    assert _refused(gw, api, "/dev", {}) == (
        400,
        {"message": "Missing required request parameters: [X-Room, user]"},
    )
    assert _refused(gw, api, CONNECT, {}) == (
        400,
        {"message": "Missing required request parameters: [X-Room]"},
    )
    with ws_connect(gw, api, CONNECT, additional_headers=HEADERS) as ws:
        ws.send(json.dumps({"action": "send", "text": "hi"}))
        assert ws.recv(timeout=10) == "sent"


def test_body_failing_the_model_gets_the_frame(gw: Gateway, api: str) -> None:
    with ws_connect(gw, api, CONNECT, additional_headers=HEADERS) as ws:
        for bad in ({"action": "send"}, {"action": "send", "text": "x" * 11}):
            ws.send(json.dumps(bad))
            frame = json.loads(ws.recv(timeout=10))
            assert frame["message"] == "Bad request body"
            assert set(frame) == {"message", "connectionId", "requestId"}
        ws.send(json.dumps({"action": "send", "text": "fine"}))  # the connection is kept
        assert ws.recv(timeout=10) == "sent"


def test_model_selection_expression(gw: Gateway, api: str) -> None:
    with ws_connect(gw, api, CONNECT, additional_headers=HEADERS) as ws:
        ws.send(json.dumps({"action": "chat", "kind": "join", "room": "blue"}))
        assert json.loads(ws.recv(timeout=10))["message"] == "Bad request body"
        ws.send(json.dumps({"action": "chat", "kind": "join", "room": 7}))
        assert ws.recv(timeout=10) == "chatted"
        # No model for this kind and no $default model: validation fails, as AWS documents.
        ws.send(json.dumps({"action": "chat", "kind": "talk", "room": "blue"}))
        assert json.loads(ws.recv(timeout=10))["message"] == "Bad request body"


def test_websocket_authorizer_takes_no_ttl(v2: Any) -> None:
    api_id = make_ws_api(v2, "ttl")
    uri = (
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:auth/invocations"
    )
    args = {"ApiId": api_id, "Name": "a", "AuthorizerType": "REQUEST", "AuthorizerUri": uri,
            "IdentitySource": ["route.request.header.Auth"]}  # fmt: skip
    with pytest.raises(ClientError) as info:
        v2.create_authorizer(**args, AuthorizerResultTtlInSeconds=300)
    assert info.value.response["Error"]["Code"] == "BadRequestException"
    assert info.value.response["Error"]["Message"] == (
        "AuthorizerResultTtlInSeconds cannot be set for WEBSOCKET protocol Apis."
    )
    created = v2.create_authorizer(**args)
    assert "AuthorizerResultTtlInSeconds" not in created
    with pytest.raises(ClientError) as info:
        v2.update_authorizer(
            ApiId=api_id, AuthorizerId=created["AuthorizerId"], AuthorizerResultTtlInSeconds=60
        )
    assert info.value.response["Error"]["Code"] == "BadRequestException"


def test_request_models_must_name_models_of_the_api(v2: Any) -> None:
    api_id = make_ws_api(v2, "nomodel")
    with pytest.raises(ClientError) as info:
        v2.create_route(ApiId=api_id, RouteKey="send", RequestModels={"$default": "Missing"})
    assert info.value.response["Error"]["Code"] == "BadRequestException"
    assert "Missing" in info.value.response["Error"]["Message"]
