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
    older = (path.with_name(f"{path.name}.{i}") for i in range(BACKUPS, 0, -1))
    return [p for p in older if p.exists()]


def exists(path: Path) -> bool:
    return path.exists() or bool(rotated(path))


def read(path: Path, follow: bool = False, poll: float = 0.25) -> Iterator[str]:
    """Yield the log's text, its rotated files first; with ``follow``, keep yielding what is
    appended (``tail -f``), into the next file when the log is rotated meanwhile."""
    for older in rotated(path):
        try:
            with open(older, encoding="utf-8", errors="replace") as fh:
                while chunk := fh.read(1 << 20):
                    yield chunk
        except FileNotFoundError:  # shifted out of the kept files meanwhile
            continue
    while not path.exists():
        if not follow:
            return
        time.sleep(poll)
    while True:
        with open(path, encoding="utf-8", errors="replace") as fh:
            replaced = yield from _tail(path, fh, follow, poll)
        if not replaced:
            return


def _tail(path: Path, fh: TextIO, follow: bool, poll: float) -> Generator[str, None, bool]:
    """Yield ``fh``'s text to its end; with ``follow``, keep waiting for more until the log is
    rotated (then True, once what the writers put in before they noticed is read too)."""
    while True:
        chunk = fh.read(1 << 20)
        if chunk:
            yield chunk
        elif not follow:
            return False
        elif _replaced(path, fh.fileno()):
            while chunk := fh.read(1 << 20):
                yield chunk
            return True
        else:
            time.sleep(poll)


def _replaced(path: Path, fd: int) -> bool:
    try:
        return os.stat(path).st_ino != os.fstat(fd).st_ino
    except FileNotFoundError:
        return False  # between the rename and the new file: look again at the next poll
