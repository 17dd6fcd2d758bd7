"""Metric counters in shared memory: one shard per worker, mapped before ``fork`` so that the
worker a scrape lands on can read (and sum) every worker's shard. A worker writes only its own
shard — no locks; a restarted worker re-attaches to its shard, so counters never go back.

A shard holds a directory of series (``kind<TAB>base<TAB>labels…`` lines, append-only) and an
int64 value array; a series is a fixed block of slots (``BLOCK`` for request series)."""

from __future__ import annotations

import logging
import mmap
from operator import add
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from frontgate.http.budget import ConnectionBudget
    from frontgate.pipeline.context import Context

log = logging.getLogger("frontgate.observe")

# Histogram bounds (seconds): gateway overhead is sub-millisecond, AWS's timeout is 29 s.
BOUNDS: Final[tuple[float, ...]] = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
)
BOUNDS_US: Final[tuple[int, ...]] = tuple(int(b * 1_000_000) for b in BOUNDS)
NB: Final[int] = len(BOUNDS) + 1  # buckets including +Inf

# Request-series block layout (slot offsets).
COUNT: Final[int] = 0
E4XX: Final[int] = 1
E5XX: Final[int] = 2
CACHE_HIT: Final[int] = 3
CACHE_MISS: Final[int] = 4
THROTTLED: Final[int] = 5
QUOTA: Final[int] = 6
UNAUTHORIZED: Final[int] = 7
LAT_SUM: Final[int] = 8
LAT_B: Final[int] = 9
INT_COUNT: Final[int] = LAT_B + NB
INT_SUM: Final[int] = INT_COUNT + 1
INT_B: Final[int] = INT_SUM + 1
BLOCK: Final[int] = INT_B + NB

# The names other stages count with ``env.metrics.inc(name, ctx)``.
EVENTS = {
    "throttled": THROTTLED,
    "quota": QUOTA,
    "unauthorized": UNAUTHORIZED,
    "cache_hit": CACHE_HIT,
    "cache_miss": CACHE_MISS,
}

# Process-wide counters (kind "g", one block).
G_UNMATCHED: Final[int] = 0
G_ACCESS_DROPPED: Final[int] = 1
G_EXEC_DROPPED: Final[int] = 2
G_SPANS: Final[int] = 3
G_SPANS_DROPPED: Final[int] = 4
# OTLP access-log export: records sent and batches lost (written by the exporter thread only),
# lines dropped because its queue was full (written by the event loop only).
G_OTLP_LOGS: Final[int] = 5
G_OTLP_LOG_BATCHES_DROPPED: Final[int] = 6
G_OTLP_LOG_LINES_DROPPED: Final[int] = 7
G_BLOCK: Final[int] = 8
POOL_BLOCK: Final[int] = 4  # open, idle, in_use, waiting (gauges, kind "p")
# Client connections of a listener (kind "n", labelled "data" or "admin"): open and cap are
# gauges, the refusals counters (see ``watch_connections``).
CONN_OPEN: Final[int] = 0
CONN_LIMIT: Final[int] = 1
CONN_REFUSED_TOTAL: Final[int] = 2
CONN_REFUSED_PER_CLIENT: Final[int] = 3
CONN_BLOCK: Final[int] = 4
# WebSocket stages and routes (kind "w", observe/ws_metrics.py): counters, a latency
# histogram and the open-connections gauge (slot WS_OPEN).
WS_OPEN: Final[int] = 6
WS_BLOCK: Final[int] = 8 + NB
BLOCK_OF = {"r": BLOCK, "g": G_BLOCK, "p": POOL_BLOCK, "n": CONN_BLOCK, "w": WS_BLOCK}

_MAGIC: Final[int] = 0x4647_4D45_5452_4331  # "FGMETRC1"
_HEADER: Final[int] = 64
DIR_BYTES: Final[int] = 8 * 1024 * 1024
VALUE_SLOTS: Final[int] = 3 * 1024 * 1024  # ~75,000 request series of 41 slots


