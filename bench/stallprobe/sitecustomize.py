"""Event-loop stall probe for benchmark runs (``bench/run.py --stalls``), not product code.

Loaded by Python at start-up when this folder is on ``PYTHONPATH`` (``sitecustomize``). It
wraps ``uvloop.run`` so that the worker's loop also runs:

* a 1 ms heartbeat timer: how late each beat fires is how long the loop could not run a
  callback (a stall); every beat later than ``STALL_PROBE_MS`` (2 ms) is recorded, with the
  CPU time the loop thread used meanwhile: a stall with little CPU time is the process waiting
  for a core (other work on the machine), one with CPU time close to its length is ours;
* a watchdog thread that, while a beat is overdue, samples the loop thread's Python stack
  (what is running during the stall; compiled code shows as its interpreted caller);
* ``gc.callbacks``: the duration and generation of every cyclic-GC collection.

SIGUSR1 starts a new measurement window (forgets what was recorded); SIGUSR2 and exit write a
JSON summary of the window to ``$STALL_PROBE_OUT`` (default ``stallprobe-<pid>.json`` in the
working directory): the stall histogram, the longest stalls with the GC collections and stack
samples that overlap them, and GC pause totals per generation. Enabled by ``STALL_PROBE=1``.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
import threading
import time
import traceback
from collections import Counter
from typing import Any

try:
    import uvloop
except ImportError:  # not a gateway process
    uvloop = None

_BEAT_S = 0.001
_THRESHOLD_S = float(os.environ.get("STALL_PROBE_MS", "2")) / 1000
_KEEP = 200  # longest stalls kept with their details


class _Probe:
    def __init__(self) -> None:
        self._main = threading.get_ident()
        self._stop = threading.Event()
        self.reset()

    def reset(self) -> None:
        # What one full collection costs now (the pause a gen2 collection would add), measured
        # outside the window: gen2 runs rarely, so a short run may not see one.
        began, began_cpu = time.perf_counter(), time.thread_time()
        gc.set_debug(gc.DEBUG_SAVEALL)  # what the collection finds: kinds of cyclic garbage
        gc.collect()
        self.full_collect_ms = (time.perf_counter() - began) * 1000
        self.full_collect_cpu_ms = (time.thread_time() - began_cpu) * 1000
        gc.set_debug(0)
        self.cyclic_garbage = Counter(type(o).__qualname__ for o in gc.garbage).most_common(15)
        gc.garbage.clear()
        self.started = time.perf_counter()
        self.cpu_started = time.thread_time()
        self.last_beat = self.started
        self.last_cpu = time.thread_time()
        self.beats = 0
        self.late: Counter[int] = Counter()  # lateness bucket (ms, floor) -> beats
        self.stalls: list[tuple[float, float, float]] = []  # overdue beats: start, wall, cpu
        self.gc_runs: list[tuple[float, float, int, int]] = []  # start, dur, gen, collected
        self.samples: list[tuple[float, str]] = []  # (time, stack) taken while overdue
        self._gc_start = 0.0

    # -- loop side
    def beat(self, loop: Any, due: float) -> None:
        now = time.perf_counter()
        cpu = time.thread_time()
        lateness = now - due
        self.beats += 1
        self.late[int(lateness * 1000)] += 1
        if lateness > _THRESHOLD_S:
            # CPU used since the previous beat, less the beat period the loop may have idled
            self.stalls.append((due, lateness, cpu - self.last_cpu))
        self.last_beat, self.last_cpu = now, cpu
        next_due = now + _BEAT_S
        loop.call_later(_BEAT_S, self.beat, loop, next_due)

    # -- gc side
    def on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
        else:
            end = time.perf_counter()
            self.gc_runs.append(
                (self._gc_start, end - self._gc_start, info["generation"], info["collected"])
            )

    # -- watchdog thread
    def watch(self) -> None:
        while not self._stop.wait(_BEAT_S):
            now = time.perf_counter()
            if now - self.last_beat > _THRESHOLD_S + _BEAT_S:
                frame = sys._current_frames().get(self._main)
                if frame is not None:
                    stack = traceback.extract_stack(frame, limit=12)
                    text = ";".join(f"{f.name} ({_short(f.filename)}:{f.lineno})" for f in stack)
                    self.samples.append((now, text))

    def start(self) -> None:
        gc.callbacks.append(self.on_gc)
        threading.Thread(target=self.watch, name="stallprobe", daemon=True).start()

    def write(self) -> None:
        out = os.environ.get("STALL_PROBE_OUT") or f"stallprobe-{os.getpid()}.json"
        with open(out, "w") as fh:
            json.dump(self.report(), fh, indent=1)

    def report(self) -> dict[str, Any]:
        elapsed = time.perf_counter() - self.started
        # On CPU for at least 3/4 of the gap: the loop itself was busy (not waiting for a core).
        busy = [s for s in self.stalls if s[2] >= 0.75 * s[1]]
        per_gen: dict[int, list[float]] = {}
        for _, d, g, _ in self.gc_runs:
            per_gen.setdefault(g, []).append(d * 1000)
        return {
            "pid": os.getpid(),
            "elapsed_s": round(elapsed, 2),
            "beats": self.beats,
            "threshold_ms": _THRESHOLD_S * 1000,
            "lateness_ms_histogram": {str(k): v for k, v in sorted(self.late.items())},
            "stalls": len(self.stalls),
            "stall_ms_total": round(sum(s[1] for s in self.stalls) * 1000, 1),
            "busy_stalls": len(busy),
            "busy_stall_ms_max": round(max((s[1] for s in busy), default=0.0) * 1000, 2),
            "cpu_s": round(time.thread_time() - self.cpu_started, 2),
            "gc": {
                str(g): {
                    "runs": len(ds),
                    "ms_total": round(sum(ds), 1),
                    "ms_max": round(max(ds), 2),
                }
                for g, ds in sorted(per_gen.items())
            },
            "gc_thresholds": gc.get_threshold(),
            "gc_frozen": gc.get_freeze_count(),
            "gc_tracked": len(gc.get_objects()),
            "gc_tracked_kinds": Counter(type(o).__qualname__ for o in gc.get_objects()).most_common(
                15
            ),
            "full_collect_ms_before": round(self.full_collect_ms, 2),
            "full_collect_cpu_ms_before": round(self.full_collect_cpu_ms, 2),
            "cyclic_garbage_before": self.cyclic_garbage,
            "stack_samples": dict(Counter(t for _, t in self.samples).most_common(30)),
            "longest": self._detail(self.stalls),
            "longest_busy": self._detail(busy),
        }

    def _detail(self, stalls: list[tuple[float, float, float]]) -> list[dict[str, Any]]:
        """The longest of ``stalls`` with the GC runs and stack samples that overlap them."""
        detail = []
        for start, dur, cpu in sorted(stalls, key=lambda s: -s[1])[:_KEEP]:
            lo, hi = start - 0.001, start + dur + 0.001
            detail.append(
                {
                    "at_s": round(start - self.started, 4),
                    "ms": round(dur * 1000, 2),
                    "cpu_ms": round(cpu * 1000, 2),
                    "gc": [
                        {"gen": g, "ms": round(d * 1000, 2), "collected": c}
                        for s, d, g, c in self.gc_runs
                        if s < hi and s + d > lo
                    ],
                    "stacks": dict(Counter(t for at, t in self.samples if lo <= at <= hi)),
                }
            )
        return detail


def _short(filename: str) -> str:
    marker = "/frontgate/"
    at = filename.rfind(marker)
    return filename[at + len(marker) :] if at >= 0 else os.path.basename(filename)


def _install() -> None:
    if uvloop is None or os.environ.get("STALL_PROBE") != "1":
        return
    real_run = uvloop.run

    def run(main: Any, **kwargs: Any) -> Any:
        probe = _Probe()

        async def probed() -> Any:
            import asyncio

            loop = asyncio.get_running_loop()
            probe.start()
            loop.add_signal_handler(signal.SIGUSR1, probe.reset)
            loop.add_signal_handler(signal.SIGUSR2, probe.write)
            due = time.perf_counter() + _BEAT_S
            loop.call_later(_BEAT_S, probe.beat, loop, due)
            return await main

        try:
            return real_run(probed(), **kwargs)
        finally:
            probe._stop.set()
            probe.write()

    uvloop.run = run


_install()
