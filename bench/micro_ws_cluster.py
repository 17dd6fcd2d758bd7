"""Micro-benchmark: an ``@connections`` POST on a connection another worker or node holds.

Two registries stand for two worker processes (here on one event loop): one holds a connection
(its ``post`` counts the messages), the other makes the calls. Side by side in one run: a
local connection (the in-memory path), a sibling worker of the same node (``NodeRegistry``,
Unix sockets), another node (``RedisRegistry``: lookup + liveness + PUBLISH in one Lua script,
the owner's reply on the caller's channel); one call at a time (latency), then
``--concurrency`` calls in flight (throughput). CPU time is this process's (both sides'
Python); Redis's own CPU is read from ``INFO cpu``.

    python bench/micro_ws_cluster.py [--redis redis://127.0.0.1:6379/0] [--n 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable

from frontgate.counters.resp import RedisUrl
from frontgate.websocket.cluster import RedisRegistry
from frontgate.websocket.node import NodeRegistry
from frontgate.websocket.registry import LocalRegistry, Registry, execute


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


async def measure(
    label: str,
    caller: Registry,
    cid: str,
    body: bytes,
    n: int,
    concurrency: int,
    extra: Callable[[], Awaitable[float]] | None = None,
) -> None:
    """One call at a time, then ``concurrency`` in flight; ``extra``: another process's CPU
    seconds (Redis's)."""

    async def call() -> None:
        pending = caller.remote("bench", "dev", cid, "POST", body)
        assert pending is not None and await pending == (200, b"")

    async def other() -> float:
        return await extra() if extra is not None else 0.0

    lat = []
    r0, c0 = await other(), time.process_time()
    for _ in range(n):
        t = time.perf_counter()
        await call()
        lat.append(time.perf_counter() - t)
    seq_cpu = (time.process_time() - c0) / n * 1e6
    seq_other = (await other() - r0) / n * 1e6
    lat.sort()

    async def worker(count: int) -> None:
        for _ in range(count):
            await call()

    r0, c0, t0 = await other(), time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker(n // concurrency) for _ in range(concurrency)))
    done = n // concurrency * concurrency
    wall = time.perf_counter() - t0
    par_cpu = (time.process_time() - c0) / done * 1e6
    par_other = (await other() - r0) / done * 1e6
    seq_more = f" (+Redis {seq_other:5.1f} µs)" if extra is not None else ""
    par_more = f" (+Redis {par_other:5.1f} µs)" if extra is not None else ""
    p50, p99 = statistics.median(lat) * 1e6, lat[int(len(lat) * 0.99)] * 1e6
    print(f"  {label:<28}   1 in flight: p50 {p50:7.1f} µs  p99 {p99:7.1f} µs   "
          f"CPU {seq_cpu:6.1f} µs{seq_more}")  # fmt: skip
    print(f"  {label:<28} {concurrency:3d} in flight: {done / wall:8.0f} calls/s   "
          f"CPU {par_cpu:6.1f} µs{par_more}")  # fmt: skip


async def main(url: str, n: int, concurrency: int, size: int) -> None:
    body = b"x" * size
    print(f"@connections POST, {size}-byte message, n={n}")

    sink = Sink()
    local = LocalRegistry()
    local.add(sink)
    cid = sink.connection_id
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(n):
        execute(local.lookup("bench", "dev", cid), "POST", body)
    wall, cpu = (time.perf_counter() - t0) / n * 1e6, (time.process_time() - c0) / n * 1e6
    print(f"  {'local connection':<28}  in-memory: {wall:8.2f} µs/call   CPU {cpu:7.2f} µs")

    with tempfile.TemporaryDirectory() as directory:
        siblings = [NodeRegistry(directory, slot, 2) for slot in range(2)]
        for reg in siblings:
            await reg.start()
        siblings[1].add(sink)
        await measure("sibling worker, Unix socket", siblings[0], cid, body, n, concurrency)
        for reg in siblings:
            await reg.close()

    prefix = f"fgbench:{uuid.uuid4().hex[:8]}:ws:"
    owner = RedisRegistry(url, prefix=prefix)
    caller = RedisRegistry(url, prefix=prefix)
    await owner.start()
    await caller.start()
    probe = await RedisUrl(url).open(2.0)
    owner.add(sink)

    async def redis_cpu() -> float:
        info = (await probe.call("INFO", "cpu")).decode()
        fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
        return float(fields["used_cpu_sys"]) + float(fields["used_cpu_user"])

    await measure("other node, Redis", caller, cid, body, n, concurrency, redis_cpu)
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
