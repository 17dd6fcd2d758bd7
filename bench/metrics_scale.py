"""How long the Prometheus reader takes to render /metrics with 10,000 routes deployed, every
one of them with detailed metrics and traffic between scrapes (the worst case for its caches).
In process, so the figure is the code's cost, not an HTTP round trip's. Run by hand::

    python bench/metrics_scale.py [--routes 10000] [--scrapes 7]

Issue 6's budget is 100 ms a scrape; compare the fastest render with it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--routes", type=int, default=10_000)
    ap.add_argument("--scrapes", type=int, default=7)
    args = ap.parse_args(argv)

    from frontgate import native
    from frontgate.observe.metrics import Metrics
    from frontgate.observe.prometheus import Reader

    metrics = Metrics()
    metrics.series("r", ("abcdef1234", "dev", "", ""))
    routes = [
        metrics.series("r", ("abcdef1234", "dev", f"/r{i}", "GET")) for i in range(args.routes)
    ]

    def traffic(k: int) -> None:
        for i, base in enumerate(routes):
            latency = 0.0004 + ((i + k) % 9) * 0.003
            metrics.record(base, 200 if i % 50 else 502, latency, 1 + (i + k) % 5)

    traffic(0)
    reader = Reader(metrics.shards)
    started = time.perf_counter()
    reader.render()  # the first scrape builds every series' label text, once
    first = time.perf_counter() - started
    timings = []
    size = 0
    for k in range(1, args.scrapes + 1):
        traffic(k)
        started = time.perf_counter()
        size = len(reader.render())
        timings.append(time.perf_counter() - started)
    out = {
        "routes": args.routes,
        "mode": native.mode,
        "bytes": size,
        "first_ms": round(first * 1000, 1),
        "fastest_ms": round(min(timings) * 1000, 1),
        "median_ms": round(statistics.median(timings) * 1000, 1),
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
