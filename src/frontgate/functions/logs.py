"""A function's log, as Lambda writes it to CloudWatch: START/END/REPORT lines around the
handler's output, appended to ``{data_dir}/functions/{region}/{name}.log`` (every gateway worker
process appends whole blocks with O_APPEND, so lines from different processes do not tear)."""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections.abc import Iterator
from pathlib import Path

TAIL_BYTES = 4096  # Invoke's LogType=Tail returns the last 4 KB, as Lambda does


def log_path(data_dir: Path, region: str, name: str) -> Path:
    return data_dir / "functions" / region / f"{name}.log"


def iso_now() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"


FLUSH_DELAY = 0.05  # seconds a line may wait before it reaches the file
FLUSH_BYTES = 65536


class FunctionLog:
    """Appends to one function's log file; opened lazily, one fd per gateway process.

    Text is buffered and written by the event loop every ``FLUSH_DELAY`` (or at ``FLUSH_BYTES``)
    in one O_APPEND write: three system calls per invocation (START, output, END/REPORT) would
    cost more than the rest of the gateway's share of it. Blocks from one flush never tear."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._buf: list[str] = []
        self._size = 0
        self._timer: asyncio.TimerHandle | None = None

    def write(self, text: str) -> None:
        if not text:
            return
        self._buf.append(text)
        self._size += len(text)
        if self._size >= FLUSH_BYTES:
            self.flush()
        elif self._timer is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # Outside the gateway's loop (tools, tests): write now.
                self.flush()
                return
            self._timer = loop.call_later(FLUSH_DELAY, self.flush)

    def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._buf:
            return
        data = "".join(self._buf).encode("utf-8", "replace")
        self._buf.clear()
        self._size = 0
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        # Offsets, not memoryview slices (see observe.sinks.LogSink.flush).
        done = os.write(self._fd, data)
        while done < len(data):
            done += os.write(self._fd, data[done:])

    def close(self) -> None:
        self.flush()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def start_line(request_id: str, version: str = "$LATEST") -> str:
    return f"START RequestId: {request_id} Version: {version}\n"


def end_lines(
    request_id: str,
    duration_ms: float,
    memory_mb: int,
    max_used_mb: int,
    init_ms: float | None,
    timed_out_after: float | None = None,
) -> str:
    report = (
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
        f"Billed Duration: {max(1, math.ceil(duration_ms))} ms\tMemory Size: {memory_mb} MB\t"
        f"Max Memory Used: {max_used_mb} MB\t"
    )
    if init_ms is not None:
        report += f"Init Duration: {init_ms:.2f} ms\t"
    out = f"END RequestId: {request_id}\n{report}\n"
    if timed_out_after is not None:
        out += f"{iso_now()} {request_id} Task timed out after {timed_out_after:.2f} seconds\n"
    return out


def read(path: Path, follow: bool = False, poll: float = 0.25) -> Iterator[str]:
    """Yield the log's text; with ``follow``, keep yielding what is appended (``tail -f``)."""
    while not path.exists():
        if not follow:
            return
        time.sleep(poll)
    with open(path, encoding="utf-8", errors="replace") as fh:
        while True:
            chunk = fh.read()
            if chunk:
                yield chunk
            elif not follow:
                return
            else:
                time.sleep(poll)
