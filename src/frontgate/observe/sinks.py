"""Log destinations: buffered appends to a file (rotated by size and age) or stdout, flushed by
the event loop every 50 ms or at 64 KiB, so a slow, full or unwritable disk drops log lines —
counted and reported — and never delays a response."""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("frontgate.observe")

FLUSH_DELAY = 0.05
FLUSH_BYTES = 65536
REOPEN_DELAY = 5.0  # seconds between attempts to reopen a file that failed
REPORT_EVERY = 60.0  # at most one process-log line per sink per minute about write failures
CHECK_EVERY = 1.0  # seconds between looks at the file (rotated by another worker? too old?)


class LogSink:
    """Append-only line sink. Several worker processes may share one file: each flush is a single
    ``O_APPEND`` write, and whichever worker rotates first renames the file under a lock; the
    others notice the new inode and reopen. With ``text=True`` writes are chunks of text that
    carry their own line ends (a function's output), written exactly as given."""

    def __init__(
        self,
        path: str,
        *,
        max_bytes: int = 100 * 1024 * 1024,
        max_age: float = 86400.0,
        backups: int = 5,
        on_failure: Callable[[int], None] | None = None,
        text: bool = False,
        check_every: float = CHECK_EVERY,
    ) -> None:
        self.path = path
        self.text = text
        self.max_bytes = max_bytes
        self.max_age = max_age
        self.backups = backups
        self.on_failure = on_failure  # called with the number of lines dropped
        self._buf: list[str] = []
        self._size = 0
        self._scheduled = False
        self._fd: int | None = 1 if path == "stdout" else None
        self._ino = 0
        self._opened = 0.0
        self._retry_at = 0.0
        self._reported = 0.0
        # The file is looked at (stat + fstat: a quarter of a flush's cost) once per
        # ``check_every`` seconds, or sooner once our own writes may have filled it.
        self.check_every = check_every
        self._check_at = 0.0
        self._size_seen = 0  # the file's size at the last look, plus what we wrote since

    def write(self, line: str) -> None:
        self._buf.append(line)
        self._size += len(line)
        if self._size >= FLUSH_BYTES:
            self.flush()
        elif not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_later(FLUSH_DELAY, self.flush)

    def flush(self) -> None:
        self._scheduled = False
        if not self._buf:
            return
        lines = len(self._buf)
        if not self.text:
            self._buf.append("")  # Every line ends in a newline.
        data = ("" if self.text else "\n").join(self._buf).encode("utf-8", "replace")
        self._buf.clear()
        self._size = 0
        try:
            fd = self._file()
            if fd is None:
                raise OSError(f"{self.path} is not open")
            # Offsets, not memoryview slices: this module is compiled, and mypyc treats a
            # memoryview as bytes (slicing it that way wrote lines twice).
            done = os.write(fd, data)
            while done < len(data):
                done += os.write(fd, data[done:])
            self._size_seen += done
        except OSError as exc:
            self._failed(exc, lines)

    def close(self) -> None:
        self.flush()
        if self._fd is not None and self._fd != 1:
            os.close(self._fd)
        self._fd = None

    def _failed(self, exc: OSError, lines: int) -> None:
        if self.on_failure is not None:
            self.on_failure(lines)
        now = time.monotonic()
        if now - self._reported >= REPORT_EVERY or not self._reported:
            self._reported = now
            log.error("log write to %s failed, lines dropped: %s", self.path, exc)

    def _file(self) -> int | None:
        if self.path == "stdout":
            return 1
        if self._fd is None:
            if time.monotonic() < self._retry_at:
                return None
            try:
                self._open()
            except OSError:
                self._retry_at = time.monotonic() + REOPEN_DELAY
                raise
        assert self._fd is not None
        now = time.monotonic()
        if now < self._check_at and self._size_seen < self.max_bytes:
            return self._fd
        self._check_at = now + self.check_every
        try:
            rotated = os.stat(self.path).st_ino != self._ino
        except FileNotFoundError:
            rotated = True
        st = os.fstat(self._fd)
        self._size_seen = st.st_size
        if rotated or st.st_size >= self.max_bytes or time.time() - self._opened >= self.max_age:
            self._rotate(rotated)
        return self._fd

    def _open(self) -> None:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        st = os.fstat(fd)
        self._fd, self._ino = fd, st.st_ino
        self._size_seen = st.st_size
        self._check_at = 0.0  # look at it on the first flush
        # A file left from an earlier run is as old as its last write, not as this process.
        self._opened = min(time.time(), st.st_mtime) if st.st_size else time.time()

    def _rotate(self, already: bool) -> None:
        fd = self._fd
        assert fd is not None
        if not already:
            with open(self.path + ".lock", "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                try:
                    current = os.stat(self.path).st_ino
                except FileNotFoundError:
                    current = -1
                if current == self._ino:  # nobody rotated it meanwhile
                    self._shift()
        os.close(fd)
        self._fd = None
        self._open()

    def _shift(self) -> None:
        for i in range(self.backups - 1, 0, -1):
            older = f"{self.path}.{i}"
            if os.path.exists(older):
                os.replace(older, f"{self.path}.{i + 1}")
        if self.backups > 0:
            os.replace(self.path, self.path + ".1")
        else:
            os.unlink(self.path)


def destination_path(arn: str, data_dir: Path) -> str:
    """Where ``destinationArn`` writes: a log group maps to ``{data-dir}/logs/{name}.log``."""
    if arn in ("stdout", "-"):
        return "stdout"
    if arn.startswith("file://"):
        return arn[len("file://") :]
    if arn.startswith("arn:") and ":log-group:" in arn:
        name = arn.split(":log-group:", 1)[1]
        if name.endswith(":*"):
            name = name[:-2]
        parts = [p for p in name.split("/") if p not in ("", ".", "..")]
        return str(data_dir / "logs" / Path(*parts)) + ".log" if parts else "stdout"
    # Firehose and other ARNs have no local meaning: keep the lines under the data dir.
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in arn)
    return str(data_dir / "logs" / safe) + ".log"
