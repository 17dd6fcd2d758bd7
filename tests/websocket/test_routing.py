"""Messages routed by the route selection expression, $default, the Forbidden frame, route
responses and MOCK integrations."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.support.gateway import Gateway
from tests.websocket.conftest import deploy, make_ws_api, mock_route, wait_served, ws_connect
from websockets.exceptions import InvalidStatus


@pytest.fixture(scope="module")
def api(gw: Gateway, v2: Any) -> str:
    api_id = make_ws_api(v2, "routing")
    mock_route(v2, api_id, "$connect")
    mock_route(
        v2, api_id, "echo", response='{"route": "$context.routeKey", "id": "$context.connectionId"}'
    )
    mock_route(v2, api_id, "quiet")  # no route response: nothing comes back
    mock_route(v2, api_id, "$default", response='{"route": "$context.routeKey"}')
    deploy(v2, api_id)
    wait_served(gw, api_id)
    return api_id


def test_custom_route_with_route_response(gw: Gateway, api: str) -> None:
    with ws_connect(gw, api) as ws:
        ws.send(json.dumps({"action": "echo"}))
        answer = json.loads(ws.recv(timeout=5))
        assert answer["route"] == "echo"
        assert len(answer["id"]) == 16


def test_unmatched_and_non_json_go_to_default(gw: Gateway, api: str) -> None:
    with ws_connect(gw, api) as ws:
        ws.send(json.dumps({"action": "nope"}))
        assert json.loads(ws.recv(timeout=5)) == {"route": "$default"}
        ws.send("not json")
        assert json.loads(ws.recv(timeout=5)) == {"route": "$default"}
        ws.send(json.dumps({"other": 1}))
        assert json.loads(ws.recv(timeout=5)) == {"route": "$default"}


def test_no_route_response_sends_nothing(gw: Gateway, api: str) -> None:
    with ws_connect(gw, api) as ws:
        ws.send(json.dumps({"action": "quiet"}))
        ws.send(json.dumps({"action": "echo"}))
        # Only the echo's answer arrives.
        assert json.loads(ws.recv(timeout=5))["route"] == "echo"
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.5)


def test_no_default_route_answers_forbidden_and_keeps_the_connection(gw: Gateway, v2: Any) -> None:
    api_id = make_ws_api(v2, "nodefault")
    mock_route(v2, api_id, "echo", response='"ok"')
    deploy(v2, api_id)
    wait_served(gw, api_id)
    with ws_connect(gw, api_id) as ws:
        ws.send("hello")
        frame = json.loads(ws.recv(timeout=5))
        assert frame["message"] == "Forbidden"
        assert len(frame["connectionId"]) == 16 and frame["requestId"]
        ws.send(json.dumps({"action": "echo"}))
        assert ws.recv(timeout=5) == '"ok"'


def test_connect_mock_non_2xx_fails_the_handshake(gw: Gateway, v2: Any) -> None:
    api_id = make_ws_api(v2, "refused")
    mock_route(v2, api_id, "$connect", status=401)
    mock_route(v2, api_id, "$default", response='"x"')
    deploy(v2, api_id)
    import time

    deadline = time.monotonic() + 10
    while _status_of(gw, api_id) != 401 and time.monotonic() < deadline:
        time.sleep(0.1)
    with pytest.raises(InvalidStatus) as info:
        ws_connect(gw, api_id)
    # 401: the integration's status (an API not served yet would answer 403).
    assert info.value.response.status_code == 401


def test_unknown_stage_is_not_upgraded(gw: Gateway, api: str) -> None:
    with pytest.raises(InvalidStatus) as info:
        ws_connect(gw, api, "/nostage")
    # As AWS answers a stage it does not have: 403 {"message":"Forbidden"}.
    assert info.value.response.status_code == 403
    assert json.loads(info.value.response.body) == {"message": "Forbidden"}


def _status_of(gw: Gateway, api_id: str) -> int:
    try:
        ws_connect(gw, api_id).close()
    except InvalidStatus as exc:
        return int(exc.response.status_code)
    return 101


@pytest.mark.parametrize(("status", "expected"), [("99", 502), ("1000", 502), ("1e400", 500)])
def test_connect_status_http_cannot_carry(gw: Gateway, v2: Any, status: str, expected: int) -> None:
    """A ``$connect`` integration answering 99 or 1000 fails the handshake with 502 (the
    integration's fault), not with a status line HTTP cannot carry; ``1e400`` is no integer
    (MOCK: "statusCode should be an integer", 500)."""
    api_id = make_ws_api(v2, f"status{status}")
    integ = v2.create_integration(
        ApiId=api_id,
        IntegrationType="MOCK",
        RequestTemplates={"$default": f'{{"statusCode": {status}}}'},
        TemplateSelectionExpression="\\$default",
    )["IntegrationId"]
    v2.create_route(ApiId=api_id, RouteKey="$connect", Target=f"integrations/{integ}")
    mock_route(v2, api_id, "$default", response='"x"')
    deploy(v2, api_id)
    import time

    deadline = time.monotonic() + 10
    while _status_of(gw, api_id) != expected and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _status_of(gw, api_id) == expected
