"""Micro-benchmark: 100k pipelined GETs through ``ServerConnection`` (parse + serialize), no I/O.

Run: ``python bench/micro_server_conn.py``. Prints requests per second for the core alone.
"""

from __future__ import annotations

import time

from frontgate.http.limits import Limits
from frontgate.http.message import Response
from frontgate.http.server_conn import ServerConnection

REQUEST = (
    b"GET /prod/pets/42?limit=10 HTTP/1.1\r\n"
    b"Host: api.example.com\r\n"
    b"User-Agent: bench/1.0\r\n"
    b"Accept: application/json\r\n"
    b"X-Api-Key: 0123456789abcdef\r\n"
    b"\r\n"
)
TOTAL = 100_000
BATCH = 100  # Requests per feed, as a pipelining client filling a 64 KiB read would.


def run() -> float:
    conn = ServerConnection(Limits(), time.monotonic)
    chunk = REQUEST * BATCH
    response = Response(200, [("Content-Type", "application/json")], b'{"ok":true}')
    out = 0
    start = time.perf_counter()
    for _ in range(TOTAL // BATCH):
        conn.feed(chunk)
        while (request := conn.next_request()) is not None:
            out += len(conn.serialize(response, request))
            conn.response_sent()
    elapsed = time.perf_counter() - start
    if conn.error is not None or out == 0:
        raise SystemExit(f"benchmark broke: {conn.error}")
    return TOTAL / elapsed


if __name__ == "__main__":
    best = max(run() for _ in range(5))
    print(f"{best:,.0f} requests/s ({1e6 / best:.2f} us/request, parse + serialize)")
