"""A paced open-loop-ish load driver for accuracy tests: ``connections`` keep-alive connections
share a fixed schedule of ``rate`` requests per second, so the offered rate does not depend on
how fast the gateway answers (as long as it answers faster than the schedule)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter


async def _one(reader: asyncio.StreamReader) -> int:
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def drive(port: int, host: str, path: str, headers: dict[str, str], rate: float,
                seconds: float, connections: int = 16) -> tuple[Counter[int], float]:  # fmt: skip
    """Offer ``rate`` req/s for ``seconds``; return the status counts and the elapsed time from
    the scheduled start (no request is sent before it) to the last answer: every request was
    decided inside that window, however late a slow machine sent it."""
    head = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in headers.items()
    )
    raw = (head + "\r\n").encode()
    total = int(rate * seconds)
    counts: Counter[int] = Counter()
    start = time.monotonic() + 0.05
    last_answer = [start]

    async def worker(first: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for i in range(first, total, connections):
                delay = start + i / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                writer.write(raw)
                counts[await _one(reader)] += 1
                last_answer[0] = max(last_answer[0], time.monotonic())
        finally:
            writer.close()

    await asyncio.gather(*(worker(i) for i in range(connections)))
    return counts, last_answer[0] - start