def bucket_of(us: int) -> int:
    """The histogram bucket of a duration in microseconds: the first bound it does not exceed
    (``len(BOUNDS)`` for +Inf). A loop, not ``bisect``: almost every request lands in the first
    buckets, and the compiled loop compares machine ints without a call."""
    i = 0
    for bound in BOUNDS_US:
        if us <= bound:
            return i
        i += 1
    return i


def derive_counts(block: list[int]) -> list[int]:
    """Fill in a request series' COUNT and INT_COUNT from its buckets (see ``record``)."""
    block[COUNT] = sum(block[LAT_B : LAT_B + NB])
    block[INT_COUNT] = sum(block[INT_B : INT_B + NB])
    return block


def fold_methods(totals: dict[tuple[str, tuple[str, ...]], list[int]]) -> None:
    """Complete summed series for reading: a request of a method with detailed metrics is
    recorded in the method's series only, so each method series is added into its stage's
    (created if no other method counted there yet); then the counts are derived."""
    stages: dict[tuple[str, tuple[str, ...]], list[int]] = {}
    for (kind, labels), block in totals.items():
        if kind == "r" and len(labels) == 4 and (labels[2] or labels[3]):
            key: tuple[str, tuple[str, ...]] = ("r", (labels[0], labels[1], "", ""))
            acc = stages.get(key)
            if acc is None:
                stages[key] = list(block)
            else:
                acc[:] = map(add, acc, block)
    for stage_key, acc in stages.items():
        have = totals.get(stage_key)
        totals[stage_key] = acc if have is None else list(map(add, have, acc))
    for (kind, _labels), block in totals.items():
        if kind == "r":
            derive_counts(block)


class Shard:
    """One worker's region: header (magic, directory bytes used, slots used), directory, values.
    Pages never touched are never allocated, so the 32 MiB mapping costs only what is used."""

    def __init__(self) -> None:
        self.map = mmap.mmap(-1, _HEADER + DIR_BYTES + VALUE_SLOTS * 8, flags=mmap.MAP_SHARED)
        self.head = memoryview(self.map)[:_HEADER].cast("q")
        self.dir = memoryview(self.map)[_HEADER : _HEADER + DIR_BYTES]
        self.values = memoryview(self.map)[_HEADER + DIR_BYTES :].cast("q")
        self.head[0] = _MAGIC
        self.head[2] = BLOCK - 1  # slots [0, BLOCK) take the writes of series that did not fit

    def entries(self, start: int = 0) -> tuple[list[tuple[str, int, tuple[str, ...]]], int]:
        """Directory entries from byte ``start``; returns them and the byte offset read up to."""
        used = self.head[1]
        if used <= start:
            return [], start
        out: list[tuple[str, int, tuple[str, ...]]] = []
        for line in bytes(self.dir[start:used]).decode("utf-8").splitlines():
            kind, base, *labels = line.split("\t")
            out.append((kind, int(base), tuple(labels)))
        return out, used


def create_shards(n: int) -> list[Shard]:
    return [Shard() for _ in range(n)]


