"""Issue 15's side-by-side run for mapping templates, over HTTP with wrk (the method of
bench/run.py: gateway alone on core 0, wrk and the nginx upstream on core 1, one worker):

* ``GET /mock`` (MOCK, static response) against ``GET /tpl`` (MOCK whose integration response
  renders the issue's 10-line template: ``$input.json``, ``$input.params``, ``#foreach``,
  ``$util.escapeJavaScript``) — target: /tpl at ≥ 0.5 of /mock's req/s;
* ``GET /proxy`` (HTTP_PROXY) against ``GET /http`` (HTTP non-proxy with a request template
  and a response template) — target: /http at ≥ 0.6 of /proxy's req/s.

    python bench/templates_bench.py [--duration 5] [--connections 32] [--repeat 3]

Besides req/s, each measured run reports the gateway's CPU time per request (user + system of
its process group, from /proc/<pid>/stat, over the measured run only): on a machine shared with
other work, req/s of the four routes drift with what else runs, while CPU per request mostly
does not, so the ratio of CPU per request is the steadier reading of the same targets.

The run uses the tree's state at its start (compiled modules too, when built in place with
``python setup.py build_ext --inplace``); the banner line says which."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run

QUERY = "id=42&a=x&b=it%27s&c=%22q%22&d=4"
TEMPLATE = """#set($q = $input.params().querystring)
{
  "id": "$input.params('id')",
  "body": $input.json('$'),
  "params": {
#foreach($k in $q.keySet())
    "$k": "$util.escapeJavaScript($q.get($k))"#if($foreach.hasNext),#end
#end
  }
}"""
REQUEST_TEMPLATE = """{
  "id": "$input.params('id')",
  "agent": "$util.escapeJavaScript($input.params('User-Agent'))",
  "body": $input.json('$')
}"""
RESPONSE_TEMPLATE = """#set($r = $input.path('$'))
{"ok": $r.ok, "id": "$input.params('id')", "upstream": $input.json('$')}"""


def document(upstream_port: int) -> dict[str, Any]:
    def mock(template: str) -> dict[str, Any]:
        return {
            "responses": {"200": {"description": "mock"}},
            "x-amazon-apigateway-integration": {
                "type": "mock",
                "requestTemplates": {"application/json": '{"statusCode": 200}'},
                "responses": {
                    "default": {
                        "statusCode": "200",
                        "responseTemplates": {"application/json": template},
                    }
                },
                "passthroughBehavior": "when_no_match",
            },
        }

    uri = f"http://127.0.0.1:{upstream_port}/"
    paths = {
        "/proxy": {
            "get": {
                "responses": {"200": {"description": "upstream"}},
                "x-amazon-apigateway-integration": {
                    "type": "http_proxy", "httpMethod": "GET", "uri": uri,
                    "passthroughBehavior": "when_no_match",
                },
            }
        },
        "/mock": {"get": mock('{"ok":true}')},
        "/tpl": {"get": mock(TEMPLATE)},
        "/http": {
            "get": {
                "responses": {"200": {"description": "templated"}},
                "x-amazon-apigateway-integration": {
                    "type": "http", "httpMethod": "POST", "uri": uri,
                    "passthroughBehavior": "when_no_templates",
                    "requestTemplates": {"application/json": REQUEST_TEMPLATE},
                    "responses": {
                        "default": {
                            "statusCode": "200",
                            "responseTemplates": {"application/json": RESPONSE_TEMPLATE},
                        }
                    },
                },
            }
        },
    }  # fmt: skip
    return {
        "openapi": "3.0.1",
        "info": {"title": "templates-bench", "version": "1"},
        "paths": paths,
    }


def check(port: int, host: str) -> None:
    """Each route answers what its template says before anything is measured."""
    status, body = run.http_get(port, host, f"/{run.STAGE}/tpl?{QUERY}")
    # escapeJavaScript writes \' (as AWS does), which is no JSON: checked as text.
    assert status == 200 and b'"id": "42"' in body and b'"b": "it\\\'s"' in body, body
    status, body = run.http_get(port, host, f"/{run.STAGE}/http?{QUERY}")
    doc = json.loads(body)
    assert status == 200 and doc["ok"] is True and doc["id"] == "42", body
    for path in ("/mock", "/proxy"):
        status, body = run.http_get(port, host, f"/{run.STAGE}{path}")
        assert status == 200 and b'"ok"' in body, (path, body)


def group_cpu(group: int) -> float:
    """CPU seconds (user + system) used so far by the live processes of process group
    ``group`` (the gateway and its worker)."""
    return sum(cpu for g, cpu in run._cpu_by_pid().values() if g == group)


def measure(
    args: argparse.Namespace, workdir: Path
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """req/s and gateway CPU µs per request of each route, one entry per round."""
    procs = run.Processes()
    try:
        digest = run.snapshot_source(workdir)
        upstream_port = run.free_port()
        run.start_nginx(procs, workdir, "upstream.conf.tmpl", run.LOAD_CORE, port=upstream_port)
        api_file = workdir / "templates-api.json"
        api_file.write_text(json.dumps(document(upstream_port)))
        gw = run.start_gateway(procs, workdir, api_file, "templates", run.IMPORT_LIMIT_S)
        print(
            f"source {digest}; gateway: {next((x for x in gw.output if 'request path' in x), '?')}"
        )
        host = f"{gw.api_id}.execute-api.localhost"
        check(gw.port, host)
        rps: dict[str, list[float]] = {p: [] for p in ("mock", "tpl", "proxy", "http")}
        cpu: dict[str, list[float]] = {p: [] for p in rps}
        for _ in range(args.repeat):
            for path in rps:  # interleaved, so that drift hits all alike
                query = f"?{QUERY}" if path in ("tpl", "http") else ""
                url = f"http://127.0.0.1:{gw.port}/{run.STAGE}/{path}{query}"
                c = args.connections
                run.wrk(url, host, connections=c, duration=1.0, warmup=0, target=path)  # warm-up
                before = group_cpu(gw.proc.pid)
                result = run.wrk(
                    url, host, connections=c, duration=args.duration, warmup=0, target=path
                )
                used = group_cpu(gw.proc.pid) - before
                rps[path].append(result.rps)
                cpu[path].append(used / max(result.requests, 1) * 1e6)
        return rps, cpu
    finally:
        procs.stop_all()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    run.ensure_tools(False)
    with tempfile.TemporaryDirectory(prefix="frontgate-tplbench-") as tmp:
        rps, cpu = measure(args, Path(tmp))
    med = {k: statistics.median(v) for k, v in rps.items()}
    us = {k: statistics.median(v) for k, v in cpu.items()}
    print()
    print("| route | req/s (median) | runs | gateway CPU µs/request (median) | runs |")
    print("|---|---|---|---|---|")
    for k, v in rps.items():
        runs = ", ".join(f"{x:,.0f}" for x in v)
        cpus = ", ".join(f"{x:.1f}" for x in cpu[k])
        print(f"| {k} | {med[k]:,.0f} | {runs} | {us[k]:.1f} | {cpus} |")
    for name, a, b, target in (
        ("templated MOCK / static MOCK", "tpl", "mock", 0.5),
        ("HTTP + templates / HTTP_PROXY", "http", "proxy", 0.6),
    ):
        # Per round too: the two routes of a round ran back to back, under the same load.
        rounds = ", ".join(f"{x / y:.2f}" for x, y in zip(rps[a], rps[b], strict=True))
        print(
            f"{name}: {med[a] / med[b]:.2f} by req/s (rounds {rounds}), "
            f"{us[b] / us[a]:.2f} by gateway CPU per request (target ≥ {target})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
