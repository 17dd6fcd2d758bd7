"""How a function's warm pool grows (functions/pool.py), seen through Invoke: a burst on a quick
handler is served by a few warm workers, a handler that blocks gets a worker per concurrent
invocation, and the function's concurrency is counted in invocations, as Lambda counts it."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from tests.functions.conftest import ROLE, client, make_zip
from tests.support.gateway import Gateway

QUICK = """
import os

def handler(event, context):
    return {"pid": os.getpid(), "n": event["n"]}
"""

BLOCKING = """
import os, time

def handler(event, context):
    time.sleep(event.get("sleep", 0.3))
    return {"pid": os.getpid(), "n": event["n"]}
"""


@pytest.fixture(scope="module")
def lam(gateway: Gateway) -> Any:
    # Enough connections for every concurrent Invoke below (botocore's default is 10).
    return client("lambda", gateway.admin_port, max_pool_connections=64)


@pytest.fixture(scope="module")
def functions(lam: Any) -> Iterator[None]:
    for name, code in (("pool-quick", QUICK), ("pool-blocking", BLOCKING)):
        lam.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE,
                            Handler="app.handler", Code={"ZipFile": make_zip({"app.py": code})},
                            Timeout=30)  # fmt: skip
    yield
    for name in ("pool-quick", "pool-blocking"):
        lam.delete_function(FunctionName=name)


def _invoke(lam: Any, name: str, event: dict[str, Any]) -> dict[str, Any]:
    out = lam.invoke(FunctionName=name, Payload=json.dumps(event).encode())
    assert "FunctionError" not in out, out["Payload"].read()
    doc: dict[str, Any] = json.loads(out["Payload"].read())
    return doc


def _burst(lam: Any, name: str, n: int, **event: Any) -> list[dict[str, Any]]:
    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(lambda i: _invoke(lam, name, {"n": i, **event}), range(n)))


def test_burst_on_a_quick_handler_reuses_a_few_warm_workers(lam: Any, functions: None) -> None:
    for _ in range(3):
        answers = _burst(lam, "pool-quick", 40)
        assert sorted(a["n"] for a in answers) == list(range(40))  # every event, answered once
    pids = {a["pid"] for a in answers}
    # Two workers per CPU plus one are kept busy at once for a quick handler.
    assert len(pids) <= 2 * len(os.sched_getaffinity(0)) + 1, pids


def test_blocking_handler_gets_a_worker_per_concurrent_invocation(
    lam: Any, functions: None
) -> None:
    started = time.monotonic()
    answers = _burst(lam, "pool-blocking", 12, sleep=0.5)
    elapsed = time.monotonic() - started
    assert sorted(a["n"] for a in answers) == list(range(12))
    assert len({a["pid"] for a in answers}) >= 8  # grown well past the quick handler's few
    # Twelve half-second sleeps one after another would take 6 s.
    assert elapsed < 4.5, elapsed


def test_concurrency_counts_invocations_not_workers(lam: Any, functions: None) -> None:
    _invoke(lam, "pool-blocking", {"n": 0, "sleep": 0})  # one warm worker
    lam.put_function_concurrency(FunctionName="pool-blocking", ReservedConcurrentExecutions=2)
    try:

        def attempt(i: int) -> str:
            try:
                _invoke(lam, "pool-blocking", {"n": i, "sleep": 1.0})
                return "ok"
            except lam.exceptions.TooManyRequestsException:
                return "throttled"

        with ThreadPoolExecutor(4) as pool:
            outcomes = list(pool.map(attempt, range(4)))
        assert sorted(outcomes) == ["ok", "ok", "throttled", "throttled"]
    finally:
        lam.delete_function_concurrency(FunctionName="pool-blocking")
