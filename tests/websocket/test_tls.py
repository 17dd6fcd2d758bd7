"""WebSocket APIs on the TLS data-plane listener: ``wss://{apiId}.execute-api.{domain}`` with the
node's development CA, permessage-deflate and a route response over TLS."""

from __future__ import annotations

import json
import socket
import ssl
import time
from pathlib import Path

from tests.support.gateway import Gateway
from tests.websocket.conftest import deploy, make_ws_api, mock_route
from websockets.sync.client import connect


def test_wss(tmp_path: Path) -> None:
    with Gateway(tmp_path / "data", "--tls-port", "0") as gw:
        v2 = gw.admin_client("apigatewayv2")
        api_id = make_ws_api(v2, "tls")
        mock_route(v2, api_id, "$default", response='{"route": "$context.routeKey"}')
        deploy(v2, api_id)
        ctx = ssl.create_default_context(cafile=str(tmp_path / "data" / "tls" / "ca.pem"))
        host = f"{api_id}.execute-api.localhost"
        deadline = time.monotonic() + 10
        while True:
            sock = socket.create_connection(("127.0.0.1", gw.tls_port), timeout=10)
            try:
                ws = connect(f"wss://{host}:{gw.tls_port}/dev", sock=sock, ssl=ctx)
                break
            except Exception:
                sock.close()
                assert time.monotonic() < deadline, "the API was not served over TLS"
                time.sleep(0.2)
        with ws:
            assert "permessage-deflate" in ws.response.headers["Sec-WebSocket-Extensions"]
            ws.send("x" * 1000)
            assert json.loads(ws.recv(timeout=5)) == {"route": "$default"}
