"""Two ``frontgate serve`` processes sharing one PostgreSQL database: a deployment made through
either node's admin API is served by the other, through the store's generation that each node
polls (that this takes at most one ``reload_interval``, so well under a second, is proven on a
virtual clock in test_reload.py), and a node started later prints the invoke URLs of the APIs
already stored.

Each test gets a fresh database (``CREATE DATABASE frontgate_<random>``), dropped afterwards.
"""

from __future__ import annotations

import base64
import json
import os
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from tests.support.gateway import Gateway
from tests.support.postgres import fresh_database

pytestmark = pytest.mark.postgres

REGION = "us-east-1"
POLL = 0.02  # seconds between data-plane probes
HANG = 30.0  # seconds after which a deployment that has not reached the other node never will
# Nodes sharing a store share its master key (tests/serve/test_cluster_secrets.py).
CLUSTER_KEY = base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
def cluster_dsn(postgres_dsn: str) -> Iterator[str]:
    """DSN of a brand-new database on the local server (created from ``test``, dropped after)."""
    with fresh_database(postgres_dsn) as dsn:
        yield dsn


class Node(Gateway):
    """A gateway whose start-up waits for the invoke URLs of ``apis`` already stored APIs."""

    def __init__(self, data_dir: Path, dsn: str, apis: int = 0) -> None:
        super().__init__(data_dir, "--state", dsn, env={"FRONTGATE_MASTER_KEY": CLUSTER_KEY})
        self.apis = apis

    def _expected_apis(self) -> int:
        return self.apis

    def __enter__(self) -> Node:
        self.start()
        return self

    @property
    def admin_url(self) -> str:
        return f"http://127.0.0.1:{self.admin_port}"


def _client(url: str) -> Any:
    return boto3.client(
        "apigateway",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def _mock_get(client: Any, api_id: str, parent_id: str, path_part: str, body: str) -> None:
    """A ``GET /{path_part}`` resource answered by a MOCK integration with ``body``."""
    res = client.create_resource(restApiId=api_id, parentId=parent_id, pathPart=path_part)
    client.put_method(
        restApiId=api_id, resourceId=res["id"], httpMethod="GET", authorizationType="NONE"
    )
    client.put_integration(
        restApiId=api_id,
        resourceId=res["id"],
        httpMethod="GET",
        type="MOCK",
        requestTemplates={"application/json": '{"statusCode": 200}'},
    )
    client.put_method_response(
        restApiId=api_id, resourceId=res["id"], httpMethod="GET", statusCode="200"
    )
    client.put_integration_response(
        restApiId=api_id,
        resourceId=res["id"],
        httpMethod="GET",
        statusCode="200",
        responseTemplates={"application/json": body},
    )


def _generation(node: Node) -> int:
    """The store generation of the snapshot ``node`` serves (its admin status)."""
    with urllib.request.urlopen(node.admin_url + "/_frontgate/status", timeout=10) as r:
        return int(json.load(r)["generation"])


def _served_after(node: Node, api_id: str, path: str, body: str, since: float) -> float:
    """Seconds from ``since`` until ``node`` answers ``GET path`` with 200 and ``body``."""
    last: tuple[int, bytes] = (0, b"")
    while (elapsed := time.monotonic() - since) < HANG:
        status, _headers, got = node.request("GET", path, api_id=api_id, timeout=10)
        last = (status, got)
        if status == 200 and got == body.encode():
            return elapsed
        time.sleep(POLL)
    raise AssertionError(f"{path} not served by the other node; last answer {last!r}")


def test_two_nodes_see_each_others_deployments(
    cluster_dsn: str, tmp_path: Path, record_property: Any
) -> None:
    with (
        Node(tmp_path / "a", cluster_dsn) as node_a,
        Node(tmp_path / "b", cluster_dsn) as node_b,
    ):
        assert node_a.port != node_b.port
        # Node A's admin API creates and deploys the API ...
        a = _client(node_a.admin_url)
        api_id = a.create_rest_api(name="cluster")["id"]
        root = a.get_resources(restApiId=api_id)["items"][0]["id"]
        _mock_get(a, api_id, root, "hello", '{"from": "a"}')
        assert node_b.request("GET", "/dev/hello", api_id=api_id)[0] != 200
        before = _generation(node_b)
        a.create_deployment(restApiId=api_id, stageName="dev")
        deployed = time.monotonic()
        # ... and node B serves it, from a snapshot of a newer store generation: it learnt of
        # the deployment by polling the store (a measure, not a bound: see test_reload.py).
        to_b = _served_after(node_b, api_id, "/dev/hello", '{"from": "a"}', deployed)
        record_property("a_to_b_seconds", round(to_b, 3))
        assert _generation(node_b) > before

        # Node B's admin API changes the stage (a new deployment adding a route); A serves it.
        b = _client(node_b.admin_url)
        assert b.get_stage(restApiId=api_id, stageName="dev")["stageName"] == "dev"
        _mock_get(b, api_id, root, "second", '{"from": "b"}')
        assert node_a.request("GET", "/dev/second", api_id=api_id)[0] != 200
        before = _generation(node_a)
        b.create_deployment(restApiId=api_id, stageName="dev", description="from b")
        deployed = time.monotonic()
        to_a = _served_after(node_a, api_id, "/dev/second", '{"from": "b"}', deployed)
        record_property("b_to_a_seconds", round(to_a, 3))
        assert _generation(node_a) > before
        # Both nodes now serve both routes of the one stage.
        for node in (node_a, node_b):
            assert node.request("GET", "/dev/hello", api_id=api_id)[0] == 200
            assert node.request("GET", "/dev/second", api_id=api_id)[0] == 200
        print(f"deployment latency: A->B {to_b * 1000:.0f} ms, B->A {to_a * 1000:.0f} ms")

        # A third node started on the same database prints the stored API's invoke URLs.
        with Node(tmp_path / "c", cluster_dsn, apis=1) as node_c:
            assert node_c.api_ids == [api_id]
            banner = "".join(node_c.lines)
            assert (
                f"invoke URL http://{api_id}.execute-api.localhost:{node_c.port}/dev/  (cluster)"
                in banner
            )
            assert f"http://127.0.0.1:{node_c.port}/_aws/execute-api/{api_id}/dev/" in banner
            assert node_c.request("GET", "/dev/second", api_id=api_id)[0] == 200
