"""Micro-benchmark: what a mapping template costs one request, through the real pipeline.

Methods of one compiled stage are driven through ``Pipeline.run`` in process: the static MOCK
(its status read at compile time, no response template) and a MOCK whose integration response
renders a 10-line template using ``$input.json``, ``$input.params``, ``#foreach`` and
``$util.escapeJavaScript``; then HTTP_PROXY and HTTP non-proxy with a request and a response
template (bench/templates_bench.py's), both against a trivial keep-alive upstream on loopback
in this process (its small cost is in both). Reports CPU µs per request (the best of
``--rounds``, so that a loaded machine disturbs it less) and the ratios of their throughputs
(issue 15's targets: the templated MOCK at ≥ 0.5 of the static one, /http at ≥ 0.6 of /proxy).

    python bench/micro_templates.py [--n 20000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from frontgate.compile.compiler import compile_stage
from frontgate.deferred import Deferred
from frontgate.definition.model import ApiDefinition
from frontgate.http.message import Request, Response
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
REQUEST_TEMPLATE = """{
  "id": "$input.params('id')",
  "agent": "$util.escapeJavaScript($input.params('User-Agent'))",
  "body": $input.json('$')
}"""
RESPONSE_TEMPLATE = """#set($r = $input.path('$'))
{"ok": $r.ok, "id": "$input.params('id')", "upstream": $input.json('$')}"""
UPSTREAM_BODY = b'{"ok":true,"status":"ok","n":1}'
UPSTREAM_RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
    + str(len(UPSTREAM_BODY)).encode()
    + b"\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\n\r\n"
    + UPSTREAM_BODY
)


class _Upstream(asyncio.Protocol):
    """Answers each request (head and any Content-Length body) with UPSTREAM_RESPONSE."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: Any = transport
        self.buf = b""

    def data_received(self, data: bytes) -> None:
        buf = self.buf + data
        while True:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                break
            head = buf[:end].lower()
            length = 0
            at = head.find(b"content-length:")
            if at >= 0:
                length = int(head[at + 15 :].split(b"\r\n", 1)[0])
            if len(buf) < end + 4 + length:
                break
            buf = buf[end + 4 + length :]
            self.transport.write(UPSTREAM_RESPONSE)
        self.buf = buf


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


def http_method(port: int, proxy: bool) -> dict[str, Any]:
    integration: dict[str, Any] = {
        "type": "HTTP_PROXY" if proxy else "HTTP",
        "httpMethod": "GET" if proxy else "POST",
        "uri": f"http://127.0.0.1:{port}/",
    }
    if proxy:
        integration["passthroughBehavior"] = "WHEN_NO_MATCH"
    else:
        integration["passthroughBehavior"] = "WHEN_NO_TEMPLATES"
        integration["requestTemplates"] = {"application/json": REQUEST_TEMPLATE}
        integration["integrationResponses"] = {
            "200": {
                "statusCode": "200",
                "responseTemplates": {"application/json": RESPONSE_TEMPLATE},
            }
        }
    return {"httpMethod": "GET", "authorizationType": "NONE", "methodIntegration": integration}


def build(port: int = 0) -> Pipeline:
    resources = [
        {"id": "root", "path": "/"},
        {"id": "s", "path": "/static", "resourceMethods": {"GET": method(None)}},
        {"id": "t", "path": "/tpl", "resourceMethods": {"GET": method(TEMPLATE)}},
    ]
    if port:
        resources += [
            {"id": "p", "path": "/proxy", "resourceMethods": {"GET": http_method(port, True)}},
            {"id": "h", "path": "/http", "resourceMethods": {"GET": http_method(port, False)}},
        ]
    defn = ApiDefinition({"id": "abc123", "name": "bench"}, resources)
    stage = compile_stage(defn, {"stageName": "dev"}, "us-east-1", "000000000000")
    pipe = Pipeline(Env(domain="localhost", pool=UpstreamPool()))
    pipe.swap(Snapshot(1, {("abc123", "dev"): stage}, frozenset({"abc123"})))
    return pipe


async def settle(out: Any) -> Response:
    """The response, whether the pipeline answered now, with an awaitable or a Deferred."""
    if isinstance(out, Response):
        return out
    if isinstance(out, Deferred):
        future = asyncio.get_running_loop().create_future()
        out.then(lambda d: future.set_result(d))
        d = await future
        if d.error is not None:
            raise d.error
        return d.value  # type: ignore[no-any-return]
    return await out  # type: ignore[no-any-return]


async def drive(pipe: Pipeline, request: Request, n: int, rounds: int = 1) -> float:
    for _ in range(200):
        out = await settle(pipe.handle(request))
        assert out.status == 200, (out.status, out.body)
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(n):
            out = pipe.run(Context(request, pipe.snapshot, "rid", "ext"))
            if out.__class__ is not Response:
                out = await settle(out)
        best = min(best, (time.process_time() - start) / n * 1e6)
    return best


async def main(n: int, rounds: int) -> None:
    from frontgate import native

    server = await asyncio.get_running_loop().create_server(_Upstream, "127.0.0.1", 0)
    pipe = build(server.sockets[0].getsockname()[1])
    headers = [("Host", HOST), ("User-Agent", "bench/1")]

    def request(path: str) -> Request:
        return Request("GET", f"/dev/{path}?{QUERY}", headers)

    static = await drive(pipe, request("static"), n, rounds)
    templated = await drive(pipe, request("tpl"), n, rounds)
    proxy = await drive(pipe, request("proxy"), n // 2, rounds)
    http = await drive(pipe, request("http"), n // 2, rounds)
    server.close()
    print(f"request path: {native.mode}")
    print(f"static MOCK: {static:.1f} µs/request")
    print(f"MOCK + 10-line response template: {templated:.1f} µs/request")
    print(f"  throughput ratio: {static / templated:.2f} (target ≥ 0.5)")
    print(f"HTTP_PROXY: {proxy:.1f} µs/request")
    print(f"HTTP + request and response templates: {http:.1f} µs/request")
    print(f"  throughput ratio: {proxy / http:.2f} (target ≥ 0.6)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.n, args.rounds))
