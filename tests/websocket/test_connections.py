"""``@connections`` on the data plane through boto3's ``apigatewaymanagementapi``, unchanged:
PostToConnection, GetConnection, DeleteConnection; 410 GoneException, 413, 403 unsigned or
not allowed by the caller's IAM policies."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from tests.support.gateway import Gateway
from tests.websocket.conftest import deploy, make_ws_api, mock_route, wait_served, ws_connect
from websockets.exceptions import ConnectionClosed


@pytest.fixture
def localhost_resolves(monkeypatch: pytest.MonkeyPatch) -> None:
    """``*.localhost`` names resolve to loopback (RFC 6761, as curl and browsers do); this
    machine's resolver does not, so the test process maps them like the OS would."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.endswith(".localhost"):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture(scope="module")
def api(gw: Gateway, v2: Any) -> str:
    api_id = make_ws_api(v2, "connections")
    # The route answers with the connection's id, so the test knows it.
    mock_route(v2, api_id, "whoami", response='"$context.connectionId"')
    deploy(v2, api_id)
    wait_served(gw, api_id)
    return api_id


@pytest.fixture(scope="module")
def keys(gw: Gateway) -> dict[str, tuple[str, str]]:
    iam = gw.admin_client("iam")
    out = {}
    for user, effect in (("poster", "Allow"), ("denied", "Deny")):
        iam.create_user(UserName=user)
        key = iam.create_access_key(UserName=user)["AccessKey"]
        resource = "arn:aws:execute-api:us-east-1:*:*/dev/*/@connections/*"
        action = "execute-api:ManageConnections"
        statement = {"Effect": effect, "Action": action, "Resource": resource}
        policy = {"Version": "2012-10-17", "Statement": [statement]}
        iam.put_user_policy(UserName=user, PolicyName="ws", PolicyDocument=json.dumps(policy))
        out[user] = (key["AccessKeyId"], key["SecretAccessKey"])
    return out


def _client(endpoint: str, key: tuple[str, str]) -> Any:
    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=key[0],
        aws_secret_access_key=key[1],
        config=Config(retries={"max_attempts": 1}),
    )


def _whoami(ws: Any) -> str:
    ws.send(json.dumps({"action": "whoami"}))
    return str(json.loads(ws.recv(timeout=5)))


@pytest.fixture
def mgmt(
    gw: Gateway, api: str, keys: dict[str, tuple[str, str]], localhost_resolves: None
) -> Iterator[Any]:
    yield _client(f"http://{gw.host(api)}/dev", keys["poster"])


def test_post_get_delete(gw: Gateway, api: str, mgmt: Any) -> None:
    with ws_connect(gw, api, user_agent_header="agent/1") as ws:
        cid = _whoami(ws)
        mgmt.post_to_connection(ConnectionId=cid, Data=b'{"hello": "world"}')
        assert ws.recv(timeout=5) == '{"hello": "world"}'

        got = mgmt.get_connection(ConnectionId=cid)
        assert got["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert got["Identity"] == {"SourceIp": "127.0.0.1", "UserAgent": "agent/1"}
        assert got["LastActiveAt"] >= got["ConnectedAt"]

        deleted = mgmt.delete_connection(ConnectionId=cid)
        assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
    with pytest.raises(mgmt.exceptions.GoneException):
        mgmt.post_to_connection(ConnectionId=cid, Data=b"late")


def test_unknown_connection_is_gone(mgmt: Any) -> None:
    for call in (mgmt.get_connection, mgmt.delete_connection):
        with pytest.raises(mgmt.exceptions.GoneException) as info:
            call(ConnectionId="AAAAAAAAAAAAAAA=")
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 410


def test_payload_too_large(gw: Gateway, api: str, mgmt: Any) -> None:
    with ws_connect(gw, api) as ws:
        cid = _whoami(ws)
        with pytest.raises(mgmt.exceptions.PayloadTooLargeException) as info:
            mgmt.post_to_connection(ConnectionId=cid, Data=b"x" * (128 * 1024 + 1))
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
        mgmt.post_to_connection(ConnectionId=cid, Data=b"x" * (128 * 1024))
        assert len(ws.recv(timeout=5)) == 128 * 1024


def test_unsigned_and_denied_are_403(
    gw: Gateway, api: str, keys: dict[str, tuple[str, str]]
) -> None:
    with ws_connect(gw, api) as ws:
        cid = _whoami(ws)
        status, _headers, body = gw.request(
            "POST", f"/dev/@connections/{cid}", api_id=api, body=b"x"
        )
        assert status == 403, body
        assert json.loads(body) == {"message": "Missing Authentication Token"}
        # The path form of the endpoint, signed by a user whose policy denies it.
        path_form = f"http://127.0.0.1:{gw.port}/_aws/execute-api/{api}/dev"
        denied = _client(path_form, keys["denied"])
        with pytest.raises(ClientError) as info:
            denied.post_to_connection(ConnectionId=cid, Data=b"no")
        error = info.value.response
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert error["Error"]["Code"] == "AccessDeniedException"
        assert "execute-api:ManageConnections" in error["Error"]["Message"]
        allowed = _client(path_form, keys["poster"])
        allowed.post_to_connection(ConnectionId=cid, Data=b"yes")
        assert ws.recv(timeout=5) == "yes"
