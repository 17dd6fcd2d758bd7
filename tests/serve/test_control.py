"""The control process (serve/control.py): management APIs and the compiler run beside the
data-plane workers, which receive compiled snapshots over the channel and never compile.

What a user sees: a deployment answers from every worker as soon as CreateDeployment returns;
the status names the control process and each worker with the generation it serves; a worker
or the control process that dies is replaced and traffic goes on; a node without an admin
listener serves what another node deploys into the shared store."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from tests.support.access import add_method, client, make_api
from tests.support.gateway import Gateway


def _status(gw: Gateway) -> dict[str, Any]:
    url = f"http://127.0.0.1:{gw.admin_port}/_frontgate/status"
    with urllib.request.urlopen(url, timeout=10) as resp:
        doc: dict[str, Any] = json.loads(resp.read())
    return doc


def _wait(predicate: Any, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except OSError:
            last = None
        if last:
            return last
        time.sleep(0.05)
    raise AssertionError(f"condition not met in {timeout} s (last: {last!r})")


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with Gateway(tmp_path_factory.mktemp("control"), "--workers", "2") as g:
        yield g


def _big_api(resources: int, body: str) -> bytes:
    """An OpenAPI document with ``resources`` MOCK GET paths ``/r{i}`` answering ``body``: large
    enough that shipping and loading it takes the workers longer than a client's next call."""
    op = {
        "get": {
            "responses": {"200": {"description": "ok"}},
            "x-amazon-apigateway-integration": {
                "type": "mock",
                "requestTemplates": {"application/json": '{"statusCode": 200}'},
                "responses": {"default": {"statusCode": "200", "responseTemplates": {
                    "application/json": body}}},
            },
        }
    }  # fmt: skip
    paths = {f"/r{i}": op for i in range(resources)}
    return json.dumps({"openapi": "3.0.1", "info": {"title": "settle", "version": "1"},
                       "paths": paths}).encode()  # fmt: skip


def test_a_deployment_answers_from_every_worker_when_create_deployment_returns(
    gw: Gateway,
) -> None:
    apigw = client(gw)
    api_id = apigw.import_rest_api(body=_big_api(3000, '{"v": 1}'))["id"]
    apigw.create_deployment(restApiId=api_id, stageName="one")
    # At once, on new connections (either worker): none may still miss the stage.
    for path in ("/one/r2999", *("/one/r0",) * 20):
        status, _, body = gw.request("GET", path, api_id=api_id)
        assert (status, body) == (200, b'{"v": 1}')
    apigw.put_rest_api(restApiId=api_id, mode="overwrite", body=_big_api(3000, '{"v": 2}'))
    apigw.create_deployment(restApiId=api_id, stageName="one")
    for path in ("/one/r2999", *("/one/r0",) * 20):
        status, _, body = gw.request("GET", path, api_id=api_id)
        assert (status, body) == (200, b'{"v": 2}')


def test_status_names_the_control_process_and_the_generation_each_worker_serves(
    gw: Gateway,
) -> None:
    doc = _status(gw)
    assert doc["controlPid"] not in (gw.proc.pid, 0)
    assert len(doc["workers"]) == 2
    assert {w["generation"] for w in doc["workers"]} == {doc["generation"]}
    assert doc["controlPid"] not in {w["pid"] for w in doc["workers"]}


def test_a_worker_that_dies_is_replaced_and_serves_the_current_snapshot(gw: Gateway) -> None:
    apigw = client(gw)
    api_id = make_api(apigw, name="worker-restart")
    add_method(apigw, api_id, "/w")
    apigw.create_deployment(restApiId=api_id, stageName="s")
    victim = _status(gw)["workers"][0]["pid"]
    os.kill(victim, signal.SIGKILL)
    doc = _wait(
        lambda: (
            d
            if len((d := _status(gw))["workers"]) == 2
            and victim not in {w["pid"] for w in d["workers"]}
            and {w["generation"] for w in d["workers"]} == {d["generation"]}
            else None
        )
    )
    assert len(doc["workers"]) == 2
    for _ in range(20):
        assert gw.request("GET", "/s/w", api_id=api_id)[0] == 200


def test_traffic_goes_on_while_the_control_process_is_replaced(gw: Gateway) -> None:
    apigw = client(gw)
    api_id = make_api(apigw, name="control-restart")
    add_method(apigw, api_id, "/c")
    apigw.create_deployment(restApiId=api_id, stageName="s")
    before = _status(gw)["controlPid"]
    os.kill(before, signal.SIGKILL)
    # The workers keep serving what they have while no control process runs.
    for _ in range(20):
        assert gw.request("GET", "/s/c", api_id=api_id)[0] == 200
    after = _wait(lambda: (d := _status(gw))["controlPid"] != before and d)
    assert _wait(lambda: len(_status(gw)["workers"]) == 2)
    # The new control process publishes to the same workers: a new deployment reaches both.
    add_method(apigw, api_id, "/d", template='{"after": true}')
    apigw.create_deployment(restApiId=api_id, stageName="s")
    for _ in range(20):
        assert gw.request("GET", "/s/d", api_id=api_id)[:3:2] == (200, b'{"after": true}')
    assert after["controlPid"] != before


def test_a_node_without_admin_listener_serves_what_another_node_deploys(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    first = tmp_path_factory.mktemp("manager")
    with Gateway(first) as manager:
        apigw = client(manager)
        api_id = make_api(apigw, name="shared")
        add_method(apigw, api_id, "/shared", template='{"node": "any"}')
        apigw.create_deployment(restApiId=api_id, stageName="live")
        state = f"sqlite:///{first / 'frontgate.db'}"
        key = str(first / "master.key")
        with Gateway(
            tmp_path_factory.mktemp("traffic"),
            "--no-admin",
            "--state",
            state,
            "--master-key-file",
            key,
        ) as node:
            assert any("no admin API" in line for line in node.lines)
            assert node.request("GET", "/live/shared", api_id=api_id)[:3:2] == (
                200,
                b'{"node": "any"}',
            )
            # A later deployment on the managing node reaches it through the shared store.
            add_method(apigw, api_id, "/later", template='{"later": 1}')
            apigw.create_deployment(restApiId=api_id, stageName="live")
            _wait(lambda: node.request("GET", "/live/later", api_id=api_id)[0] == 200)
