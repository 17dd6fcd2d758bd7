"""The three counter stores against one contract: token buckets, the atomic all-or-nothing
admission over several buckets and a quota, seeding and overwriting quotas."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable
from typing import Any

import pytest

from frontgate.counters import Bucket, CounterStore, CounterStoreError, Quota, Rejection
from frontgate.counters.local import LocalCounters
from frontgate.counters.redis import RedisCounters
from frontgate.counters.shared import SharedCounters


async def _resolve(value: Any) -> Any:
    return await value if isinstance(value, Awaitable) else value


def _quota(name: str, limit: int) -> Quota:
    return Quota(f"{name}-{time.time_ns()}", limit, time.time() + 3600, 86400)


async def contract(store: CounterStore) -> None:
    tag = str(time.time_ns())
    slow = Bucket("slow" + tag, 0.001, 2)
    wide = Bucket("wide" + tag, 1000, 100)
    assert await _resolve(store.acquire([wide, slow], None)) is None
    assert await _resolve(store.acquire([wide, slow], None)) is None
    refused = await _resolve(store.acquire([wide, slow], None))
    assert isinstance(refused, Rejection) and refused.level == slow.name
    assert refused.kind == "throttle" and refused.limit == 2 and refused.retry_after > 100
    # All or nothing: the refused request took no token from the bucket that had some.
    alone = Bucket("alone" + tag, 0.001, 2)
    await _resolve(store.acquire([alone], None))
    await _resolve(store.acquire([alone, slow], None))
    assert await _resolve(store.acquire([alone], None)) is None  # its 2nd token still there
    # Quota: exhausted after `limit`; a throttled request does not consume it.
    q = _quota("q" + tag, 3)
    assert await _resolve(store.acquire([], q)) is None
    assert isinstance(await _resolve(store.acquire([slow], q)), Rejection)
    assert await _resolve(store.acquire([], q)) is None
    assert await _resolve(store.acquire([], q)) is None
    over = await _resolve(store.acquire([], q))
    assert isinstance(over, Rejection) and over.kind == "quota" and over.limit == 3
    # Seeding never lowers a live count; setting does.
    await _resolve(store.seed_quota(q, 0))
    assert isinstance(await _resolve(store.acquire([], q)), Rejection)
    await _resolve(store.set_quota(q, 1))
    assert await _resolve(store.acquire([], q)) is None
    fresh = _quota("f" + tag, 5)
    await _resolve(store.seed_quota(fresh, 5))
    assert isinstance(await _resolve(store.acquire([], fresh)), Rejection)


def test_local_store() -> None:
    asyncio.run(contract(LocalCounters()))


def test_shared_store() -> None:
    asyncio.run(contract(SharedCounters(slots_per_stripe=64, stripes=4)))


def test_shared_store_is_shared_with_forked_workers() -> None:
    store = SharedCounters(slots_per_stripe=64, stripes=4)
    bucket = Bucket("b", 0.0001, 1000)
    pid = os.fork()
    if pid == 0:  # the "other worker": spends 600 tokens
        code = 0 if all(store.acquire([bucket], None) is None for _ in range(600)) else 1
        os._exit(code)
    assert os.waitpid(pid, 0)[1] == 0
    admitted = sum(store.acquire([bucket], None) is None for _ in range(600))
    assert admitted == 400


def test_shared_store_full_window_reuses_idle_slots() -> None:
    store = SharedCounters(slots_per_stripe=16, stripes=1)
    for i in range(100):  # far more buckets than slots: the oldest idle ones are recycled
        assert store.acquire([Bucket(f"k{i}", 1, 1)], None) is None


@pytest.mark.redis
def test_redis_store(redis_url: str) -> None:
    async def run() -> None:
        store = RedisCounters(redis_url)
        await store.start()
        try:
            await contract(store)
        finally:
            await store.close()

    asyncio.run(run())


def test_redis_unreachable_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    import frontgate.counters.redis as module

    attempts: list[int] = []
    real_connect = module.connect

    async def counted(*args: Any) -> Any:
        attempts.append(1)
        return await real_connect(*args)

    monkeypatch.setattr(module, "connect", counted)

    async def run() -> None:
        store = RedisCounters("redis://127.0.0.1:9/0", retry_interval=0.1)
        await store.start()
        assert len(attempts) == 1
        await asyncio.sleep(0.15)  # past retry_interval: the next call may try again
        # Fast = no waiting on the dead server: every call raises before it returns, without
        # giving the loop a turn (so no connection attempt can run inside it); one reconnect
        # is started in the background, not one per call.
        for _ in range(100):
            with pytest.raises(CounterStoreError):
                store.acquire([Bucket("x", 1, 1)], None)
        assert len(attempts) == 1
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert len(attempts) == 2
        await store.close()

    asyncio.run(run())


class FakeClock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


def _fake_clock_stores(clock: FakeClock) -> dict[str, CounterStore]:
    return {
        "local": LocalCounters(clock=clock),
        "shared": SharedCounters(slots_per_stripe=64, stripes=4, clock=clock),
    }


@pytest.mark.parametrize("store_name", ["local", "shared"])
@pytest.mark.parametrize("overload", [1.0, 2.0, 5.0])
@pytest.mark.parametrize("clumped", [False, True], ids=["even", "clumped"])
def test_throttle_accuracy_on_a_fake_clock(store_name: str, overload: float, clumped: bool) -> None:
    """What tests/traffic/test_accuracy.py measures between processes, exactly: offered at
    least the rate for 10 s (evenly, or in clumps every 0.25 s: pauses shorter than the bucket
    takes to fill), a bucket admits rate x seconds + burst, the last burst drawn at the end."""
    rate, burst, seconds = 100.0, 50, 10.0
    clock = FakeClock()
    store = _fake_clock_stores(clock)[store_name]
    bucket = Bucket(f"acc-{time.time_ns()}", rate, burst)
    start = clock.now
    offered = int(overload * rate * seconds)
    times = [i / (overload * rate) for i in range(offered)]
    if clumped:
        times = [int(t / 0.25) * 0.25 for t in times]
    times += [seconds] * (2 * burst)  # at the end, enough to take whatever is left
    admitted = 0
    for at in times:
        clock.now = start + at
        admitted += store.acquire([bucket], None) is None
    assert abs(admitted - (rate * seconds + burst)) <= 1, admitted


def test_the_bucket_refills_by_the_clock_not_by_calls() -> None:
    clock = FakeClock()
    for store in _fake_clock_stores(clock).values():
        bucket = Bucket(f"refill-{time.time_ns()}", 2.0, 3)
        assert [store.acquire([bucket], None) is None for _ in range(5)] == [
            True, True, True, False, False,
        ]  # fmt: skip
        clock.now += 0.49  # less than one token's worth
        assert store.acquire([bucket], None) is not None
        clock.now += 0.02
        assert store.acquire([bucket], None) is None
        assert store.acquire([bucket], None) is not None
        clock.now += 100  # never more than the burst
        assert sum(store.acquire([bucket], None) is None for _ in range(10)) == 3
