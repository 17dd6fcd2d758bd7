"""A function's log, as Lambda writes it to CloudWatch: START/END/REPORT lines around the
handler's output, appended to ``{data_dir}/functions/{region}/{name}.log`` (every gateway worker
process appends whole blocks with O_APPEND, so lines from different processes do not tear).
The file is rotated like the stage logs (``--log-rotate-bytes``, ``--log-rotate-age``): the
older text is in ``NAME.log.1`` … ``NAME.log.5``, and ``read`` goes through them in order."""

from __future__ import annotations

import os
import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TextIO

from frontgate.observe.sinks import LogSink

TAIL_BYTES = 4096  # Invoke's LogType=Tail returns the last 4 KB, as Lambda does


def log_path(data_dir: Path, region: str, name: str) -> Path:
    return data_dir / "functions" / region / f"{name}.log"


def iso_now() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"


BACKUPS = 5  # rotated files kept, as for the stage logs


class FunctionLog(LogSink):
    """One function's log: the observability sinks' buffered O_APPEND writer (one write per
    50 ms, blocks never torn between gateway processes), taking text as the runtime produces
    it, rotated at ``max_bytes`` or ``max_age`` seconds with ``BACKUPS`` older files kept."""

    def __init__(
        self, path: Path, max_bytes: int = 100 * 1024 * 1024, max_age: float = 86400.0
    ) -> None:
        super().__init__(
            str(path), max_bytes=max_bytes, max_age=max_age, backups=BACKUPS, text=True
        )


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
    billed = int(duration_ms)
    if billed < duration_ms or billed < 1:
        billed = max(billed + 1, 1)
    report = (
        "END RequestId: " + request_id + "\nREPORT RequestId: " + request_id + "\tDuration: "
        + _ms(duration_ms) + " ms\tBilled Duration: " + str(billed) + " ms\tMemory Size: "
        + str(memory_mb) + " MB\tMax Memory Used: " + str(max_used_mb) + " MB\t"
    )  # fmt: skip
    if init_ms is not None:
        report += f"Init Duration: {_ms(init_ms)} ms\t"
    report += "\n"
    if timed_out_after is not None:
        report += f"{iso_now()} {request_id} Task timed out after {timed_out_after:.2f} seconds\n"
    return report


def _ms(value: float) -> str:
    """``12.34`` (two decimals, as Lambda's REPORT line) without the float formatter."""
    centi = int(value * 100 + 0.5)
    frac = centi % 100
    return str(centi // 100) + (".0" if frac < 10 else ".") + str(frac)


def rotated(path: Path) -> list[Path]:
    """The rotated files of a log that exist, oldest first."""
    return [p for p in reversed(_backups(path)) if p.exists()]


def exists(path: Path) -> bool:
    return path.exists() or bool(rotated(path))


def read(path: Path, follow: bool = False, poll: float = 0.25) -> Iterator[str]:
    """Yield the log's text, its rotated files first, oldest first; with ``follow``, keep
    yielding what is appended (``tail -f``), going on into the next file at each rotation."""
    kept = rotated(path)
    current = kept[0] if kept else path
    while not current.exists():
        if not follow:
            return
        time.sleep(poll)
    while True:
        try:
            fh = open(current, encoding="utf-8", errors="replace")  # noqa: SIM115
        except FileNotFoundError:  # shifted out of the kept files, or between two files
            if current == path:
                if not follow:
                    return
                time.sleep(poll)
            current = path
            continue
        with fh:
            done = yield from _tail(path, fh, follow, poll)
            if done:
                return
            current = _next_file(path, fh.fileno())


def _tail(path: Path, fh: TextIO, follow: bool, poll: float) -> Generator[str, None, bool]:
    """Yield ``fh``'s text to its end. False when ``fh`` is no longer the log (rotated, or one
    of the rotated files): go on with the next file. True at the end of the log itself, unless
    ``follow``: then wait for more."""
    while True:
        chunk = fh.read(1 << 20)
        if chunk:
            yield chunk
        elif _replaced(path, fh.fileno()):
            # What the writers put in before they noticed the rotation, then the next file.
            while chunk := fh.read(1 << 20):
                yield chunk
            return False
        elif not follow:
            return True
        else:
            time.sleep(poll)


def _next_file(path: Path, fd: int) -> Path:
    """The file written after the one open on ``fd`` (which has become ``NAME.log.N``): the
    ``N-1``th, or the log itself. If it was rotated out of the kept files, the oldest kept."""
    ino = os.fstat(fd).st_ino
    backups = _backups(path)
    for i, older in enumerate(backups):
        try:
            if os.stat(older).st_ino == ino:
                return backups[i - 1] if i else path
        except FileNotFoundError:
            continue
    kept = rotated(path)
    return kept[0] if kept else path


def _backups(path: Path) -> list[Path]:
    """``NAME.log.1`` (the newest rotated file) to ``NAME.log.5``, existing or not."""
    return [path.with_name(f"{path.name}.{i}") for i in range(1, BACKUPS + 1)]


def _replaced(path: Path, fd: int) -> bool:
    try:
        return os.stat(path).st_ino != os.fstat(fd).st_ino
    except FileNotFoundError:
        return False  # between the rename and the new file: look again at the next poll
