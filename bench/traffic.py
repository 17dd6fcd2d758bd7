"""Benchmark of the issue-5 policy route against nginx ``proxy_pass``, same method as
bench/run.py (whose helpers it reuses): nginx upstream and wrk on core 1, the proxy under test
alone on core 0, the nginx baseline measured in the same run.

    python bench/traffic.py [--duration 5] [--connections 32] [--workers 1]

Frontgate serves, on one stage, ``GET /plain`` (HTTP_PROXY, no policy) and ``POST /keyed``
(HTTP_PROXY + apiKeyRequired + a usage plan with throttle and quota + a JSON-schema body
validator), with the access log on (to a file). The plan's limits and the account throttle are
set far above the offered load: every check runs, none refuses. Results go to stdout and
bench/out/traffic-<date>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as core

BODY = '{"name":"rex","age":3}'
SCHEMA = {"type": "object", "required": ["name"],
          "properties": {"name": {"type": "string"}, "age": {"type": "integer"}}}  # fmt: skip
LIMIT = 1_000_000  # far above what one core can offer: the checks run, none refuses


def seed(admin_port: int, upstream: int) -> tuple[str, str]:
    c = boto3.client("apigateway", endpoint_url=f"http://127.0.0.1:{admin_port}",
                     region_name="us-east-1", aws_access_key_id="x",
                     aws_secret_access_key="x")  # fmt: skip
    api = c.create_rest_api(name="traffic-bench")["id"]
    root = c.get_resources(restApiId=api)["items"][0]["id"]
    c.create_model(restApiId=api, name="Pet", contentType="application/json",
                   schema=json.dumps(SCHEMA))  # fmt: skip
    validator = c.create_request_validator(restApiId=api, name="body",
                                           validateRequestBody=True)["id"]  # fmt: skip
    for part, verb, keyed in (("plain", "GET", False), ("keyed", "POST", True)):
        res = c.create_resource(restApiId=api, parentId=root, pathPart=part)["id"]
        extra: dict[str, Any] = {}
        if keyed:
            extra = {"requestValidatorId": validator,
                     "requestModels": {"application/json": "Pet"}}  # fmt: skip
        c.put_method(restApiId=api, resourceId=res, httpMethod=verb, authorizationType="NONE",
                     apiKeyRequired=keyed, **extra)  # fmt: skip
        c.put_integration(restApiId=api, resourceId=res, httpMethod=verb, type="HTTP_PROXY",
                          integrationHttpMethod=verb,
                          uri=f"http://127.0.0.1:{upstream}/")  # fmt: skip
    c.create_deployment(restApiId=api, stageName="dev")
    plan = c.create_usage_plan(name="bench", throttle={"rateLimit": LIMIT, "burstLimit": LIMIT},
                               quota={"limit": 10**9, "period": "DAY"})["id"]  # fmt: skip
    c.update_usage_plan(usagePlanId=plan, patchOperations=[
        {"op": "add", "path": "/apiStages", "value": f"{api}:dev"}])  # fmt: skip
    key = c.create_api_key(name="bench", enabled=True)
    c.create_usage_plan_key(usagePlanId=plan, keyId=key["id"], keyType="API_KEY")
    # The default account throttle (10,000 rps, as on AWS) would cap the measurement itself.
    c.update_account(patchOperations=[
        {"op": "replace", "path": "/throttleSettings/rateLimit", "value": str(LIMIT)},
        {"op": "replace", "path": "/throttleSettings/burstLimit", "value": str(LIMIT)},
    ])  # fmt: skip
    return api, key["value"]


def run_wrk(url: str, host: str, target: str, args: argparse.Namespace, workdir: Path,
            key: str | None = None) -> core.WrkResult:  # fmt: skip
    script = workdir / ("wrk-" + "".join(ch for ch in target if ch.isalnum()) + ".lua")
    lines = [f'wrk.headers["Host"] = "{host}"']
    if key is not None:
        lines += ['wrk.method = "POST"', f"wrk.body = '{BODY}'",
                  'wrk.headers["Content-Type"] = "application/json"',
                  f'wrk.headers["x-api-key"] = "{key}"']  # fmt: skip
    script.write_text("\n".join(lines) + "\n")
    cmd = ["taskset", "-c", core.LOAD_CORE, "wrk", "-t1", f"-c{args.connections}",
           "--latency", "--timeout", "5s", "-s", str(script)]  # fmt: skip
    subprocess.run([*cmd, "-d2s", url], capture_output=True, check=True)  # warm-up
    out = subprocess.run([*cmd, f"-d{args.duration}s", url], capture_output=True, text=True,
                         check=True).stdout  # fmt: skip
    result = core.parse_wrk(target, args.connections, args.duration, out)
    print(
        f"  {target:<34} {result.rps:>10,.0f} req/s  p50 {result.p50_ms:6.3f} ms  "
        f"p99 {result.p99_ms:6.3f} ms  non-2xx {result.non_2xx}",
        flush=True,
    )
    return result


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--duration", type=int, default=5)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--workers", type=int, default=1)
    args = p.parse_args()
    core.ensure_tools(need_profiler=False)
    with core.managed() as (procs, workdir):
        core.snapshot_source(workdir)
        upstream = core.free_port()
        core.start_nginx(procs, workdir, "upstream.conf.tmpl", core.LOAD_CORE, port=upstream)
        nginx_port = core.free_port()
        nginx = core.start_nginx(procs, workdir, "proxy.conf.tmpl", core.GATEWAY_CORE,
                                 port=nginx_port, upstream_port=upstream)  # fmt: skip
        results: dict[str, Any] = {}
        results["nginx"] = run_wrk(f"http://127.0.0.1:{nginx_port}/", "localhost", "nginx",
                                   args, workdir)  # fmt: skip
        procs.stop(nginx)
        port, admin = core.free_port(), core.free_port()
        cmd = core.serve_command("--port", str(port), "--admin-port", str(admin),
                                 "--data-dir", str(workdir / "data"),
                                 "--access-log", str(workdir / "access.log"),
                                 workers=args.workers)  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(workdir / "src")}
        gw = procs.start(cmd, stdout=subprocess.DEVNULL, cwd=workdir, env=env)
        core.wait_for_port(admin, gw, "frontgate admin")
        api, key = seed(admin, upstream)
        host = f"{api}.execute-api.localhost"
        time.sleep(1.0)
        base = f"http://127.0.0.1:{port}/dev"
        results["plain"] = run_wrk(base + "/plain", host, "frontgate GET /plain", args, workdir)
        results["keyed"] = run_wrk(base + "/keyed", host, "frontgate POST /keyed (key+plan+"
                                   "schema+log)", args, workdir, key=key)  # fmt: skip
    nginx_rps = results["nginx"].rps
    summary = {name: {"rps": r.rps, "p50_ms": r.p50_ms, "p99_ms": r.p99_ms,
                      "non_2xx": r.non_2xx, "vs_nginx": round(r.rps / nginx_rps, 3)}
               for name, r in results.items()}  # fmt: skip
    print(json.dumps(summary, indent=1))
    core.OUT_DIR.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y-%m-%d-%H%M%S")
    (core.OUT_DIR / f"traffic-{stamp}.json").write_text(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
