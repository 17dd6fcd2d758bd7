"""How a function's warm pool grows (functions/pool.py), seen through Invoke: a burst on a quick
handler is served by a few warm workers, a handler that blocks gets a worker per concurrent
invocation, and the function's concurrency is counted in invocations, as Lambda counts it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path
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
    barrier = event.get("barrier")
    if barrier:
        # Blocks until `need` invocations are running at once (or 20 s have passed).
        open(os.path.join(barrier, str(event["n"])), "w").close()
        deadline = time.monotonic() + 20
        while len(os.listdir(barrier)) < event["need"] and time.monotonic() < deadline:
            time.sleep(0.01)
        met = len(os.listdir(barrier)) >= event["need"]
        return {"pid": os.getpid(), "n": event["n"], "met": met}
    release = event.get("release")
    if release:  # blocks until the test creates this file (or 20 s have passed)
        deadline = time.monotonic() + 20
        while not os.path.exists(release) and time.monotonic() < deadline:
            time.sleep(0.01)
    else:
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
    lam: Any, functions: None, tmp_path: Path
) -> None:
    # Each invocation blocks until all twelve are running: only a pool that gives every
    # concurrent invocation its own worker lets them all meet (a queue would leave the
    # first ones waiting for the others until their 20 s run out).
    answers = _burst(lam, "pool-blocking", 12, barrier=str(tmp_path), need=12)
    assert sorted(a["n"] for a in answers) == list(range(12))
    assert all(a["met"] for a in answers), answers
    assert len({a["pid"] for a in answers}) == 12  # grown well past the quick handler's few


def test_concurrency_counts_invocations_not_workers(
    lam: Any, functions: None, tmp_path: Path
) -> None:
    _invoke(lam, "pool-blocking", {"n": 0, "sleep": 0})  # one warm worker
    lam.put_function_concurrency(FunctionName="pool-blocking", ReservedConcurrentExecutions=2)
    release = tmp_path / "release"
    try:

        def attempt(i: int) -> str:
            try:
                _invoke(lam, "pool-blocking", {"n": i, "release": str(release)})
                return "ok"
            except lam.exceptions.TooManyRequestsException:
                return "throttled"

        # The admitted invocations hold their slots until the other two have been answered,
        # however slowly the four requests arrive.
        with ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(attempt, i) for i in range(4)]
            pending = set(futures)
            throttled = 0
            while throttled < 2 and pending:
                done, pending = wait(pending, timeout=30, return_when=FIRST_COMPLETED)
                if not done:
                    break
                throttled += sum(f.result() == "throttled" for f in done)
            release.touch()
            outcomes = [f.result() for f in futures]
        assert sorted(outcomes) == ["ok", "ok", "throttled", "throttled"]
    finally:
        lam.delete_function_concurrency(FunctionName="pool-blocking")
