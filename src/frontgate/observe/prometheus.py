"""``/metrics``: every worker's shard summed and written in Prometheus text format 0.0.4.

Series whose optional counters (cache, throttling, quota, authorization) never moved are left out,
as a client library does for labels never used.

A scrape with 10,000 routes all moving must stay under 100 ms, so nothing is formatted per line:
each metric family's text is a ``%`` template (label text built once per series, the template once
per set of series) filled with every series' numbers in one C-level format, straight to bytes.
Per-method (detailed) histograms are written with 8 of the 15 buckets (``DETAILED_LE``): the
counts are kept at full resolution and the buckets written are exact cumulative counts, as
coarser bounds; stage histograms keep every bucket."""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from itertools import accumulate
from operator import add, itemgetter

from frontgate.observe import metrics as m
from frontgate.observe import ws_prometheus

# (metric name, slot, help) for the request-series counters; the first three always appear.
_COUNTERS = (
    ("frontgate_count_total", m.COUNT, "Requests (AWS Count)."),
    ("frontgate_4xx_error_total", m.E4XX, "Requests answered 4xx (AWS 4XXError)."),
    ("frontgate_5xx_error_total", m.E5XX, "Requests answered 5xx (AWS 5XXError)."),
    ("frontgate_cache_hit_total", m.CACHE_HIT, "Responses served from the cache (CacheHitCount)."),
    ("frontgate_cache_miss_total", m.CACHE_MISS, "Cacheable requests not in the cache."),
    ("frontgate_throttled_total", m.THROTTLED, "Requests refused by throttling (429)."),
    ("frontgate_quota_exceeded_total", m.QUOTA, "Requests refused by a usage-plan quota."),
    ("frontgate_unauthorized_total", m.UNAUTHORIZED, "Requests refused by authorization."),
)
_HISTOGRAMS = (
    ("frontgate_latency_seconds", m.LAT_SUM, m.LAT_B, m.COUNT,
     "Time from request received to response (AWS Latency)."),
    ("frontgate_integration_latency_seconds", m.INT_SUM, m.INT_B, m.INT_COUNT,
     "Time the backend took (AWS IntegrationLatency)."),
)  # fmt: skip
_LE = (*(f'le="{b:g}"' for b in m.BOUNDS), 'le="+Inf"')
# The buckets a per-method histogram writes (indexes into the kept buckets, +Inf last): 1 ms,
# 5 ms, 25 ms, 100 ms, 500 ms, 2.5 s, 10 s, +Inf — enough for per-route p50/p99 (``frontgate
# top``, ``histogram_quantile``) at half the text of 10,000 routes' full histograms.
DETAILED_LE = (0, 2, 4, 6, 8, 10, 12, m.NB - 1)
_PICK = itemgetter(*DETAILED_LE)
_POOL = ("open", "idle", "in_use")
_GLOBALS = (
    ("frontgate_unmatched_requests_total", "counter",
     "Requests that matched no deployed API stage.", ((m.G_UNMATCHED, ""),)),
    ("frontgate_log_dropped_lines_total", "counter",
     "Log lines lost to write failures (full disk, unwritable file).",
     ((m.G_ACCESS_DROPPED, 'log="access"'), (m.G_EXEC_DROPPED, 'log="execution"'))),
    ("frontgate_trace_spans_total", "counter", "Spans handed to the OTLP exporter.",
     ((m.G_SPANS, ""),)),
    ("frontgate_otlp_log_records_total", "counter",
     "Access-log lines the OTLP collector accepted as LogRecords.", ((m.G_OTLP_LOGS, ""),)),
    ("frontgate_otlp_log_batches_dropped_total", "counter",
     "OTLP log batches dropped because the collector was unreachable or refused them.",
     ((m.G_OTLP_LOG_BATCHES_DROPPED, ""),)),
    ("frontgate_otlp_log_lines_dropped_total", "counter",
     "Access-log lines not sent to OTLP because the export queue was full.",
     ((m.G_OTLP_LOG_LINES_DROPPED, ""),)),
)  # fmt: skip


def escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _counter_line(name: str) -> Callable[[str], str]:
    return lambda lb: f"{name}{{{lb.replace('%', '%%')}}} %d"


class Reader:
    """Keeps each shard's parsed directory between scrapes; a scrape reads only new entries."""

    def __init__(self, shards: list[m.Shard], workers: int = 0) -> None:
        self.shards = shards
        self.workers = workers or len(shards)  # data-plane workers among the shards' writers
        self._read = [0] * len(shards)
        self._entries: list[list[tuple[str, int, tuple[str, ...]]]] = [[] for _ in shards]
        self._labels: dict[tuple[str, tuple[str, ...]], str] = {}
        self._info: dict[tuple[str, tuple[str, ...]], tuple[str, bool, str, str]] = {}
        self._families: dict[object, tuple[tuple[str, ...], bytes]] = {}

    def collect(self) -> dict[tuple[str, tuple[str, ...]], list[int]]:
        totals: dict[tuple[str, tuple[str, ...]], list[int]] = {}
        for i, shard in enumerate(self.shards):
            new, self._read[i] = shard.entries(self._read[i])
            self._entries[i].extend(new)
            values = shard.values
            for kind, base, labels in self._entries[i]:
                block = values[base : base + m.BLOCK_OF[kind]].tolist()
                key = (kind, labels)
                have = totals.get(key)
                totals[key] = block if have is None else list(map(add, have, block))
        m.fold_methods(totals)
        return totals

    def _label(self, kind: str, labels: tuple[str, ...]) -> str:
        key = (kind, labels)
        text = self._labels.get(key)
        if text is None:
            names = ("api", "stage", "resource", "method") if kind == "r" else ("origin",)
            text = ",".join(
                f'{n}="{escape_label(v)}"' for n, v in zip(names, labels, strict=False) if v
            )
            self._labels[key] = text
        return text

    def _row(self, key: tuple[str, tuple[str, ...]]) -> tuple[str, bool, str, str]:
        """A request series' label text, whether it is per-method, and its two histograms' lines
        with a ``%`` slot per number (label text's ``%`` escaped) — built once per series."""
        lb = self._label(*key)
        detailed = len(key[1]) > 2
        lbt = lb.replace("%", "%%")
        les = [_LE[i] for i in DETAILED_LE] if detailed else _LE
        hist = []
        for name, *_ in _HISTOGRAMS:
            lines = [f"{name}_bucket{{{lbt},{le}}} %d" for le in les]
            lines.append(f"{name}_sum{{{lbt}}} %a")
            lines.append(f"{name}_count{{{lbt}}} %d")
            hist.append("\n".join(lines))
        row = self._info[key] = (lb, detailed, hist[0], hist[1])
        return row

    def _family(self, key: object, parts: Sequence[str], build: Callable[[str], str]) -> bytes:
        """A family's template: rebuilt only when its set of series changes (the tuple compare
        is by identity, as the cached strings are the same objects from scrape to scrape)."""
        parts = tuple(parts)
        hit = self._families.get(key)
        if hit is None or hit[0] != parts:
            hit = self._families[key] = (parts, "\n".join(map(build, parts)).encode())
        return hit[1]

    def render(self) -> bytes:
        # The scrape allocates ~10 objects per series and frees them all (no cycles): a cyclic
        # GC pass triggered meanwhile would walk the whole heap for nothing, several times.
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._render()
        finally:
            if enabled:
                gc.enable()

    def _render(self) -> bytes:
        totals = self.collect()
        requests = sorted((k, v) for k, v in totals.items() if k[0] == "r")
        info = self._info
        rows = [(info.get(k) or self._row(k), v) for k, v in requests]
        every = tuple([r[0] for r, _ in rows])
        out: list[bytes] = []
        for i, (name, slot, help_text) in enumerate(_COUNTERS):
            if i < 3:  # always written, for every series
                lbs, counts = every, [v[slot] for _, v in rows]
            else:
                counts = [v[slot] for _, v in rows]
                if not any(counts):
                    continue
                lbs = tuple([lb for lb, n in zip(every, counts, strict=True) if n])
                counts = [n for n in counts if n]
            out.append(f"# HELP {name} {help_text}\n# TYPE {name} counter".encode())
            if lbs:
                out.append(self._family(("c", i), lbs, _counter_line(name)) % tuple(counts))
        for h, (name, sum_slot, b0, count_slot, help_text) in enumerate(_HISTOGRAMS):
            out.append(f"# HELP {name} {help_text}\n# TYPE {name} histogram".encode())
            parts: list[str] = []
            values: list[float] = []
            b1 = b0 + m.NB
            for row, v in rows:
                count = v[count_slot]
                if not count:
                    continue
                detailed = row[1]
                parts.append(row[3] if h else row[2])
                cumulative = list(accumulate(v[b0:b1]))
                values += _PICK(cumulative) if detailed else cumulative
                values.append(v[sum_slot] / 1_000_000)
                values.append(count)
            if parts:
                out.append(self._family(("h", h), parts, str) % tuple(values))
        text: list[str] = []
        pools = sorted((k, v) for k, v in totals.items() if k[0] == "p")
        text.append("# HELP frontgate_upstream_connections Upstream pool connections by state.")
        text.append("# TYPE frontgate_upstream_connections gauge")
        for (_kind, labels), v in pools:
            lb = self._label("p", labels)
            text.extend(f'frontgate_upstream_connections{{{lb},state="{s}"}} {v[j]}'
                        for j, s in enumerate(_POOL))  # fmt: skip
        text.append(
            "# HELP frontgate_upstream_waiting Requests waiting for an upstream connection."
        )
        text.append("# TYPE frontgate_upstream_waiting gauge")
        text.extend(f"frontgate_upstream_waiting{{{self._label('p', k[1])}}} {v[3]}"
                    for k, v in pools)  # fmt: skip
        conns = sorted((k[1][0], v) for k, v in totals.items() if k[0] == "n")
        text.append("# HELP frontgate_connections_open Open client connections, by listener.")
        text.append("# TYPE frontgate_connections_open gauge")
        text.extend(f'frontgate_connections_open{{listener="{escape_label(n)}"}} '
                    f"{v[m.CONN_OPEN]}" for n, v in conns)  # fmt: skip
        text.append(
            "# HELP frontgate_connections_limit Client connections a listener keeps open at most."
        )
        text.append("# TYPE frontgate_connections_limit gauge")
        text.extend(f'frontgate_connections_limit{{listener="{escape_label(n)}"}} '
                    f"{v[m.CONN_LIMIT]}" for n, v in conns)  # fmt: skip
        text.append(
            "# HELP frontgate_connections_refused_total Client connections closed on arrival "
            "because a cap was reached (--max-connections, --max-connections-per-client)."
        )
        text.append("# TYPE frontgate_connections_refused_total counter")
        for n, v in conns:
            lb = f'listener="{escape_label(n)}"'
            text.append(f'frontgate_connections_refused_total{{{lb},reason="total"}} '
                        f"{v[m.CONN_REFUSED_TOTAL]}")  # fmt: skip
            text.append(f'frontgate_connections_refused_total{{{lb},reason="per_client"}} '
                        f"{v[m.CONN_REFUSED_PER_CLIENT]}")  # fmt: skip
        if any(k[0] == "w" for k in totals):
            text.extend(ws_prometheus.lines(totals))  # WebSocket APIs' stages and routes
        g = totals.get(("g", ()), [0] * m.G_BLOCK)
        for name, kind, help_text, slots in _GLOBALS:
            text.append(f"# HELP {name} {help_text}\n# TYPE {name} {kind}")
            text.extend(f"{name}{{{lb}}} {g[s]}" if lb else f"{name} {g[s]}" for s, lb in slots)
        text.append(
            "# HELP frontgate_workers Data-plane worker processes whose counters are summed here."
        )
        text.append(f"# TYPE frontgate_workers gauge\nfrontgate_workers {self.workers}")
        text.append("")
        out.append("\n".join(text).encode())
        return b"\n".join(out)
