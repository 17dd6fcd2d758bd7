"""Micro-benchmark: an ``@connections`` POST on a connection another worker or node holds.

Two ``RedisRegistry`` (two worker processes' registries, here on one event loop) share a real
Redis; one holds a connection (its ``post`` counts the messages), the other makes the calls:
lookup + liveness + PUBLISH in one Lua script, the owner's reply on the caller's channel.
Side by side in one run: the same POST on a local connection (the registry's in-memory path),
one call at a time (latency), and ``--concurrency`` calls in flight (throughput). CPU time is
this process's (both sides' Python); Redis's own CPU is read from ``INFO cpu``.

    python bench/micro_ws_cluster.py [--redis redis://127.0.0.1:6379/0] [--n 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid

from frontgate.counters.resp import RedisUrl, RespConnection
from frontgate.websocket.cluster import RedisRegistry
from frontgate.websocket.registry import execute


class Sink:
    def __init__(self) -> None:
        self.connection_id = uuid.uuid4().hex[:14] + "="
        self.api_id = "bench"
        self.stage_name = "dev"
        self.connected_at = self.last_active_at = time.time()
        self.source_ip = "127.0.0.1"
        self.user_agent = "bench"
        self.received = 0

    def post(self, text: str) -> None:
        self.received += 1

    def disconnect(self) -> None:
        pass


async def redis_cpu(conn: RespConnection) -> float:
    info = (await conn.call("INFO", "cpu")).decode()
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    return float(fields["used_cpu_sys"]) + float(fields["used_cpu_user"])


async def main(url: str, n: int, concurrency: int, size: int) -> None:
    prefix = f"fgbench:{uuid.uuid4().hex[:8]}:ws:"
    owner = RedisRegistry(url, prefix=prefix)
    caller = RedisRegistry(url, prefix=prefix)
    await owner.start()
    await caller.start()
    probe = await RedisUrl(url).open(2.0)
    sink = Sink()
    owner.add(sink)
    body = b"x" * size
    cid = sink.connection_id
    assert await caller.remote("bench", "dev", cid, "POST", body) == (200, b"")

    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(n):
        execute(owner.lookup("bench", "dev", cid), "POST", body)
    local_us = (time.perf_counter() - t0) / n * 1e6
    local_cpu = (time.process_time() - c0) / n * 1e6

    lat = []
    r0, c0 = await redis_cpu(probe), time.process_time()
    for _ in range(n):
        t = time.perf_counter()
        status, _ = await caller.remote("bench", "dev", cid, "POST", body)
        lat.append(time.perf_counter() - t)
        assert status == 200
    seq_cpu = (time.process_time() - c0) / n * 1e6
    seq_redis = (await redis_cpu(probe) - r0) / n * 1e6
    lat.sort()

    async def worker(count: int) -> None:
        for _ in range(count):
            status, _ = await caller.remote("bench", "dev", cid, "POST", body)
            assert status == 200

    r0, c0, t0 = await redis_cpu(probe), time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker(n // concurrency) for _ in range(concurrency)))
    done = n // concurrency * concurrency
    wall = time.perf_counter() - t0
    par_cpu = (time.process_time() - c0) / done * 1e6
    par_redis = (await redis_cpu(probe) - r0) / done * 1e6

    print(f"@connections POST, {size}-byte message, n={n}")
    print(f"  local (in-process lookup):   {local_us:8.2f} µs/call   CPU {local_cpu:7.2f} µs")
    print(f"  other worker, 1 in flight:   p50 {statistics.median(lat) * 1e6:8.1f} µs  "
          f"p99 {lat[int(len(lat) * 0.99)] * 1e6:8.1f} µs   CPU {seq_cpu:6.1f} µs (+Redis "
          f"{seq_redis:5.1f} µs)")  # fmt: skip
    print(f"  other worker, {concurrency:3d} in flight: {done / wall:8.0f} calls/s   "
          f"CPU {par_cpu:6.1f} µs (+Redis {par_redis:5.1f} µs)")  # fmt: skip
    print(f"  messages delivered: {sink.received}")
    await caller.close()
    await owner.close()
    if probe.transport is not None:
        probe.transport.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--size", type=int, default=64)
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.run(main(args.redis, args.n, args.concurrency, args.size))
    except ImportError:
        asyncio.run(main(args.redis, args.n, args.concurrency, args.size))