class Metrics:
    """The writer for this process's shard (and the list of every shard, for the reader)."""

    def __init__(
        self, shard: Shard | None = None, shards: list[Shard] | None = None, workers: int = 0
    ) -> None:
        """``workers``: how many of ``shards`` are data-plane workers' (the rest, the control
        process's); 0: all of them."""
        self.shard = shard if shard is not None else Shard()
        self.shards = shards if shards is not None else [self.shard]
        self.workers = workers or len(self.shards)
        self.v = self.shard.values
        self._series: dict[tuple[str, tuple[str, ...]], int] = {}
        self._full = False
        found, _ = self.shard.entries()
        for kind, base, labels in found:
            self._series[(kind, labels)] = base
            if kind == "w":
                # A restarted worker holds none of its predecessor's WebSocket connections.
                self.v[base + WS_OPEN] = 0
        self.globals = self.series("g", ())

    def series(self, kind: str, labels: tuple[str, ...]) -> int:
        """The base slot of a series, registering it on first use (never on the hot path
        twice: callers keep the base)."""
        key = (kind, labels)
        base = self._series.get(key)
        if base is not None:
            return base
        head = self.shard.head
        size = BLOCK_OF[kind]
        base = head[2] + 1
        entry = "\t".join((kind, str(base), *(lb.replace("\t", " ") for lb in labels))) + "\n"
        data = entry.replace("\r", " ").encode("utf-8")
        used = head[1]
        if base + size > len(self.v) or used + len(data) > DIR_BYTES or "\n" in entry[:-1]:
            if not self._full:
                self._full = True
                log.error("metrics shard full: new series are not recorded")
            return 0
        self.shard.dir[used : used + len(data)] = data
        head[2] = base + size - 1
        head[1] = used + len(data)  # published last: a reader never sees a half-written entry
        self._series[key] = base
        return base

    def record(self, base: int, status: int, elapsed: float, integration_ms: int | None) -> None:
        # COUNT and INT_COUNT are not written: they are the sums of the buckets, which readers
        # compute (``fold_methods``); each slot written is a generic memoryview access.
        v = self.v
        if status >= 400:
            v[base + (E4XX if status < 500 else E5XX)] += 1
        us = int(elapsed * 1_000_000)
        v[base + LAT_SUM] += us
        v[base + LAT_B + bucket_of(us)] += 1
        if integration_ms is not None:
            ius = integration_ms * 1000
            v[base + INT_SUM] += ius
            v[base + INT_B + bucket_of(ius)] += 1

    def add(self, slot: int, n: int = 1) -> None:
        self.v[slot] += n

    def inc(self, name: str, ctx: Context) -> None:
        """Count an event (``throttled``, ``quota``, ``unauthorized``, ``cache_hit``,
        ``cache_miss``) against the request's stage, and its method when detailed metrics are
        on. Requests not routed to a stage are not counted (AWS has no dimension for them)."""
        offset = EVENTS[name]
        stage = ctx.stage
        plan = stage.observe if stage is not None else None
        if plan is None:
            return
        method = ctx.method
        mplan = method.observe if method is not None else None
        if mplan is not None and mplan.detailed:
            self.v[mplan.base_for(self) + offset] += 1  # folded into the stage's by the reader
        else:
            self.v[plan.base_for(self) + offset] += 1

    def set_pool(self, stats: dict[str, dict[str, int]]) -> None:
        v = self.v
        for origin, gauges in stats.items():
            base = self.series("p", (origin,))
            v[base] = gauges.get("open", 0)
            v[base + 1] = gauges.get("idle", 0)
            v[base + 2] = gauges.get("in_use", 0)
            v[base + 3] = gauges.get("waiting", 0)
        # Origins that went away read as zero rather than keeping their last value.
        for (kind, labels), base in self._series.items():
            if kind == "p" and labels[0] not in stats:
                self.v[base : base + POOL_BLOCK] = memoryview(bytes(8 * POOL_BLOCK)).cast("q")

    def watch_connections(self, listener: str, budget: ConnectionBudget) -> None:
        """Publish ``budget``'s numbers in this shard as they change. A restarted worker carries
        on from the refusals its predecessor counted, so the counters never go back."""
        base = self.series("n", (listener,))
        v = self.v
        budget.refused_total += v[base + CONN_REFUSED_TOTAL]
        budget.refused_per_client += v[base + CONN_REFUSED_PER_CLIENT]

        def publish(b: ConnectionBudget) -> None:
            v[base + CONN_OPEN] = b.open
            v[base + CONN_REFUSED_TOTAL] = b.refused_total
            v[base + CONN_REFUSED_PER_CLIENT] = b.refused_per_client

        v[base + CONN_LIMIT] = budget.max_total
        budget.on_change = publish
        publish(budget)
