"""How ``--workers 2`` compares with ``--workers 1`` on this machine (issue 13, item 7).

    python bench/workers.py [--duration 5] [--repeat 3] [--connections 64]

Starts nginx as the upstream (as bench/run.py does, one worker) and Frontgate with ``--workers
1``, then ``--workers 2``, each serving bench/run.py's generated API (``GET /proxy``, HTTP_PROXY
to the upstream, and ``GET /mock``, MOCK); wrk (``-t2``) drives each route flat out. Nothing is
pinned: on a 2-core machine the workers, the upstream and wrk share both cores, so this measures
what a second worker buys on such a machine, not the gateway's per-core speed (bench/run.py
measures that, pinned). Prints req/s and p99 per case (median of ``--repeat`` runs) and the
ratio workers 2 / workers 1.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import run as bench  # bench/run.py: nginx upstream, API document, wrk parsing


def _serve(
    procs: bench.Processes, workdir: Path, api_file: Path, workers: int
) -> tuple[subprocess.Popen[bytes], int, str]:
    data = workdir / f"data-{workers}"
    cmd = [sys.executable, "-m", "frontgate", "serve", "--api", str(api_file), "--port", "0",
           "--admin-port", "0", "--data-dir", str(data), "--stage", bench.STAGE,
           "--workers", str(workers), "--log-level", "warning"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(bench.REPO_DIR / "src")}
    proc = procs.start(cmd, stdout=subprocess.PIPE, cwd=workdir, env=env)
    assert proc.stdout is not None
    port = admin = 0
    api_id = ""
    deadline = time.monotonic() + 60
    while not (port and admin and api_id) and time.monotonic() < deadline:
        line = proc.stdout.readline().decode(errors="replace")
        if not line:
            raise RuntimeError(f"frontgate --workers {workers} exited")
        if m := bench._DATA_LINE.search(line):
            port = int(m.group(1))
        if m := bench._ADMIN_LINE.search(line):
            admin = int(m.group(1))
        if m := bench._INVOKE_LINE.search(line):
            api_id = m.group(1)
    bench.lift_account_throttle(admin)
    host = f"{api_id}.execute-api.localhost"
    while bench.http_get(port, host, f"/{bench.STAGE}/proxy")[0] != 200:
        time.sleep(0.05)
    return proc, port, host


def _wrk(port: int, host: str, path: str, connections: int, duration: float) -> tuple[float, float]:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency",
           "-s", str(bench.TEMPLATES / "wrk.lua"), "-H", f"Host: {host}",
           f"http://127.0.0.1:{port}/{bench.STAGE}{path}"]  # fmt: skip
    subprocess.run([*cmd[:3], "-d1s", *cmd[4:]], capture_output=True, check=True)  # warm-up
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    result = bench.parse_wrk(path, connections, duration, out)
    if result.non_2xx or result.socket_errors:
        raise RuntimeError(f"{path}: {result.non_2xx} non-2xx, {result.socket_errors} errors")
    return result.rps, result.p99_ms


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=5.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--connections", type=int, default=64)
    args = ap.parse_args()
    procs = bench.Processes()
    figures: dict[tuple[int, str], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="fg-workers-") as tmp:
        workdir = Path(tmp)
        try:
            upstream = bench.free_port()
            bench.start_nginx(procs, workdir, "upstream.conf.tmpl", "0-1", port=upstream)
            api_file = workdir / "api.json"
            api_file.write_text(json.dumps(bench.openapi_document(upstream)))
            for workers in (1, 2):
                gateway, port, host = _serve(procs, workdir, api_file, workers)
                for _ in range(args.repeat):
                    for path in ("/proxy", "/mock"):
                        figures.setdefault((workers, path), []).append(
                            _wrk(port, host, path, args.connections, args.duration)
                        )
                procs.stop(gateway)
        finally:
            procs.stop_all()
    print(f"{'route':<8} {'workers 1':>12} {'workers 2':>12} {'ratio':>6}   p99 (1 / 2)")
    for path in ("/proxy", "/mock"):
        one = statistics.median(r for r, _ in figures[(1, path)])
        two = statistics.median(r for r, _ in figures[(2, path)])
        p1 = statistics.median(p for _, p in figures[(1, path)])
        p2 = statistics.median(p for _, p in figures[(2, path)])
        print(f"{path:<8} {one:>10,.0f}/s {two:>10,.0f}/s {two / one:>6.2f}   "
              f"{p1:.2f} / {p2:.2f} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
