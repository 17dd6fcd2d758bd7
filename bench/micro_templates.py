"""Micro-benchmark: what a mapping template costs one request, through the real pipeline.

Two MOCK methods of one compiled stage are driven through ``Pipeline.run`` in process: the
static MOCK (its status read at compile time, no response template) and a MOCK whose
integration response renders a 10-line template using ``$input.json``, ``$input.params``,
``#foreach`` and ``$util.escapeJavaScript``. Reports µs per request and the ratio of their
throughputs (issue 15's target: the templated route at ≥ 0.5 of the static one).

    python bench/micro_templates.py [--n 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from frontgate.compile.compiler import compile_stage
from frontgate.definition.model import ApiDefinition
from frontgate.http.message import Request
from frontgate.pipeline.context import Context
from frontgate.pipeline.env import Env
from frontgate.pipeline.runner import Pipeline
from frontgate.snapshot.snapshot import Snapshot
from frontgate.upstream.pool import UpstreamPool

HOST = "abc123.execute-api.localhost"
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
QUERY = "id=42&a=x&b=it%27s&c=%22q%22&d=4"


def method(template: str | None) -> dict[str, Any]:
    response: dict[str, Any] = {"statusCode": "200"}
    if template:
        response["responseTemplates"] = {"application/json": template}
    return {
        "httpMethod": "GET",
        "authorizationType": "NONE",
        "methodIntegration": {
            "type": "MOCK",
            "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "integrationResponses": {"200": response},
        },
    }


def build() -> Pipeline:
    resources = [
        {"id": "root", "path": "/"},
        {"id": "s", "path": "/static", "resourceMethods": {"GET": method(None)}},
        {"id": "t", "path": "/tpl", "resourceMethods": {"GET": method(TEMPLATE)}},
    ]
    defn = ApiDefinition({"id": "abc123", "name": "bench"}, resources)
    stage = compile_stage(defn, {"stageName": "dev"}, "us-east-1", "000000000000")
    pipe = Pipeline(Env(domain="localhost", pool=UpstreamPool()))
    pipe.swap(Snapshot(1, {("abc123", "dev"): stage}, frozenset({"abc123"})))
    return pipe


async def drive(pipe: Pipeline, request: Request, n: int) -> float:
    for _ in range(200):
        out = pipe.handle(request)
        if not hasattr(out, "status"):
            out = await out
        assert out.status == 200, (out.status, out.body)
    start = time.perf_counter()
    for _ in range(n):
        out = pipe.run(Context(request, pipe.snapshot, "rid", "ext"))
        if not hasattr(out, "status"):
            out = await out
    return (time.perf_counter() - start) / n * 1e6


async def main(n: int) -> None:
    from frontgate import native

    pipe = build()
    static = await drive(pipe, Request("GET", "/dev/static?" + QUERY, [("Host", HOST)]), n)
    templated = await drive(pipe, Request("GET", "/dev/tpl?" + QUERY, [("Host", HOST)]), n)
    print(f"request path: {native.mode}")
    print(f"static MOCK: {static:.1f} µs/request")
    print(f"MOCK + 10-line response template: {templated:.1f} µs/request")
    print(f"throughput ratio: {static / templated:.2f} (target ≥ 0.5)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20000)
    asyncio.run(main(parser.parse_args().n))
