"""Micro-benchmark of the traffic-control hot path: API key lookup and one admission through
each counter store (per-request cost in microseconds). Run: python bench/micro_traffic.py"""

from __future__ import annotations

import asyncio
import sys
import time

from frontgate.counters import Bucket, Quota
from frontgate.counters.local import LocalCounters
from frontgate.counters.redis import RedisCounters
from frontgate.counters.shared import SharedCounters
from frontgate.traffic.keys import KeyIndex, KeyRecord

N = 200_000


def per_call(fn: object, n: int = N) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()  # type: ignore[operator]
    return (time.perf_counter() - start) / n * 1e6


def main() -> None:
    value = "k" * 40
    import hashlib

    index = KeyIndex({("us-east-1", hashlib.sha256(value.encode()).digest()):
                      KeyRecord("id1", value.encode(), True)})  # fmt: skip
    print(f"key index find (hit):       {per_call(lambda: index.find('us-east-1', value)):.2f} us")
    print(
        f"key index find (miss):      {per_call(lambda: index.find('us-east-1', 'x' * 40)):.2f} us"
    )
    account = Bucket("a|us-east-1", 1e9, 1e9)
    plan = Bucket("p|plan|key", 1e9, 1e9)
    quota = Quota("q|plan|key|0", 10**12, time.time() + 3600, 86400)
    for store in (LocalCounters(), SharedCounters()):
        acq = store.acquire
        print(
            f"{store.name:6} account only:        "
            f"{per_call(lambda acq=acq: acq([account], None)):.2f} us"
        )
        print(f"{store.name:6} plan+account+quota:  "
              f"{per_call(lambda acq=acq: acq([plan, account], quota)):.2f} us")  # fmt: skip
    stages(value, index)
    if "--redis" in sys.argv:
        asyncio.run(redis_bench(sys.argv[sys.argv.index("--redis") + 1], plan, quota))


def stages(value: str, index: KeyIndex) -> None:
    """The two pipeline stages as a keyed request runs them (in-process counters)."""
    from dataclasses import replace

    from frontgate.http.message import Request
    from frontgate.pipeline.api_key import check_api_key
    from frontgate.pipeline.context import Context
    from frontgate.pipeline.env import Env
    from frontgate.pipeline.throttle import Throttle
    from frontgate.snapshot.snapshot import RouteNode, Snapshot, Stage
    from frontgate.traffic.keys import PlanBinding
    from frontgate.traffic.limiter import Limiter

    binding = PlanBinding("plan", "us-east-1", "id1", value, Bucket("p|plan|id1", 1e9, 1e9), {},
                          (10**12, "DAY", 0))  # fmt: skip
    index = replace(index, bindings={("api", "dev", "id1"): binding},
                    accounts={"us-east-1": Bucket("a|us-east-1", 1e9, 1e9)})  # fmt: skip
    stage = Stage("api", "n", "us-east-1", "0", "dev", "d", {}, RouteNode(), {}, (), "HEADER")
    snap = Snapshot(1, {("api", "dev"): stage}, frozenset({"api"}), keys=index)
    env = Env(domain="localhost", pool=None, limiter=Limiter(LocalCounters()))  # type: ignore[arg-type]
    throttle = Throttle("/pets/GET", None)
    request = Request("GET", "/dev/pets", [("Host", "h"), ("User-Agent", "wrk"),
                      ("x-api-key", value)], b"", client_addr=("127.0.0.1", 1))  # fmt: skip
    ctx = Context(request, snap, "r", "e")
    ctx.stage, ctx.api_id, ctx.stage_name = stage, "api", "dev"
    check_api_key(ctx, env)
    asyncio.run(_prime(throttle, ctx, env))

    def one() -> None:
        check_api_key(ctx, env)
        throttle(ctx, env)

    print(f"api key + throttle stages:  {per_call(one, 100_000):.2f} us per request")


async def _prime(throttle: object, ctx: object, env: object) -> None:
    out = throttle(ctx, env)  # type: ignore[operator]
    if out is not None:
        await out  # the first request of a period seeds the quota counter


async def redis_bench(url: str, plan: Bucket, quota: Quota) -> None:
    store = RedisCounters(url)
    await store.start()
    n = 20_000
    start = time.perf_counter()
    for _ in range(n):
        await store.acquire([plan], quota)
    serial = (time.perf_counter() - start) / n * 1e6
    start = time.perf_counter()
    for _ in range(n // 100):  # 100 concurrent requests share the pipelined connection
        await asyncio.gather(*(store.acquire([plan], quota) for _ in range(100)))
    piped = (time.perf_counter() - start) / n * 1e6
    print(f"redis  one at a time:        {serial:.1f} us round trip")
    print(f"redis  100 concurrent:       {piped:.1f} us per request (pipelined)")
    await store.close()


if __name__ == "__main__":
    main()
