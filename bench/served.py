"""A real ``frontgate serve`` for the management-API benchmarks (bench/paging.py,
bench/deploy_load.py): a fresh data directory, a fresh PostgreSQL database when asked, a large
generated OpenAPI document, and a boto3 client for the admin API.

Imported as a module by the scripts beside it (``python bench/<script>.py`` puts bench/ first
on ``sys.path``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import select
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parent.parent
PG_DSN = "postgresql://postgres@127.0.0.1:5432/"
_DATA_LINE = re.compile(r"frontgate: data plane http://[^:]+:(\d+) \(request path (.*)\)$")
_ADMIN_LINE = re.compile(r"admin API http://[\d.]+:(\d+)")


class Served(NamedTuple):
    """A started ``frontgate serve``: its process (the leader of its own process group), the
    admin and data-plane ports, and whether the request path runs compiled or interpreted."""

    proc: subprocess.Popen[bytes]
    admin_port: int
    data_port: int
    mode: str


def openapi(resources: int) -> dict[str, Any]:
    """An OpenAPI 3 document with ``resources`` resources (counting ``/``), each with a GET:
    a tree of top-level paths ``/t{i}`` of 99 children ``/t{i}/c{j}`` each."""
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


def start(data_dir: Path, state: str | None, workers: int = 1) -> Served:
    """Start ``frontgate serve`` on free ports (log level warning, no access log) and return
    once it has printed its admin URL. The sources of this checkout (``src/``) are used."""
    cmd = [sys.executable, "-m", "frontgate", "serve", "--port", "0", "--admin-port", "0",
           "--data-dir", str(data_dir), "--log-level", "warning",
           "--workers", str(workers)]  # fmt: skip
    if state:
        cmd += ["--state", state]
    # This checkout's sources first; a PYTHONPATH of the caller's (e.g. bench/stallprobe, with
    # STALL_PROBE=1) comes after them.
    paths = [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, start_new_session=True
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    buf, output = b"", []
    data_port, mode = 0, "?"
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
            if m := _DATA_LINE.search(line):
                data_port, mode = int(m.group(1)), m.group(2)
            if m := _ADMIN_LINE.search(line):
                return Served(proc, int(m.group(1)), data_port, mode)
    stop(proc)
    raise RuntimeError("frontgate serve printed no admin URL: " + "\n".join(output[-12:]))


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a process started by :func:`start` and its workers (its own process group)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


async def _pg(sql: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(PG_DSN + "postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.contextmanager
def state_store(kind: str) -> Iterator[str | None]:
    """The ``--state`` value for ``kind`` (sqlite: None, the data directory's default; postgres:
    a fresh database on the local PostgreSQL, dropped on exit)."""
    if kind != "postgres":
        yield None
        return
    db = f"fg_bench_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg(f'CREATE DATABASE "{db}"'))
    try:
        yield PG_DSN + db
    finally:
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))


def apigateway(admin_port: int) -> Any:
    """A boto3 API Gateway client for the admin API (no retries: a slow call is a finding)."""
    return boto3.client(
        "apigateway",
        endpoint_url=f"http://127.0.0.1:{admin_port}",
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        config=Config(retries={"max_attempts": 1}, read_timeout=600),
    )
