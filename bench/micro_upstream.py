"""Micro-benchmark of UpstreamPool.request against a trivial keep-alive upstream.

The upstream runs in a child process (so it does not share the client's core) and answers
every request with a fixed 200. Reports wall-clock req/s and the client's CPU time per request,
which is what the gateway's per-core budget is spent on. Usage:

    python bench/micro_upstream.py [--seconds 3] [--concurrency 32] [--no-uvloop]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import time
import timeit
from multiprocessing.connection import Connection

import uvloop

from frontgate.upstream.connection import UpstreamConnection, UpstreamResponse
from frontgate.upstream.errors import UpstreamError
from frontgate.upstream.pool import UpstreamPool, parse_url, serialize_request

RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 17\r\n"
    b"Date: Thu, 01 Jan 2026 00:00:00 GMT\r\n\r\n"
    b'{"status": "ok"}\n'
)
# What an HTTP_PROXY integration typically forwards.
HEADERS = [
    ("Accept", "application/json"),
    ("User-Agent", "frontgate-bench/1"),
    ("X-Amzn-Trace-Id", "Root=1-00000000-000000000000000000000000"),
    ("X-Forwarded-For", "203.0.113.7"),
    ("X-Forwarded-Proto", "https"),
    ("X-Forwarded-Port", "443"),
    ("Content-Type", "application/json"),
    ("Authorization", "Bearer abcdefghijklmnopqrstuvwxyz0123456789"),
]


class _Upstream(asyncio.Protocol):
    """Answers each request head (no bodies are sent by the benchmark) with RESPONSE."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.buf = b""

    def data_received(self, data: bytes) -> None:
        buf = self.buf + data
        count = buf.count(b"\r\n\r\n")
        if count:
            self.buf = buf[buf.rfind(b"\r\n\r\n") + 4 :]
            self.transport.write(RESPONSE * count)  # type: ignore[attr-defined]
        else:
            self.buf = buf


class _NullTransport(asyncio.Transport):
    def write(self, data: bytes | bytearray | memoryview) -> None:
        pass

    def is_closing(self) -> bool:
        return False


def _serve(conn: Connection) -> None:
    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(_Upstream, "127.0.0.1", 0)
        conn.send(server.sockets[0].getsockname()[1])
        await asyncio.Event().wait()

    uvloop.run(main())


async def _measure(pool: UpstreamPool, url: str, concurrency: int, seconds: float) -> None:
    parsed = parse_url(url)
    stop = time.monotonic() + seconds
    done = 0

    async def worker() -> None:
        nonlocal done
        while time.monotonic() < stop:
            for _ in range(100):
                await pool.request("GET", parsed, HEADERS, b"", 5.0)
            done += 100

    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"  concurrency {concurrency:>3}: {done / wall:>9,.0f} req/s  "
        f"client CPU {cpu / done * 1e6:6.1f} us/req  ({done} requests)"
    )


async def _bench(port: int, seconds: float, concurrency: int) -> None:
    url = f"http://127.0.0.1:{port}/items/42?verbose=1"
    pool = UpstreamPool()
    for _ in range(1000):  # Warm-up: connections, caches.
        await pool.request("GET", url, HEADERS, b"", 5.0)
    await _measure(pool, url, 1, seconds)
    await _measure(pool, url, concurrency, seconds)
    print(f"  pool gauges: {pool.stats()}")
    await pool.close()


def _pieces() -> None:
    """Per-request Python pieces in isolation (no I/O)."""
    url = "http://127.0.0.1:8080/items/42?verbose=1"
    parsed = parse_url(url)
    n = 200_000
    loop = asyncio.new_event_loop()
    conn = UpstreamConnection(loop, 1 << 20)
    conn.connection_made(_NullTransport())
    request = serialize_request("GET", parsed, HEADERS, b"")

    got: list[UpstreamResponse | None] = []

    def on_done(response: UpstreamResponse | None, error: UpstreamError | None) -> None:
        got.append(response)

    def exchange() -> None:
        # The connection's whole per-request work, minus the socket: send, parse, deliver.
        assert conn.send(request, False, on_done)
        conn.data_received(RESPONSE)
        response = got.pop()
        assert response is not None and response.status == 200

    for label, fn in (
        ("parse_url (cached)", lambda: parse_url(url)),
        ("serialize_request, 8 headers", lambda: serialize_request("GET", parsed, HEADERS, b"")),
        ("connection send + parse response", exchange),
    ):
        per = timeit.timeit(fn, number=n) / n * 1e6
        print(f"  {label:<32} {per:5.2f} us")
    loop.close()


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--seconds", type=float, default=3.0)
    args.add_argument("--concurrency", type=int, default=32)
    args.add_argument("--no-uvloop", action="store_true")
    opts = args.parse_args()

    print("pieces:")
    _pieces()
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=_serve, args=(child,), daemon=True)
    server.start()
    try:
        port = parent.recv()
        loop_name = "asyncio" if opts.no_uvloop else "uvloop"
        print(f"pool.request, {loop_name} loop, upstream in a separate process:")
        coro = _bench(port, opts.seconds, opts.concurrency)
        if opts.no_uvloop:
            asyncio.run(coro)
        else:
            uvloop.run(coro)
    finally:
        server.terminate()
        server.join()


if __name__ == "__main__":
    main()
