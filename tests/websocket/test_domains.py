"""WebSocket APIs behind custom domain names, set up with boto3 (CreateDomainName,
CreateApiMapping): ``ws://{domain}:{port}/{key}`` upgrades to the mapped API and stage, the
events' ``domainName`` is the custom domain, and ``@connections`` works through the same
mapping with boto3's ``apigatewaymanagementapi``."""

from __future__ import annotations

import json
import socket
from typing import Any

import boto3
import pytest
from botocore.config import Config
from tests.support.gateway import Gateway
from tests.websocket.conftest import deploy, make_ws_api, mock_route
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

DOMAIN = "chat.ws.localhost"


def _connect(gw: Gateway, path: str) -> ClientConnection:
    sock = socket.create_connection(("127.0.0.1", gw.port))
    return connect(f"ws://{DOMAIN}:{gw.port}{path}", sock=sock, open_timeout=10)


def _served(gw: Gateway, path: str) -> None:
    import time

    deadline = time.monotonic() + 10
    while True:
        try:
            with _connect(gw, path):
                return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture(scope="module")
def mapped(gw: Gateway, v2: Any) -> tuple[str, str]:
    first = make_ws_api(v2, "domain-root")
    mock_route(v2, first, "$default", response="root $context.domainName $context.stage")
    deploy(v2, first)
    second = make_ws_api(v2, "domain-v1")
    mock_route(v2, second, "$default", response="v1 $context.apiId")
    mock_route(v2, second, "whoami", response="$context.connectionId")
    deploy(v2, second, "live")
    v2.create_domain_name(DomainName=DOMAIN)
    v2.create_api_mapping(DomainName=DOMAIN, ApiId=first, Stage="dev", ApiMappingKey="")
    v2.create_api_mapping(DomainName=DOMAIN, ApiId=second, Stage="live", ApiMappingKey="v1")
    _served(gw, "/v1")
    return first, second


def test_mappings_route_the_handshake(gw: Gateway, mapped: tuple[str, str]) -> None:
    _, second = mapped
    with _connect(gw, "/") as ws:
        ws.send("hi")
        assert ws.recv(timeout=10) == f"root {DOMAIN}:{gw.port} dev"
    with _connect(gw, "/v1") as ws:
        ws.send("hi")
        assert ws.recv(timeout=10) == f"v1 {second}"


def test_unmapped_domain_is_no_websocket_api(gw: Gateway, v2: Any, mapped: Any) -> None:
    v2.create_domain_name(DomainName="empty.ws.localhost")
    sock = socket.create_connection(("127.0.0.1", gw.port))
    with pytest.raises(InvalidStatus) as info:
        connect(f"ws://empty.ws.localhost:{gw.port}/", sock=sock, open_timeout=10)
    assert info.value.response.status_code == 403


def test_connections_through_the_domain(
    gw: Gateway, mapped: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    iam = gw.admin_client("iam")
    iam.create_user(UserName="domainposter")
    key = iam.create_access_key(UserName="domainposter")["AccessKey"]
    statement = {"Effect": "Allow", "Action": "execute-api:ManageConnections",
                 "Resource": "arn:aws:execute-api:us-east-1:*:*/live/*/@connections/*"}  # fmt: skip
    policy = {"Version": "2012-10-17", "Statement": [statement]}
    iam.put_user_policy(UserName="domainposter", PolicyName="ws", PolicyDocument=json.dumps(policy))
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.endswith(".localhost"):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    mgmt = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=f"http://{DOMAIN}:{gw.port}/v1",
        region_name="us-east-1",
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        config=Config(retries={"max_attempts": 1}),
    )
    with _connect(gw, "/v1") as ws:
        ws.send(json.dumps({"action": "whoami"}))
        cid = ws.recv(timeout=10)
        mgmt.post_to_connection(ConnectionId=cid, Data=b"via the domain")
        assert ws.recv(timeout=10) == "via the domain"
