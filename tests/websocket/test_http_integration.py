"""HTTP_PROXY integrations of WebSocket routes, against a real upstream on loopback: the message
is POSTed as it is, the upstream's body comes back through the route response; on
``$connect`` the upstream's status decides the handshake."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from tests.support.gateway import Gateway
from tests.websocket.conftest import deploy, make_ws_api, wait_served, ws_connect
from websockets.exceptions import InvalidStatus


class _Upstream(BaseHTTPRequestHandler):
    seen: list[tuple[str, str]] = []  # (path, body) of every request

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append((self.path, body.decode()))
        status = 401 if self.path.endswith("/deny") else 200
        out = json.dumps({"path": self.path, "got": body.decode()}).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(out)))
        self.send_header("X-Kind", "json")
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _route(v2: Any, api_id: str, key: str, uri: str, respond: bool = False) -> None:
    integ = v2.create_integration(
        ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationMethod="POST", IntegrationUri=uri
    )
    route = v2.create_route(
        ApiId=api_id, RouteKey=key, Target=f"integrations/{integ['IntegrationId']}"
    )
    if respond:
        v2.create_route_response(
            ApiId=api_id, RouteId=route["RouteId"], RouteResponseKey="$default"
        )


def test_http_proxy_message_and_connect(gw: Gateway, v2: Any, upstream: str) -> None:
    api_id = make_ws_api(v2, "httpproxy")
    _route(v2, api_id, "$connect", f"{upstream}/connect")
    _route(v2, api_id, "$default", f"{upstream}/messages", respond=True)
    deploy(v2, api_id)
    wait_served(gw, api_id)
    with ws_connect(gw, api_id) as ws:
        ws.send('{"text": "hello"}')
        assert json.loads(ws.recv(timeout=10)) == {"path": "/messages", "got": '{"text": "hello"}'}

    denied = make_ws_api(v2, "httpdeny")
    _route(v2, denied, "$connect", f"{upstream}/deny")
    deploy(v2, denied)
    import time

    deadline = time.monotonic() + 10
    while _status_of(gw, denied) != 401 and time.monotonic() < deadline:
        time.sleep(0.1)
    with pytest.raises(InvalidStatus) as info:
        ws_connect(gw, denied)
    assert info.value.response.status_code == 401


def _status_of(gw: Gateway, api_id: str) -> int:
    try:
        ws_connect(gw, api_id).close()
    except InvalidStatus as exc:
        return int(exc.response.status_code)
    return 101


def test_http_templates_and_disconnect_context(gw: Gateway, v2: Any, upstream: str) -> None:
    """HTTP (non-proxy): the request template renders the message and $context, the integration
    response's template is selected by an upstream header; $disconnect's template sees the same
    $context as the connection's other routes (domainName, connectedAt)."""
    api_id = make_ws_api(v2, "httptemplates")
    template = '{"cid": "$context.connectionId", "event": "$context.eventType", ' \
               '"domain": "$context.domainName", "at": "$context.connectedAt"}'  # fmt: skip
    bye = v2.create_integration(
        ApiId=api_id, IntegrationType="HTTP", IntegrationMethod="POST",
        IntegrationUri=f"{upstream}/bye", RequestTemplates={"$default": template},
        TemplateSelectionExpression="\\$default",
    )["IntegrationId"]  # fmt: skip
    v2.create_route(ApiId=api_id, RouteKey="$disconnect", Target=f"integrations/{bye}")
    msg = v2.create_integration(
        ApiId=api_id, IntegrationType="HTTP", IntegrationMethod="POST",
        IntegrationUri=f"{upstream}/msg", RequestTemplates={"$default": template},
        TemplateSelectionExpression="\\$default",
    )["IntegrationId"]  # fmt: skip
    route = v2.create_route(ApiId=api_id, RouteKey="$default", Target=f"integrations/{msg}")
    v2.create_integration_response(
        ApiId=api_id, IntegrationId=msg, IntegrationResponseKey="/2\\d\\d/",
        TemplateSelectionExpression="${integration.response.header.X-Kind}",
        ResponseTemplates={"json": '"kind json, status $input.path(\'$.path\')"'},
    )  # fmt: skip
    v2.create_route_response(ApiId=api_id, RouteId=route["RouteId"], RouteResponseKey="$default")
    deploy(v2, api_id)
    wait_served(gw, api_id)
    with ws_connect(gw, api_id) as ws:
        ws.send("hello")
        assert ws.recv(timeout=10) == '"kind json, status /msg"'
        sent = json.loads([body for path, body in _Upstream.seen if path == "/msg"][-1])
    assert sent["event"] == "MESSAGE" and len(sent["cid"]) == 16
    import time

    deadline = time.monotonic() + 10
    mine: list[dict[str, Any]] = []
    while not mine and time.monotonic() < deadline:
        found = [json.loads(b) for p, b in _Upstream.seen if p == "/bye"]
        mine = [d for d in found if d["cid"] == sent["cid"]]
        time.sleep(0.05)
    assert mine, "$disconnect was not called"
    assert mine[0]["event"] == "DISCONNECT"
    assert mine[0]["domain"] == gw.host(api_id) and mine[0]["at"].isdigit()
