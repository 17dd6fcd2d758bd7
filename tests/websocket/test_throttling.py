"""Route throttling of WebSocket APIs through the existing token buckets: the stage's
``defaultRouteSettings`` (each route its own bucket): a message over the limit is answered
``{"message": "Too Many Requests", ...}`` and the connection kept; ``$connect`` over its limit
fails the handshake with 429."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from tests.support.gateway import Gateway
from tests.websocket.conftest import make_ws_api, mock_route, ws_connect
from websockets.exceptions import InvalidStatus


def test_message_and_connect_throttling(gw: Gateway, v2: Any) -> None:
    api_id = make_ws_api(v2, "throttled")
    mock_route(v2, api_id, "$connect")
    mock_route(v2, api_id, "$default", response='"ok"')
    v2.create_stage(
        ApiId=api_id,
        StageName="dev",
        DefaultRouteSettings={"ThrottlingBurstLimit": 2, "ThrottlingRateLimit": 0.01},
    )
    v2.create_deployment(ApiId=api_id, StageName="dev")
    deadline = time.monotonic() + 10
    while True:
        try:
            first = ws_connect(gw, api_id)  # $connect: 1 of 2
            break
        except Exception:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    with first, ws_connect(gw, api_id) as ws:  # $connect: 2 of 2
        answers = []
        for _ in range(3):
            ws.send("hi")
            answers.append(ws.recv(timeout=5))
        assert answers[:2] == ['"ok"', '"ok"']
        frame = json.loads(answers[2])
        assert frame["message"] == "Too Many Requests"
        assert frame["connectionId"] and frame["requestId"]
        with pytest.raises(InvalidStatus) as info:
            ws_connect(gw, api_id)
        assert info.value.response.status_code == 429
