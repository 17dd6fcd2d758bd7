"""Flow control of WebSocket connections (``websocket.flow``), on a gateway with small caps: a
client that stops reading gets ``@connections`` POSTs refused with 429 LimitExceededException
once its backlog is over ``websocket_max_backlog``, and is disconnected after
``websocket_stall_timeout``; a client sending faster than its integrations answer has at most
``websocket_max_in_flight`` messages at them, the rest wait and are all answered."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from botocore.config import Config
from tests.support.gateway import Gateway
from tests.websocket.conftest import deploy, make_ws_api, mock_route, wait_served, ws_connect
from wsproto import WSConnection
from wsproto.connection import ConnectionType
from wsproto.events import AcceptConnection, Request, TextMessage

BACKLOG = 64 * 1024
STALL = 2.0
IN_FLIGHT = 2


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    env = {
        "FRONTGATE_WEBSOCKET_MAX_BACKLOG": str(BACKLOG),
        "FRONTGATE_WEBSOCKET_STALL_TIMEOUT": str(STALL),
        "FRONTGATE_WEBSOCKET_MAX_IN_FLIGHT": str(IN_FLIGHT),
    }
    with Gateway(tmp_path_factory.mktemp("flow"), env=env) as gateway:
        yield gateway


class _Slow(BaseHTTPRequestHandler):
    """Holds each request until two are inside at once (or a while has passed), and records
    how many were ever inside together."""

    lock = threading.Condition()
    inside = 0
    most = 0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        cls = type(self)
        with cls.lock:
            cls.inside += 1
            cls.most = max(cls.most, cls.inside)
            cls.lock.notify_all()
            cls.lock.wait_for(lambda: cls.inside >= IN_FLIGHT, timeout=3)
        time.sleep(0.2)  # a third request, were it let through, would arrive meanwhile
        with cls.lock:
            cls.inside -= 1
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def slow_upstream() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_messages_over_the_in_flight_cap_wait(small: Gateway, slow_upstream: str) -> None:
    v2 = small.admin_client("apigatewayv2")
    api_id = make_ws_api(v2, "inflight")
    integ = v2.create_integration(
        ApiId=api_id,
        IntegrationType="HTTP_PROXY",
        IntegrationMethod="POST",
        IntegrationUri=slow_upstream,
    )
    route = v2.create_route(ApiId=api_id, RouteKey="$default",
                            Target=f"integrations/{integ['IntegrationId']}")  # fmt: skip
    v2.create_route_response(ApiId=api_id, RouteId=route["RouteId"], RouteResponseKey="$default")
    deploy(v2, api_id)
    wait_served(small, api_id)
    with ws_connect(small, api_id) as ws:
        for n in range(6):
            ws.send(f"message {n}")
        answers = sorted(ws.recv(timeout=20) for _ in range(6))
    assert answers == [f"message {n}" for n in range(6)]
    assert _Slow.most == IN_FLIGHT


def _raw_client(gw: Gateway, api_id: str) -> tuple[socket.socket, WSConnection]:
    """A client that reads only when told to (wsproto over a socket with a small buffer)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", gw.port))
    ws = WSConnection(ConnectionType.CLIENT)
    sock.sendall(ws.send(Request(host=gw.host(api_id), target="/dev")))
    return sock, ws


def _next_event(sock: socket.socket, ws: WSConnection) -> Any:
    sock.settimeout(10)
    while True:
        for event in ws.events():
            return event
        ws.receive_data(sock.recv(65536))


def test_slow_reader_is_refused_then_closed(small: Gateway) -> None:
    v2 = small.admin_client("apigatewayv2")
    api_id = make_ws_api(v2, "backlog")
    mock_route(v2, api_id, "whoami", response="$context.connectionId")
    deploy(v2, api_id)
    wait_served(small, api_id)
    iam = small.admin_client("iam")
    iam.create_user(UserName="poster")
    key = iam.create_access_key(UserName="poster")["AccessKey"]
    statement = {"Effect": "Allow", "Action": "execute-api:ManageConnections",
                 "Resource": "arn:aws:execute-api:us-east-1:*:*/dev/*/@connections/*"}  # fmt: skip
    iam.put_user_policy(UserName="poster", PolicyName="ws", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [statement]}))  # fmt: skip
    mgmt = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=f"http://127.0.0.1:{small.port}/_aws/execute-api/{api_id}/dev",
        region_name="us-east-1",
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        config=Config(retries={"max_attempts": 1}),
    )
    sock, ws = _raw_client(small, api_id)
    try:
        assert isinstance(_next_event(sock, ws), AcceptConnection)
        sock.sendall(ws.send(TextMessage(data=json.dumps({"action": "whoami"}))))
        event = _next_event(sock, ws)
        assert isinstance(event, TextMessage)
        cid = event.data
        # The client reads no more: posts fill the kernel's buffers, then the gateway's.
        chunk = b"x" * (128 * 1024)
        refused = None
        for _ in range(800):
            try:
                mgmt.post_to_connection(ConnectionId=cid, Data=chunk)
            except mgmt.exceptions.LimitExceededException as exc:
                refused = exc
                break
        assert refused is not None, "the backlog never reached the cap"
        assert refused.response["ResponseMetadata"]["HTTPStatusCode"] == 429
        # Still backlogged after the stall timeout: the gateway drops the connection.
        deadline = time.monotonic() + STALL + 15
        while time.monotonic() < deadline:
            try:
                mgmt.get_connection(ConnectionId=cid)
            except mgmt.exceptions.GoneException:
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the stalled connection was not closed")
    finally:
        sock.close()
