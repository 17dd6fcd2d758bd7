"""``/metrics``: every worker's shard summed and written in Prometheus text format 0.0.4.

Series whose optional counters (cache, throttling, quota, authorization) never moved are left out,
as a client library does for labels never used; label text is built once per series."""

from __future__ import annotations

from itertools import accumulate
from operator import add

from frontgate.observe import metrics as m

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
_POOL = ("open", "idle", "in_use")
_GLOBALS = (
    ("frontgate_unmatched_requests_total", "counter",
     "Requests that matched no deployed API stage.", ((m.G_UNMATCHED, ""),)),
    ("frontgate_log_dropped_lines_total", "counter",
     "Log lines lost to write failures (full disk, unwritable file).",
     ((m.G_ACCESS_DROPPED, 'log="access"'), (m.G_EXEC_DROPPED, 'log="execution"'))),
    ("frontgate_trace_spans_total", "counter", "Spans handed to the OTLP exporter.",
     ((m.G_SPANS, ""),)),
)  # fmt: skip


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class Reader:
    """Keeps each shard's parsed directory between scrapes; a scrape reads only new entries."""

    def __init__(self, shards: list[m.Shard]) -> None:
        self.shards = shards
        self._read = [0] * len(shards)
        self._entries: list[list[tuple[str, int, tuple[str, ...]]]] = [[] for _ in shards]
        self._labels: dict[tuple[str, tuple[str, ...]], str] = {}
        self._templates: dict[tuple[int, str], str] = {}
        self._rendered: tuple[dict[str, tuple[list[int], str]], ...] = ({}, {})

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
        return totals

    def _label(self, kind: str, labels: tuple[str, ...]) -> str:
        key = (kind, labels)
        text = self._labels.get(key)
        if text is None:
            names = ("api", "stage", "resource", "method") if kind == "r" else ("origin",)
            text = ",".join(f'{n}="{_escape(v)}"' for n, v in zip(names, labels, strict=False) if v)
            self._labels[key] = text
        return text

    def _histogram(self, h: int, name: str, lb: str) -> str:
        key = (h, lb)
        text = self._templates.get(key)
        if text is None:
            lines = [f"{name}_bucket{{{lb},{le}}} %d" for le in _LE]
            lines.append(f"{name}_sum{{{lb}}} %r")
            lines.append(f"{name}_count{{{lb}}} %d")
            text = self._templates[key] = "\n".join(lines)
        return text

    def render(self) -> str:
        totals = self.collect()
        requests = sorted((k, v) for k, v in totals.items() if k[0] == "r")
        label = [(self._label("r", k[1]), v) for k, v in requests]
        out: list[str] = []
        for i, (name, slot, help_text) in enumerate(_COUNTERS):
            rows = [(lb, v[slot]) for lb, v in label if i < 3 or v[slot]]
            if not rows and i >= 3:
                continue
            out.append(f"# HELP {name} {help_text}\n# TYPE {name} counter")
            out.extend([f"{name}{{{lb}}} {n}" for lb, n in rows])
        for h, (name, sum_slot, b0, count_slot, help_text) in enumerate(_HISTOGRAMS):
            out.append(f"# HELP {name} {help_text}\n# TYPE {name} histogram")
            cache = self._rendered[h]
            for lb, v in label:
                count = v[count_slot]
                if not count:
                    continue
                # A series that did not move since the last scrape reuses its text; one that
                # did costs one C-level format (cumulative buckets, sum, count).
                state = v[b0 : b0 + m.NB]
                state.append(v[sum_slot])
                hit = cache.get(lb)
                if hit is None or hit[0] != state:
                    text = self._histogram(h, name, lb) % (
                        *accumulate(state[:-1]),
                        state[-1] / 1_000_000,
                        count,
                    )
                    hit = cache[lb] = (state, text)
                out.append(hit[1])
        pools = sorted((k, v) for k, v in totals.items() if k[0] == "p")
        out.append("# HELP frontgate_upstream_connections Upstream pool connections by state.")
        out.append("# TYPE frontgate_upstream_connections gauge")
        for (_kind, labels), v in pools:
            lb = self._label("p", labels)
            out.extend(f'frontgate_upstream_connections{{{lb},state="{s}"}} {v[j]}'
                       for j, s in enumerate(_POOL))  # fmt: skip
        out.append("# HELP frontgate_upstream_waiting Requests waiting for an upstream connection.")
        out.append("# TYPE frontgate_upstream_waiting gauge")
        out.extend(f"frontgate_upstream_waiting{{{self._label('p', k[1])}}} {v[3]}"
                   for k, v in pools)  # fmt: skip
        g = totals.get(("g", ()), [0] * m.G_BLOCK)
        for name, kind, help_text, slots in _GLOBALS:
            out.append(f"# HELP {name} {help_text}\n# TYPE {name} {kind}")
            out.extend(f"{name}{{{lb}}} {g[s]}" if lb else f"{name} {g[s]}" for s, lb in slots)
        out.append("# HELP frontgate_workers Worker processes whose counters are summed here.")
        out.append(f"# TYPE frontgate_workers gauge\nfrontgate_workers {len(self.shards)}")
        out.append("")
        return "\n".join(out)
