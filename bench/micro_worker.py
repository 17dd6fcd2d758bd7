"""Function worker cost per warm invocation, without the gateway: one worker process
(``frontgate.functions.bootstrap``) driven over its pipes with a v1 proxy event, one invocation
at a time. Reports wall time per round trip and the worker's own CPU time per invocation (from
/proc). Run by hand::

    python bench/micro_worker.py [--n 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from frontgate.functions import frames, proxy_event

HANDLER = "def handler(event, context):\n    return {'statusCode': 200, 'body': '{\"ok\":true}'}\n"

# What the gateway sends for a GET with curl's headers (lambda_payload.V1.parts), and the event the
# worker makes of it (sent as JSON text with --json, as the Lambda API's Invoke would).
PARTS = (
    [("Host", "abcdefghij.execute-api.localhost"), ("User-Agent", "curl/7.88.1"),
     ("Accept", "*/*")],
    "Root=1-65f0c0de-0123456789abcdef01234567", "127.0.0.1", 8080, "http", "GET", "/fn", "",
    b"", (), "000000000000", "abcdefghij", "d1e2f3", "dev", {}, "abc123", "/fn", {},
    "AbCdEfGhIjKlMnO=", "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "25/Nov/2026:19:00:00 +0000",
    1795633200000, "1.1", None, None,
)  # fmt: skip
EVENT = proxy_event.v1(PARTS)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--warm", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=1, help="worker processes, all busy at once")
    ap.add_argument("--json", action="store_true", help="send the event as JSON text")
    args = ap.parse_args(argv)
    code = Path(tempfile.mkdtemp(prefix="fg-micro-worker-"))
    (code / "app.py").write_text(HANDLER)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "LAMBDA_TASK_ROOT": str(code),
        "_HANDLER": "app.handler",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/bench",
        "AWS_LAMBDA_LOG_STREAM_NAME": "s",
        "_FRONTGATE_MAX_PROCS": "128",
        "MALLOC_ARENA_MAX": "2",
    }
    for name in ("FRONTGATE_PURE", "PYTHONPATH"):  # which frontgate the worker runs
        if name in os.environ:
            env[name] = os.environ[name]
    # MICRO_WRAP: a command prefix for the worker, e.g. "valgrind --tool=callgrind".
    wrap = os.environ.get("MICRO_WRAP", "").split()
    procs = [
        subprocess.Popen(
            [*wrap, sys.executable, "-m", "frontgate.functions.bootstrap"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=code,
            bufsize=0,
        )
        for _ in range(args.workers)
    ]
    decoders = [frames.Decoder() for _ in procs]

    def frame(k: int) -> tuple[Any, bytes]:
        stdout = procs[k].stdout
        assert stdout is not None
        while True:
            got = decoders[k].feed(os.read(stdout.fileno(), 65536))
            if got:
                meta, body = got[0]
                result = frames.result_meta(meta)
                return (result if result is not None else frames.worker_meta(meta)), body

    for k in range(len(procs)):
        ready, _ = frame(k)
        assert (
            isinstance(ready, dict)
            and ready["kind"] == frames.READY
            and not ready.get("init_error")
        ), ready
    # As the gateway sends an event it built (AWS_PROXY); --json: as the Lambda API's Invoke.
    if args.json:
        kind, event = frames.EVENT_JSON, json.dumps(EVENT, separators=(",", ":")).encode()
    else:
        kind, event = frames.EVENT_V1_PARTS, PARTS
    size = len(frames.invoke_body("c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "arn", None, kind, event))

    def invoke(i: int) -> None:
        """One invocation on every worker at once (each has one in flight, as under load)."""
        for k, proc in enumerate(procs):
            body = frames.invoke_body(f"id-{i}-{k}", "arn:aws:lambda:us-east-1:0:function:bench",
                                      None, kind, event)  # fmt: skip
            assert proc.stdin is not None
            frame_ = frames.invoke_frame(int(time.time() * 1000) + 3000, body)
            os.write(proc.stdin.fileno(), frame_)
        for k in range(len(procs)):
            meta_out, _ = frame(k)
            assert isinstance(meta_out, tuple) and not meta_out[0], meta_out  # a result, no error

    rounds, warm = max(1, args.n // len(procs)), max(1, args.warm // len(procs))
    for i in range(warm):
        invoke(i)
    cpu0, t0 = sum(cpu_seconds(p.pid) for p in procs), time.perf_counter()
    for i in range(rounds):
        invoke(i)
    wall, cpu = time.perf_counter() - t0, sum(cpu_seconds(p.pid) for p in procs) - cpu0
    n = rounds * len(procs)
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait()
    print(json.dumps({"n": n, "workers": len(procs), "frame_bytes": size,
                      "wall_us": round(wall / n * 1e6, 1),
                      "worker_cpu_us": round(cpu / n * 1e6, 1)}))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
