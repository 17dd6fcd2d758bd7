"""Cost of observability on the HTTP_PROXY route: access logging (the console's JSON format, to a
log-group file) plus detailed metrics, against both off — same gateway process, same run.

    python bench/observe_overhead.py [--duration 5] [--repeat 5] [--connections 32]

Uses bench/run.py's machinery (nginx upstream on core 1, the gateway alone on core 0, wrk on
core 1, a snapshot of src/). The stage is switched between the two states with UpdateStage
through the admin API, and the runs interleave (off, on, off, on, …) so drift hits both alike.
Target (issue 6): with both on, >= 95 % of the req/s with both off."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # bench/run.py, imported as a module

CONSOLE_JSON = (
    '{ "requestId":"$context.requestId", "extendedRequestId":"$context.extendedRequestId", '
    '"ip": "$context.identity.sourceIp", "caller":"$context.identity.caller", '
    '"user":"$context.identity.user", "requestTime":"$context.requestTime", '
    '"httpMethod":"$context.httpMethod", "resourcePath":"$context.resourcePath", '
    '"status":"$context.status", "protocol":"$context.protocol", '
    '"responseLength":"$context.responseLength" }'
)
GROUP = "arn:aws:logs:us-east-1:000000000000:log-group:bench/access"


# Both states lift the stage throttle (AWS's default: 10,000 rps, burst 5,000) out of the way.
_UNTHROTTLED = [
    {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "1000000"},
    {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "1000000"},
]


def _switch(client: Any, api_id: str, on: bool) -> None:
    if on:
        ops = [
            {"op": "replace", "path": "/accessLogSettings/format", "value": CONSOLE_JSON},
            {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": GROUP},
            {"op": "replace", "path": "/*/*/metrics/enabled", "value": "true"},
        ]
    else:
        ops = [{"op": "replace", "path": "/*/*/metrics/enabled", "value": "false"}]
        stage = client.get_stage(restApiId=api_id, stageName=bench.STAGE)
        if stage.get("accessLogSettings"):
            ops.append({"op": "remove", "path": "/accessLogSettings"})
    client.update_stage(restApiId=api_id, stageName=bench.STAGE, patchOperations=ops + _UNTHROTTLED)
    time.sleep(0.6)  # the worker polls the store every 0.25 s


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--duration", type=float, default=5.0)
    p.add_argument("--warmup", type=float, default=1.0)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--connections", type=int, default=32)
    a = p.parse_args(argv)
    bench.ensure_tools(False)
    bench.OUT_DIR.mkdir(parents=True, exist_ok=True)
    with bench.managed() as (procs, workdir):
        digest = bench.snapshot_source(workdir)
        upstream = bench.free_port()
        bench.start_nginx(procs, workdir, "upstream.conf.tmpl", bench.LOAD_CORE, port=upstream)
        api_file = workdir / "api.json"
        api_file.write_text(json.dumps(bench.openapi_document(upstream)))
        gw = bench.start_gateway(procs, workdir, api_file, "observe", timeout=120)
        admin = next(int(m[1]) for line in gw.output
                     if (m := re.search(r"admin API http://[^:]+:(\d+)", line)))  # fmt: skip
        client = boto3.client("apigateway", endpoint_url=f"http://127.0.0.1:{admin}",
                              region_name="us-east-1", aws_access_key_id="bench",
                              aws_secret_access_key="bench")  # fmt: skip
        # AWS's default account throttle (10,000 rps) would answer 429s at these rates.
        client.update_account(patchOperations=[
            {"op": "replace", "path": "/throttleSettings/rateLimit", "value": "1000000"},
            {"op": "replace", "path": "/throttleSettings/burstLimit", "value": "1000000"},
        ])  # fmt: skip
        url = f"http://127.0.0.1:{gw.port}/{bench.STAGE}/proxy"
        runs: dict[str, list[float]] = {"off": [], "on": []}
        for _ in range(a.repeat):
            for state in ("off", "on"):
                _switch(client, gw.api_id, state == "on")
                bench.expect_ok(gw.port, gw.host, f"/{bench.STAGE}/proxy", state)
                r = bench.wrk(url, gw.host, connections=a.connections, duration=a.duration,
                              warmup=a.warmup, target=f"HTTP_PROXY observe {state}")  # fmt: skip
                if r.non_2xx:
                    raise RuntimeError(f"{r.non_2xx} non-2xx answers: the figures would be wrong")
                runs[state].append(r.rps)
        # The file rotates at 100 MB during a run: count the backups too.
        logs = (workdir / "data-observe" / "logs" / "bench").glob("access.log*")
        lines = sum(sum(1 for _ in log.open()) for log in logs if not log.name.endswith(".lock"))
        with _Admin(admin) as m:
            metrics_ok = "frontgate_count_total{" in m.get("/metrics")
    off, on = statistics.median(runs["off"]), statistics.median(runs["on"])
    result = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "src_digest": digest, "runs_rps": runs, "median_off": off, "median_on": on,
        "ratio_median": round(on / off, 3),
        "ratio_best": round(max(runs["on"]) / max(runs["off"]), 3),
        "access_log_lines": lines, "detailed_metrics_seen": metrics_ok,
        "target_met": on / off >= 0.95,
    }  # fmt: skip
    out = bench.OUT_DIR / f"observe-{dt.datetime.now():%Y-%m-%d-%H%M%S}.json"
    out.write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    print(f"| HTTP_PROXY, access log (JSON, file) + detailed metrics | {off:,.0f} | {on:,.0f} | "
          f"{on / off:.1%} (best runs {result['ratio_best']:.1%}) |")  # fmt: skip
    return 0


class _Admin:
    def __init__(self, port: int) -> None:
        import http.client

        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def __enter__(self) -> _Admin:
        return self

    def __exit__(self, *exc: object) -> None:
        self.conn.close()

    def get(self, path: str) -> str:
        self.conn.request("GET", path)
        return self.conn.getresponse().read().decode()


if __name__ == "__main__":
    sys.exit(main())
