"""``frontgate top``: per-route requests/s, errors/s and p50/p99 latency, refreshed every second
from a node's ``/metrics`` (routes with detailed metrics; stages otherwise), then the WebSocket
API stages' open connections and message rates (``ws_top``)."""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import urllib.request
from typing import Any

from frontgate.observe.ws_top import WsSample, section

_SAMPLE = re.compile(r"^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$")
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')

Key = tuple[str, ...]  # api, stage[, resource, method]


class Sample:
    """Counts, error counts and latency buckets per route at one moment."""

    def __init__(self, text: str, at: float) -> None:
        self.at = at
        self.count: dict[Key, float] = {}
        self.errors: dict[Key, float] = {}
        self.buckets: dict[Key, dict[float, float]] = {}
        self.ws = WsSample(text)  # the WEBSOCKET section's numbers
        for line in text.splitlines():
            m = _SAMPLE.match(line)
            if m is None:
                continue
            name, labels, value = m.group(1), dict(_LABEL.findall(m.group(2) or "")), m.group(3)
            if "api" not in labels:
                continue
            key: Key = (labels["api"], labels["stage"])
            if "resource" in labels:
                key += (labels["resource"], labels["method"])
            if name == "frontgate_count_total":
                self.count[key] = float(value)
            elif name in ("frontgate_4xx_error_total", "frontgate_5xx_error_total"):
                self.errors[key] = self.errors.get(key, 0.0) + float(value)
            elif name == "frontgate_latency_seconds_bucket":
                self.buckets.setdefault(key, {})[float(labels["le"])] = float(value)


def quantile(q: float, buckets: dict[float, float]) -> float | None:
    """Like PromQL's histogram_quantile: linear inside the bucket holding the rank."""
    bounds = sorted(buckets)
    if not bounds or buckets[bounds[-1]] <= 0:
        return None
    rank = q * buckets[bounds[-1]]
    lower, below = 0.0, 0.0
    for bound in bounds:
        if buckets[bound] >= rank:
            if bound == float("inf"):
                return lower
            inside = buckets[bound] - below
            return lower + (bound - lower) * ((rank - below) / inside if inside else 0.0)
        lower, below = bound, buckets[bound]
    return lower


def frame(prev: Sample, now: Sample, limit: int = 40) -> str:
    span = max(now.at - prev.at, 1e-9)
    detailed: list[Key] = [k for k in now.count if len(k) == 4]
    keys = detailed or list(now.count)
    rows = []
    for key in keys:
        delta = {le: n - prev.buckets.get(key, {}).get(le, 0.0)
                 for le, n in now.buckets.get(key, {}).items()}  # fmt: skip
        rps = (now.count[key] - prev.count.get(key, 0.0)) / span
        errs = (now.errors.get(key, 0.0) - prev.errors.get(key, 0.0)) / span
        rows.append((rps, errs, quantile(0.5, delta), quantile(0.99, delta), key))
    rows.sort(key=lambda r: (-r[0], r[4]))
    out = [f"{'ROUTE':<48} {'REQ/S':>9} {'ERR/S':>8} {'P50 ms':>8} {'P99 ms':>8}"]
    for rps, errs, p50, p99, key in rows[:limit]:
        route = f"{key[0]}/{key[1]}" + (f" {key[3]} {key[2]}" if len(key) == 4 else "")
        out.append(f"{route[:48]:<48} {rps:>9.1f} {errs:>8.1f} {_ms(p50):>8} {_ms(p99):>8}")
    if not rows:
        out.append("(no requests yet)")
    out.extend(section(prev.ws, now.ws, span))
    return "\n".join(out)


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.2f}"


def fetch(url: str) -> Sample:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return Sample(resp.read().decode(), time.monotonic())


def run(args: argparse.Namespace) -> int:
    url = args.admin_url.rstrip("/") + "/metrics"
    iterations = 1 if args.once else args.iterations
    clear = sys.stdout.isatty() and iterations != 1
    try:
        prev = fetch(url)
        shown = 0
        while iterations is None or shown < iterations:
            time.sleep(args.interval)
            now = fetch(url)
            text = frame(prev, now)
            stamp = time.strftime("%H:%M:%S")
            print(("\x1b[H\x1b[2J" if clear else "") + f"frontgate top — {url} — {stamp}\n{text}",
                  flush=True)  # fmt: skip
            prev, shown = now, shown + 1
    except KeyboardInterrupt:
        return 0
    except OSError as exc:
        print(f"frontgate top: {url}: {exc}", file=sys.stderr)
        return 1
    return 0


def add_top_command(sub: Any) -> None:
    p = sub.add_parser("top", help="live per-route requests/s, errors and latency")
    default = os.environ.get("FRONTGATE_ADMIN_URL", "http://127.0.0.1:9090")
    # --admin-url as in import/export/status; --admin (the old spelling) still works, unlisted.
    p.add_argument(
        "--admin-url", default=default, help=f"admin API of the node (default {default})"
    )
    p.add_argument("--admin", dest="admin_url", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    p.add_argument("--interval", type=float, default=1.0, help="seconds between refreshes (1)")
    p.add_argument("--iterations", type=int, help="stop after N refreshes")
    p.add_argument("--once", action="store_true", help="one refresh, then exit")
    p.set_defaults(func=run)
