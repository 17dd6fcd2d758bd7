"""Asynchronous (Event) invocations as Lambda runs them: a failed one is retried twice, under
the same request id, with the second wait twice the first; one that succeeds runs once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.functions.conftest import ROLE, client, make_zip
from tests.support.logged import LoggedGateway

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
def retrying(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoggedGateway]:
    env = {"FRONTGATE_FUNCTION_RETRY_DELAY": "0.5"}
    # At info level the gateway logs each retry it schedules, with its delay.
    gw = LoggedGateway(tmp_path_factory.mktemp("fg"), "--log-level", "info", env=env).start()
    try:
        yield gw
    finally:
        gw.stop()


def _attempts(path: Path) -> list[tuple[str, float]]:
    if not path.exists():
        return []
    return [(rid, float(t)) for rid, t in (line.split() for line in path.read_text().splitlines())]


def _function(lam: Any, name: str, attempts: Path) -> None:
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE, Handler="app.handler",
                        Code={"ZipFile": make_zip({"app.py": HANDLER})},
                        Environment={"Variables": {"ATTEMPTS": str(attempts)}})  # fmt: skip


def test_failed_event_is_retried_twice_with_the_same_request_id(
    retrying: LoggedGateway, tmp_path: Path
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
    # The delays the gateway chose (the retry delay, then twice it), and that it waited them
    # (lower bounds: a slow machine only waits longer).
    rid = seen[0][0]
    planned = [line.split("; retry ")[1].strip() for line in list(retrying.lines)
               if f"asynchronous invocation {rid} " in line and "; retry " in line]  # fmt: skip
    assert planned == ["1 in 0.5 s", "2 in 1.0 s"], planned
    first_wait, second_wait = seen[1][1] - seen[0][1], seen[2][1] - seen[1][1]
    assert first_wait > 0.49 and second_wait > 0.99, (first_wait, second_wait)  # ms ticks
    log = (retrying.data_dir / "functions" / "us-east-1" / "retried.log").read_text()
    assert log.count(f"START RequestId: {seen[0][0]}") == 3


def test_successful_event_runs_once(retrying: LoggedGateway, tmp_path: Path) -> None:
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
