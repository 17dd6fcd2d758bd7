"""A function's log, as Lambda writes it to CloudWatch: START/END/REPORT lines around the
handler's output, appended to ``{data_dir}/functions/{region}/{name}.log`` (every gateway worker
process appends whole blocks with O_APPEND, so lines from different processes do not tear)."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path

from frontgate.observe.sinks import LogSink

TAIL_BYTES = 4096  # Invoke's LogType=Tail returns the last 4 KB, as Lambda does


def log_path(data_dir: Path, region: str, name: str) -> Path:
    return data_dir / "functions" / region / f"{name}.log"


def iso_now() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"


class FunctionLog(LogSink):
    """One function's log: the observability sinks' buffered O_APPEND writer (one write per
    50 ms, blocks never torn between gateway processes), taking text as the runtime produces
    it. Never rotated: ``frontgate logs --follow`` reads one file."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path), max_bytes=1 << 62, max_age=math.inf, backups=0, text=True)


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
