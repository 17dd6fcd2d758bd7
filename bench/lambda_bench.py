"""AWS_PROXY benchmark: a trivial Lambda handler behind a REST API vs the HTTP_PROXY route in the
same run, on one gateway core, plus cold-start time; and the same handler behind an HTTP API
route (AWS_PROXY, payload format 2.0) beside it. Run by hand (not in CI)::

    python bench/lambda_bench.py [--duration 5] [--connections 32] [--repeats 3]

Set-up (reusing bench/run.py's helpers and placement): the upstream nginx and wrk on core 1,
``frontgate serve --workers 1`` on core 0, its function workers on core 1 (``--function-cpus``;
``--function-cpus same`` leaves them on the gateway's core). The function and the API are created
through the admin listener with boto3 (CreateFunction, AddPermission, CreateRestApi ...), as a
user would. Cold start = the first request after a configuration change (new worker process:
interpreter start, runtime import, handler import, first invocation), measured end to end.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import boto3
from run import (
    LOAD_CORE,
    Processes,
    free_port,
    http_get,
    lift_account_throttle,
    managed,
    serve_command,
    start_nginx,
    wait_for_port,
    write_http_api,
    wrk,
)

HANDLER = "def handler(event, context):\n    return {'statusCode': 200, 'body': '{\"ok\":true}'}\n"


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", HANDLER)
    return buf.getvalue()


def _client(service: str, port: int) -> Any:
    return boto3.client(
        service,
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
    )


def setup_api(admin_port: int, upstream_port: int, concurrency: int) -> tuple[str, Any, str]:
    lam, apigw = _client("lambda", admin_port), _client("apigateway", admin_port)
    arn = lam.create_function(
        FunctionName="bench",
        Runtime="python3.11",
        Handler="app.handler",
        Role="arn:aws:iam::000000000000:role/bench",
        Code={"ZipFile": _zip()},
    )["FunctionArn"]
    lam.add_permission(
        FunctionName="bench",
        StatementId="apigw",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
    )
    # As on AWS, invocations beyond the concurrency are throttled: allow one per wrk connection
    # (the default, 100 per function and gateway process, would too; this keeps it explicit).
    lam.put_function_concurrency(FunctionName="bench", ReservedConcurrentExecutions=concurrency)
    api = apigw.create_rest_api(name="lambda-bench")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    routes = {
        "proxy": ("HTTP_PROXY", "GET", f"http://127.0.0.1:{upstream_port}/"),
        "fn": (
            "AWS_PROXY",
            "POST",
            f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations",
        ),
    }
    for part, (itype, verb, uri) in routes.items():
        res = apigw.create_resource(restApiId=api, parentId=root, pathPart=part)["id"]
        apigw.put_method(restApiId=api, resourceId=res, httpMethod="GET", authorizationType="NONE")
        apigw.put_integration(
            restApiId=api,
            resourceId=res,
            httpMethod="GET",
            type=itype,
            integrationHttpMethod=verb,
            uri=uri,
        )
    apigw.create_deployment(restApiId=api, stageName="dev")
    return str(api), lam, str(arn)


def wait_200(port: int, host: str, path: str, timeout: float = 30.0) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        status, _ = http_get(port, host, path)
        if status == 200:
            return time.perf_counter() - started
        time.sleep(0.01)
    raise RuntimeError(f"{path} never answered 200")


def cold_starts(lam: Any, port: int, host: str, n: int) -> list[float]:
    """ms for the first request after each configuration change (a fresh worker)."""
    out: list[float] = []
    for i in range(n):
        # A configuration change retires the warm workers: the next request starts a new one.
        lam.update_function_configuration(
            FunctionName="bench", Environment={"Variables": {"ROUND": str(i)}}
        )
        time.sleep(0.2)  # let this process see the new revision before timing
        started = time.perf_counter()
        status, body = http_get(port, host, "/dev/fn")
        if status != 200:
            raise RuntimeError(f"cold start failed: {status} {body!r}")
        out.append((time.perf_counter() - started) * 1000)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=float, default=5.0)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cold", type=int, default=10, help="cold starts to measure")
    ap.add_argument(
        "--function-cpus",
        default=LOAD_CORE,
        help="--function-cpus for the gateway (default: the load core, off the gateway's core; "
        "'same' leaves the workers on the gateway's core)",
    )
    args = ap.parse_args(argv)
    with managed() as (procs, workdir):
        results = run(procs, workdir, args)
    print(json.dumps(results, indent=1))
    return 0


def run(procs: Processes, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    upstream_port = free_port()
    start_nginx(procs, workdir, "upstream.conf.tmpl", LOAD_CORE, port=upstream_port)
    port, admin = free_port(), free_port()
    placement = [] if args.function_cpus == "same" else ["--function-cpus", args.function_cpus]
    cmd = serve_command("--port", str(port), "--admin-port", str(admin),
                        "--data-dir", str(workdir / "data"), *placement)  # fmt: skip
    gw = procs.start(cmd)
    wait_for_port(admin, gw, "frontgate admin")
    api, lam, arn = setup_api(admin, upstream_port, args.connections)
    http_host = write_http_api(workdir, workdir / "data", upstream_port, arn)
    # AWS's default account throttle (10,000 rps) would cap the HTTP_PROXY route itself.
    lift_account_throttle(admin)
    host = f"{api}.execute-api.localhost"
    wait_200(port, host, "/dev/proxy")
    first = wait_200(port, host, "/dev/fn") * 1000
    wait_200(port, http_host, "/fn")
    colds = cold_starts(lam, port, host, args.cold)
    print(
        f"cold start: first {first:.1f} ms, median of {len(colds)} "
        f"{statistics.median(colds):.1f} ms"
    )
    # Start one worker per connection before measuring (cold starts are measured above).
    wrk(f"http://127.0.0.1:{port}/dev/fn", host, connections=args.connections, duration=3.0,
        warmup=0.0, target="warm-up")  # fmt: skip
    runs: dict[str, list[Any]] = {"HTTP_PROXY": [], "AWS_PROXY": [], "HTTP API AWS_PROXY 2.0": []}
    cases = (
        ("HTTP_PROXY", "/dev/proxy", host),
        ("AWS_PROXY", "/dev/fn", host),
        ("HTTP API AWS_PROXY 2.0", "/fn", http_host),
    )
    for _ in range(args.repeats):  # interleaved, so drift hits all alike
        for name, path, on in cases:
            runs[name].append(
                wrk(
                    f"http://127.0.0.1:{port}{path}",
                    on,
                    connections=args.connections,
                    duration=args.duration,
                    warmup=1.0,
                    target=f"frontgate {name}",
                )
            )
    # Added latency of one warm invocation: one connection, so no queueing hides or adds to it.
    single: dict[str, list[Any]] = {"HTTP_PROXY": [], "AWS_PROXY": []}
    for _ in range(args.repeats):
        for name, path in (("HTTP_PROXY", "/dev/proxy"), ("AWS_PROXY", "/dev/fn")):
            single[name].append(
                wrk(
                    f"http://127.0.0.1:{port}{path}",
                    host,
                    connections=1,
                    duration=args.duration,
                    warmup=1.0,
                    target=f"frontgate {name} c=1",
                )
            )
    out: dict[str, Any] = {
        "function_cpus": args.function_cpus,
        "cold_start_ms": {
            "first": round(first, 1),
            "median": round(statistics.median(colds), 1),
            "all": [round(c, 1) for c in colds],
        },
    }
    for name, rs in runs.items():
        out[name] = {
            "rps": round(statistics.median(r.rps for r in rs)),
            "p50_ms": round(statistics.median(r.p50_ms for r in rs), 3),
            "p99_ms": round(statistics.median(r.p99_ms for r in rs), 3),
        }
    for name, rs in single.items():
        out[f"{name} c=1"] = {
            "rps": round(statistics.median(r.rps for r in rs)),
            "p50_ms": round(statistics.median(r.p50_ms for r in rs), 3),
            "p99_ms": round(statistics.median(r.p99_ms for r in rs), 3),
        }
    px, fn = out["HTTP_PROXY"], out["AWS_PROXY"]
    out["ratio_rps"] = round(fn["rps"] / px["rps"], 3)
    out["http_api_vs_rest_rps"] = round(out["HTTP API AWS_PROXY 2.0"]["rps"] / fn["rps"], 3)
    out["p50_added_ms"] = round(fn["p50_ms"] - px["p50_ms"], 3)
    out["p50_added_ms_c1"] = round(
        out["AWS_PROXY c=1"]["p50_ms"] - out["HTTP_PROXY c=1"]["p50_ms"], 3
    )
    return out


if __name__ == "__main__":
    sys.exit(main())
