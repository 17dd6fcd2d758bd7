"""AWS_PROXY integrations: AWS's CONNECT / MESSAGE / DISCONNECT events, $connect's status and
subprotocol, a function error (502 handshake; "Internal server error" frame)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from tests.support.gateway import Gateway
from tests.websocket.conftest import (
    deploy,
    lambda_route,
    make_function,
    make_ws_api,
    wait_served,
    ws_connect,
)
from websockets.exceptions import InvalidStatus

# Records every event in a file (the test reads $connect's and $disconnect's); answers a
# message with its own event, and $connect as the query string asks.
HANDLER = """
import json, os

def handler(event, context):
    ctx = event["requestContext"]
    with open(os.environ["EVENTS"], "a") as f:
        f.write(json.dumps(event) + "\\n")
    if ctx["eventType"] == "CONNECT":
        q = event.get("queryStringParameters") or {}
        if q.get("fail"):
            raise RuntimeError("boom")
        out = {"statusCode": int(q.get("status", 200))}
        if q.get("proto"):
            out["headers"] = {"Sec-WebSocket-Protocol": q["proto"]}
        return out
    body = json.loads(event["body"]) if event.get("body", "").startswith("{") else {}
    if body.get("fail"):
        raise RuntimeError("boom")
    return {"statusCode": 200, "body": json.dumps(event)}
"""


@pytest.fixture(scope="module")
def setup(gw: Gateway, v2: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    events = tmp_path_factory.mktemp("events") / "events.jsonl"
    events.touch()
    arn = make_function(gw, "wsRecorder", HANDLER, {"EVENTS": str(events)})
    api_id = make_ws_api(v2, "lambda")
    for key in ("$connect", "$disconnect"):
        lambda_route(v2, api_id, key, arn)
    lambda_route(v2, api_id, "$default", arn, respond=True)
    deploy(v2, api_id)
    wait_served(gw, api_id)
    return api_id, events


def _events(path: Path, event_type: str) -> list[dict[str, Any]]:
    found = []
    for line in path.read_text().splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue  # a line the function is still writing
        if event["requestContext"]["eventType"] == event_type:
            found.append(event)
    return found


def test_events_have_aws_shape(gw: Gateway, setup: tuple[str, Path]) -> None:
    api_id, path = setup
    with ws_connect(gw, api_id, "/dev?room=1&room=2", user_agent_header="ws-test") as ws:
        ws.send('{"action": "hello", "n": 1}')
        message = json.loads(ws.recv(timeout=10))
    ctx = message["requestContext"]
    assert ctx["eventType"] == "MESSAGE"
    assert ctx["routeKey"] == "$default"
    assert ctx["messageDirection"] == "IN"
    assert ctx["stage"] == "dev" and ctx["apiId"] == api_id
    assert ctx["domainName"] == gw.host(api_id)
    assert len(ctx["connectionId"]) == 16 and ctx["messageId"] and ctx["requestId"]
    assert isinstance(ctx["connectedAt"], int) and ctx["requestTimeEpoch"] >= ctx["connectedAt"]
    assert ctx["identity"]["sourceIp"] == "127.0.0.1"
    assert message["body"] == '{"action": "hello", "n": 1}'
    assert message["isBase64Encoded"] is False
    assert "headers" not in message and "queryStringParameters" not in message

    connect = next(
        e for e in _events(path, "CONNECT")
        if e["requestContext"]["connectionId"] == ctx["connectionId"]
    )  # fmt: skip
    assert connect["requestContext"]["routeKey"] == "$connect"
    assert connect["queryStringParameters"] == {"room": "2"}
    assert connect["multiValueQueryStringParameters"] == {"room": ["1", "2"]}
    assert connect["headers"]["User-Agent"] == "ws-test"
    assert "Sec-WebSocket-Key" in connect["headers"]
    assert "body" not in connect

    cid = ctx["connectionId"]
    deadline = time.monotonic() + 10
    gone: dict[str, Any] = {}
    while not gone and time.monotonic() < deadline:
        found = [
            e["requestContext"] for e in _events(path, "DISCONNECT")
            if e["requestContext"]["connectionId"] == cid
        ]  # fmt: skip
        gone = found[0] if found else {}
        time.sleep(0.1)
    assert gone["routeKey"] == "$disconnect"
    assert gone["disconnectStatusCode"] == 1000
    assert "disconnectReason" in gone


def test_connect_status_fails_the_handshake(gw: Gateway, setup: tuple[str, Path]) -> None:
    api_id, _ = setup
    with pytest.raises(InvalidStatus) as info:
        ws_connect(gw, api_id, "/dev?status=401")
    assert info.value.response.status_code == 401


def test_connect_function_error_is_502(gw: Gateway, setup: tuple[str, Path]) -> None:
    api_id, _ = setup
    with pytest.raises(InvalidStatus) as info:
        ws_connect(gw, api_id, "/dev?fail=1")
    assert info.value.response.status_code == 502


def test_subprotocol_echoed_only_when_returned(gw: Gateway, setup: tuple[str, Path]) -> None:
    api_id, _ = setup
    with ws_connect(gw, api_id, "/dev?proto=chat", subprotocols=["chat"]) as ws:
        assert ws.subprotocol == "chat"
    # Not returned by the integration: not echoed.
    with ws_connect(gw, api_id, "/dev", subprotocols=["chat"]) as ws:
        assert ws.subprotocol is None


def test_message_function_error_frame(gw: Gateway, setup: tuple[str, Path]) -> None:
    api_id, _ = setup
    with ws_connect(gw, api_id) as ws:
        ws.send('{"fail": true}')
        frame = json.loads(ws.recv(timeout=10))
        assert frame["message"] == "Internal server error"
        assert frame["connectionId"] and frame["requestId"]
        ws.send('{"again": 1}')
        assert json.loads(ws.recv(timeout=10))["body"] == '{"again": 1}'
