"""One node with ``--workers 2`` and no Redis: an ``@connections`` call reaches a connection
whichever worker accepted the call (the workers ask each other, ``websocket/node.py``).

Each client and each call gets a connection of its own, so the kernel spreads them over both
workers; with one registry per worker about half of the calls would answer 410."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from tests.support.gateway import Gateway
from tests.websocket.conftest import deploy, make_ws_api, mock_route, ws_connect
from tests.websocket.test_cluster import _poster, _served, _whoami
from websockets.exceptions import ConnectionClosed

CLIENTS = 6
CALLS = 4  # per client


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Gateway]:
    with Gateway(tmp_path / "data", "--workers", "2") as gw:
        yield gw


def _call(gw: Gateway, api_id: str, key: tuple[str, str], method: str, cid: str,
          body: bytes = b"") -> tuple[int, bytes]:  # fmt: skip
    """A SigV4-signed ``@connections`` call on a connection of its own."""
    host = gw.host(api_id)
    url = f"http://{host}/dev/@connections/{cid}"
    request = AWSRequest(method=method, url=url, data=body, headers={"Host": host})
    SigV4Auth(Credentials(*key), "execute-api", "us-east-1").add_auth(request)
    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=10)
    try:
        headers: dict[str, Any] = dict(request.headers.items())
        conn.request(method, f"/dev/@connections/{cid}", body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def test_calls_reach_the_worker_holding_the_connection(node: Gateway) -> None:
    key = _poster(node)
    v2 = node.admin_client("apigatewayv2")
    api_id = make_ws_api(v2, "workers")
    mock_route(v2, api_id, "whoami", response='"$context.connectionId"')
    deploy(v2, api_id)
    _served(node, api_id, times=4)
    with ExitStack() as stack:
        clients = [stack.enter_context(ws_connect(node, api_id)) for _ in range(CLIENTS)]
        ids = [_whoami(ws) for ws in clients]
        for i in range(CALLS):
            for ws, cid in zip(clients, ids, strict=True):
                assert _call(node, api_id, key, "POST", cid, f"n{i}".encode()) == (200, b"")
                assert ws.recv(timeout=5) == f"n{i}"
        for cid in ids:
            status, body = _call(node, api_id, key, "GET", cid)
            assert status == 200 and json.loads(body)["identity"]["sourceIp"] == "127.0.0.1"
        for ws, cid in zip(clients, ids, strict=True):
            assert _call(node, api_id, key, "DELETE", cid)[0] == 204
            with pytest.raises(ConnectionClosed):
                ws.recv(timeout=5)
            assert _call(node, api_id, key, "POST", cid, b"late")[0] == 410
