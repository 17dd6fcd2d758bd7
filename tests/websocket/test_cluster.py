"""Two ``frontgate serve`` nodes sharing PostgreSQL (the config store) and Redis (the WebSocket
registry), node B with two workers: ``@connections`` calls made through boto3 on either node
reach a client connected to the other; a stopped node's connections are gone (410) at once, a
killed node's once its heartbeat lapsed (``websocket_node_ttl``, short here)."""

from __future__ import annotations

import base64
import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from tests.support.gateway import Gateway
from tests.support.postgres import fresh_database
from tests.websocket.conftest import deploy, make_ws_api, mock_route, ws_connect
from websockets.exceptions import ConnectionClosed

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

NODE_TTL = 1.0  # seconds: a killed node's connections are gone this long after its death
KEY = base64.b64encode(os.urandom(32)).decode()  # nodes sharing a store share its master key


@pytest.fixture
def cluster_dsn(postgres_dsn: str) -> Iterator[str]:
    with fresh_database(postgres_dsn) as dsn:
        yield dsn


def _node(data_dir: Path, dsn: str, redis_url: str, *args: str) -> Gateway:
    env = {"FRONTGATE_MASTER_KEY": KEY, "FRONTGATE_WEBSOCKET_NODE_TTL": str(NODE_TTL)}
    return Gateway(data_dir, "--state", dsn, "--redis", redis_url, *args, env=env)


def _mgmt(node: Gateway, api_id: str, key: tuple[str, str]) -> Any:
    """boto3's apigatewaymanagementapi on ``node`` (the path form of the endpoint)."""
    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=f"http://127.0.0.1:{node.port}/_aws/execute-api/{api_id}/dev",
        region_name="us-east-1",
        aws_access_key_id=key[0],
        aws_secret_access_key=key[1],
        config=Config(retries={"max_attempts": 1}),
    )


def _poster(node: Gateway) -> tuple[str, str]:
    iam = node.admin_client("iam")
    iam.create_user(UserName="poster")
    key = iam.create_access_key(UserName="poster")["AccessKey"]
    statement = {
        "Effect": "Allow",
        "Action": "execute-api:ManageConnections",
        "Resource": "arn:aws:execute-api:us-east-1:*:*/dev/*/@connections/*",
    }
    policy = {"Version": "2012-10-17", "Statement": [statement]}
    iam.put_user_policy(UserName="poster", PolicyName="ws", PolicyDocument=json.dumps(policy))
    return key["AccessKeyId"], key["SecretAccessKey"]


def _served(node: Gateway, api_id: str, times: int = 1) -> None:
    """Until ``node`` serves the API ``times`` times in a row (each worker got the deployment,
    the IAM user with it)."""
    deadline = time.monotonic() + 30
    ok = 0
    while ok < times:
        assert time.monotonic() < deadline, "the WebSocket API was not served"
        try:
            with ws_connect(node, api_id):
                ok += 1
        except Exception:
            ok = 0
            time.sleep(0.1)


def _whoami(ws: Any) -> str:
    ws.send(json.dumps({"action": "whoami"}))
    return str(json.loads(ws.recv(timeout=5)))


def _status(error: ClientError) -> int:
    return int(error.response["ResponseMetadata"]["HTTPStatusCode"])


@pytest.mark.slow
def test_connections_across_nodes(cluster_dsn: str, redis_url: str, tmp_path: Path) -> None:
    with (
        _node(tmp_path / "a", cluster_dsn, redis_url) as node_a,
        _node(tmp_path / "b", cluster_dsn, redis_url, "--workers", "2") as node_b,
    ):
        key = _poster(node_a)
        v2 = node_a.admin_client("apigatewayv2")
        api_id = make_ws_api(v2, "cluster")
        mock_route(v2, api_id, "whoami", response='"$context.connectionId"')
        deploy(v2, api_id)
        _served(node_a, api_id)
        _served(node_b, api_id, times=4)
        on_a, on_b = _mgmt(node_a, api_id, key), _mgmt(node_b, api_id, key)

        with ws_connect(node_a, api_id, user_agent_header="agent/a") as ws:
            cid = _whoami(ws)
            # Posted on B (either of its workers), received by the client on A.
            for i in range(6):
                on_b.post_to_connection(ConnectionId=cid, Data=f"from b {i}".encode())
                assert ws.recv(timeout=5) == f"from b {i}"
            got = on_b.get_connection(ConnectionId=cid)
            assert got["Identity"] == {"SourceIp": "127.0.0.1", "UserAgent": "agent/a"}
            assert got["LastActiveAt"] >= got["ConnectedAt"]
            deleted = on_b.delete_connection(ConnectionId=cid)
            assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
            with pytest.raises(ConnectionClosed):
                ws.recv(timeout=5)
        with pytest.raises(on_b.exceptions.GoneException):
            on_b.post_to_connection(ConnectionId=cid, Data=b"late")

        # A client on one of B's workers: reached from A and from B's other worker alike.
        with ws_connect(node_b, api_id) as ws:
            cid = _whoami(ws)
            for i, client in enumerate((on_a, on_b, on_b, on_b, on_a)):
                client.post_to_connection(ConnectionId=cid, Data=f"m{i}".encode())
                assert ws.recv(timeout=5) == f"m{i}"

        # Node C stops cleanly with a client connected: gone at once, not after the TTL.
        with _node(tmp_path / "c", cluster_dsn, redis_url) as node_c:
            _served(node_c, api_id)
            with ws_connect(node_c, api_id) as ws:
                cid = _whoami(ws)
                on_b.post_to_connection(ConnectionId=cid, Data=b"on c")
                assert ws.recv(timeout=5) == "on c"
                assert node_c.stop() == 0
        with pytest.raises(on_b.exceptions.GoneException):
            on_b.post_to_connection(ConnectionId=cid, Data=b"c stopped")

        # Node A dies with a client connected: no $disconnect, no clean-up of its entries;
        # once its heartbeat lapsed, B answers 410 (before that the owner's state is unknown).
        with ws_connect(node_a, api_id) as ws:
            cid = _whoami(ws)
            on_b.post_to_connection(ConnectionId=cid, Data=b"still here")
            assert ws.recv(timeout=5) == "still here"
            node_a.stop(signal.SIGKILL)
        time.sleep(NODE_TTL)
        answers = []
        deadline = time.monotonic() + 20
        while not answers or answers[-1] != 410:
            assert time.monotonic() < deadline, answers
            try:
                on_b.post_to_connection(ConnectionId=cid, Data=b"anyone?")
                answers.append(200)
            except ClientError as exc:
                answers.append(_status(exc))
        assert set(answers) <= {500, 410}, answers
        with pytest.raises(on_b.exceptions.GoneException):
            on_b.get_connection(ConnectionId=cid)
