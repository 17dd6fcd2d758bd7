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
import asyncio
import contextlib
import json
import os
import re
import select
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parent.parent
_ADMIN_LINE = re.compile(r"admin API http://[\d.]+:(\d+)")
PG_DSN = "postgresql://postgres@127.0.0.1:5432/"


def openapi(resources: int) -> dict[str, Any]:
    """An OpenAPI 3 document with ``resources`` resources (counting ``/``), each with a GET."""
    paths: dict[str, Any] = {}
    op = {
        "get": {
            "responses": {"200": {"description": "ok"}},
            "x-amazon-apigateway-integration": {
                "type": "mock",
                "requestTemplates": {"application/json": '{"statusCode": 200}'},
                "responses": {"default": {"statusCode": "200"}},
            },
        }
    }
    left = resources - 1
    top = 0
    while left > 0:
        base = f"/t{top}"
        paths[base] = op
        left -= 1
        child = 0
        while left > 0 and child < 99:
            paths[f"{base}/c{child}"] = op
            left -= 1
            child += 1
        top += 1
    return {
        "openapi": "3.0.1",
        "info": {"title": "paging-bench", "version": "1"},
        "paths": paths,
    }


def start(data_dir: Path, state: str | None) -> tuple[subprocess.Popen[bytes], int]:
    cmd = [sys.executable, "-m", "frontgate", "serve", "--port", "0", "--admin-port", "0",
           "--data-dir", str(data_dir), "--log-level", "warning"]  # fmt: skip
    if state:
        cmd += ["--state", state]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    buf, output = b"", []
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 1.0)
        if not ready:
            continue
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            break
        buf += chunk
        *lines, buf = buf.split(b"\n")
        for raw in lines:
            line = raw.decode(errors="replace")
            output.append(line)
            if m := _ADMIN_LINE.search(line):
                return proc, int(m.group(1))
    proc.kill()
    raise RuntimeError("frontgate serve printed no admin URL: " + "\n".join(output[-12:]))


async def _pg(sql: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(PG_DSN + "postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--resources", type=int, default=10_000)
    ap.add_argument("--limit", type=int, default=500)
    ap.add_argument("--state", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--repeat", type=int, default=3, help="full walks to time (best and median)")
    args = ap.parse_args()

    db = None
    state = None
    if args.state == "postgres":
        db = f"fg_bench_{uuid.uuid4().hex[:10]}"
        asyncio.run(_pg(f'CREATE DATABASE "{db}"'))
        state = PG_DSN + db
    with tempfile.TemporaryDirectory(prefix="fg-paging-") as tmp:
        proc, admin_port = start(Path(tmp) / "data", state)
        try:
            client = boto3.client(
                "apigateway",
                endpoint_url=f"http://127.0.0.1:{admin_port}",
                region_name="us-east-1",
                aws_access_key_id="bench",
                aws_secret_access_key="bench",
                config=Config(retries={"max_attempts": 1}, read_timeout=600),
            )
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
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)
            if proc.poll() is None:
                proc.kill()
            if db:
                asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
