"""Asynchronous (Event) invocations as Lambda runs them: a failed one is retried twice, under
the same request id, with the second wait twice the first; one that succeeds runs once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.functions.conftest import ROLE, client, make_zip
from tests.support.gateway import Gateway

HANDLER = """
import os, time

def handler(event, context):
    with open(os.environ["ATTEMPTS"], "a") as fh:
        fh.write(f"{context.aws_request_id} {time.monotonic()}\\n")
    if event.get("fail"):
        raise RuntimeError("try again")
    return "ok"
"""


@pytest.fixture(scope="module")
def retrying(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    env = {"FRONTGATE_FUNCTION_RETRY_DELAY": "0.5"}
    with Gateway(tmp_path_factory.mktemp("fg"), env=env) as gw:
        yield gw


def _attempts(path: Path) -> list[tuple[str, float]]:
    if not path.exists():
        return []
    return [(rid, float(t)) for rid, t in (line.split() for line in path.read_text().splitlines())]


def _function(lam: Any, name: str, attempts: Path) -> None:
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE, Handler="app.handler",
                        Code={"ZipFile": make_zip({"app.py": HANDLER})},
                        Environment={"Variables": {"ATTEMPTS": str(attempts)}})  # fmt: skip


def test_failed_event_is_retried_twice_with_the_same_request_id(
    retrying: Gateway, tmp_path: Path
) -> None:
    lam = client("lambda", retrying.admin_port)
    attempts = tmp_path / "attempts"
    _function(lam, "retried", attempts)
    out = lam.invoke(FunctionName="retried", InvocationType="Event", Payload=b'{"fail": true}')
    assert out["StatusCode"] == 202
    deadline = time.monotonic() + 30
    while len(_attempts(attempts)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.5)  # longer than the next wait would be: no fourth attempt comes
    seen = _attempts(attempts)
    assert len(seen) == 3, seen
    assert len({rid for rid, _ in seen}) == 1
    first_wait, second_wait = seen[1][1] - seen[0][1], seen[2][1] - seen[1][1]
    assert 0.4 < first_wait < second_wait, (first_wait, second_wait)
    log = (retrying.data_dir / "functions" / "us-east-1" / "retried.log").read_text()
    assert log.count(f"START RequestId: {seen[0][0]}") == 3


def test_successful_event_runs_once(retrying: Gateway, tmp_path: Path) -> None:
    lam = client("lambda", retrying.admin_port)
    attempts = tmp_path / "attempts"
    _function(lam, "once", attempts)
    assert (
        lam.invoke(FunctionName="once", InvocationType="Event", Payload=b"{}")["StatusCode"] == 202
    )
    deadline = time.monotonic() + 30
    while not _attempts(attempts) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)
    assert len(_attempts(attempts)) == 1
