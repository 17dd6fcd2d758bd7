"""Paging a 10,000-resource API through the management API (issue 13, "listing is cheap").

    python bench/paging.py [--resources 10000] [--limit 500] [--state sqlite|postgres] [--repeat 3]

Starts a real ``frontgate serve`` (fresh data directory; ``--state postgres`` uses a fresh
database on the local PostgreSQL, dropped afterwards), imports an OpenAPI document generated in
memory with ``--resources`` resources (a tree: 100 top-level paths of 99 children each, plus
``/``) through ImportRestApi, then times paging every resource with GetResources (``limit``
500) through boto3, page by page. A keyset page costs the same wherever it starts, so the last
page should take about as long as the first; before keyset pagination the whole collection was
loaded for every page (10,000 resources: 21 pages, 12.4 s).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from served import apigateway, openapi, start, state_store, stop


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--resources", type=int, default=10_000)
    ap.add_argument("--limit", type=int, default=500)
    ap.add_argument("--state", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--repeat", type=int, default=3, help="full walks to time (best and median)")
    args = ap.parse_args()

    with state_store(args.state) as state, tempfile.TemporaryDirectory(prefix="fg-paging-") as tmp:
        served = start(Path(tmp) / "data", state)
        try:
            client = apigateway(served.admin_port)
            body = json.dumps(openapi(args.resources)).encode()
            t0 = time.perf_counter()
            api = client.import_rest_api(body=body)
            import_s = time.perf_counter() - t0
            print(
                f"imported {args.resources} resources ({len(body) / 1e6:.1f} MB) "
                f"in {import_s:.1f} s [{args.state}]"
            )
            walks = []
            for _ in range(args.repeat):
                seen: set[str] = set()
                pages: list[float] = []
                position = None
                t0 = time.perf_counter()
                while True:
                    p0 = time.perf_counter()
                    kw = {"position": position} if position else {}
                    out = client.get_resources(restApiId=api["id"], limit=args.limit, **kw)
                    pages.append(time.perf_counter() - p0)
                    seen.update(r["id"] for r in out["items"])
                    position = out.get("position")
                    if not position:
                        break
                total = time.perf_counter() - t0
                if len(seen) != args.resources:
                    raise SystemExit(f"paged {len(seen)} resources, expected {args.resources}")
                walks.append(total)
                print(
                    f"  {len(pages)} pages, {len(seen)} resources in {total:.2f} s; "
                    f"page first {pages[0] * 1e3:.0f} ms, last {pages[-1] * 1e3:.0f} ms, "
                    f"max {max(pages) * 1e3:.0f} ms"
                )
            print(
                f"paging all {args.resources} resources (limit {args.limit}): "
                f"best {min(walks):.2f} s, median {statistics.median(walks):.2f} s"
            )
        finally:
            stop(served.proc)


if __name__ == "__main__":
    main()
