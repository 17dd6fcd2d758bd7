"""AWS's WebSocket limits and close codes: text frames only (1003), a frame over 32 KB and a
message over 128 KB (1009), the idle timeout and the maximum duration (1001, both shortened
through settings here), pings answered, permessage-deflate negotiated."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from tests.support.gateway import Gateway
from tests.websocket.conftest import deploy, make_ws_api, mock_route, wait_served, ws_connect
from websockets.exceptions import ConnectionClosed

IDLE = 2.0
MAX_DURATION = 4.0


@pytest.fixture(scope="module")
def short(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    env = {
        "FRONTGATE_WEBSOCKET_IDLE_TIMEOUT": str(IDLE),
        "FRONTGATE_WEBSOCKET_MAX_DURATION": str(MAX_DURATION),
    }
    with Gateway(tmp_path_factory.mktemp("limits"), env=env) as gateway:
        yield gateway


@pytest.fixture(scope="module")
def api(short: Gateway) -> str:
    v2 = short.admin_client("apigatewayv2")
    api_id = make_ws_api(v2, "limits")
    mock_route(v2, api_id, "$default")  # no route response: answers nothing
    mock_route(v2, api_id, "ping", response='"pong"')
    deploy(v2, api_id)
    wait_served(short, api_id)
    return api_id


def _closed(ws: Any) -> ConnectionClosed:
    with pytest.raises(ConnectionClosed) as info:
        while True:
            ws.recv(timeout=IDLE * 3)
    return info.value


def _ping(ws: Any) -> None:
    ws.send(json.dumps({"action": "ping"}))
    assert ws.recv(timeout=5) == '"pong"'


def test_binary_frame_closes_1003(short: Gateway, api: str) -> None:
    with ws_connect(short, api) as ws:
        ws.send(b"\x00\x01")
        closed = _closed(ws)
        assert closed.rcvd is not None and closed.rcvd.code == 1003


def test_frame_over_32_kb_closes_1009(short: Gateway, api: str) -> None:
    with ws_connect(short, api, compression=None, max_size=None) as ws:
        ws.send("x" * (32 * 1024))  # at the limit: served
        _ping(ws)
        ws.send("x" * (32 * 1024 + 1))
        closed = _closed(ws)
        assert closed.rcvd is not None and closed.rcvd.code == 1009


def test_message_over_128_kb_closes_1009(short: Gateway, api: str) -> None:
    with ws_connect(short, api, compression=None) as ws:
        ws.send(iter(["y" * 32 * 1024] * 4))  # four frames, 128 KB: served
        _ping(ws)
        ws.send(iter(["y" * 32 * 1024] * 4 + ["y"]))
        closed = _closed(ws)
        assert closed.rcvd is not None and closed.rcvd.code == 1009


def test_ping_is_answered(short: Gateway, api: str) -> None:
    with ws_connect(short, api) as ws:
        assert ws.ping(b"hi").wait(timeout=5)


def test_permessage_deflate(short: Gateway, api: str) -> None:
    with ws_connect(short, api) as ws:
        extensions = ws.response.headers["Sec-WebSocket-Extensions"]
        assert "permessage-deflate" in extensions
        # The gateway keeps no compression context between messages (RFC 7692 7.1.1.1), and
        # a client that leaves its window to the server (as this one and browsers do) gets a
        # small one: what the gateway must keep of the client's context.
        assert "server_no_context_takeover" in extensions
        assert "client_max_window_bits=10" in extensions
        for _ in range(3):  # each answer compressed on its own, each read by the client
            ws.send(json.dumps({"action": "ping", "pad": "z" * 30_000}))
            assert ws.recv(timeout=5) == '"pong"'


def test_idle_timeout_closes_1001(short: Gateway, api: str) -> None:
    with ws_connect(short, api) as ws:
        started = time.monotonic()
        closed = _closed(ws)
        assert closed.rcvd is not None and closed.rcvd.code == 1001
        assert IDLE - 0.2 <= time.monotonic() - started < IDLE + 2


def test_maximum_duration_closes_1001(short: Gateway, api: str) -> None:
    with ws_connect(short, api) as ws:
        started = time.monotonic()
        with pytest.raises(ConnectionClosed) as info:
            while time.monotonic() - started < MAX_DURATION + 3:
                _ping(ws)  # active: the idle timeout never comes
                time.sleep(IDLE / 4)
        closed = info.value
        assert closed.rcvd is not None and closed.rcvd.code == 1001
        assert time.monotonic() - started >= MAX_DURATION - 0.2
