"""HTTP API HTTP_PROXY integrations: the full URL of the integration (``{name}`` holes filled
from the route's path parameters), the client's query string and headers, HTTP API parameter
mapping both ways (``pipeline.http_mapping``), through the pooled upstream client with the
integration's timeout (at most 30 s; a timeout is 503 ``Service Unavailable``).

Headers as an HTTP API sends them: hop-by-hop fields and Host dropped, a ``Forwarded`` field
(RFC 7239: ``for``, ``host``, ``proto``) and ``X-Amzn-Trace-Id`` added."""

from __future__ import annotations

import time

from frontgate import gateway_errors
from frontgate.deferred import Deferred
from frontgate.ids import trace_id
from frontgate.pipeline import http_mapping
from frontgate.pipeline.context import Context
from frontgate.pipeline.env import Env
from frontgate.pipeline.integration_request import (
    DROPPED_REQUEST_HEADERS,
    IntegrationRequest,
    render_uri,
)
from frontgate.pipeline.integration_response import proxy_response
from frontgate.pipeline.integrations.http import gateway_error
from frontgate.snapshot.httpapi import HttpMapping
from frontgate.snapshot.snapshot import Integration
from frontgate.upstream.errors import UpstreamError
from frontgate.upstream.pool import UpstreamResponse


class _Call:
    __slots__ = ("ctx", "done", "mapping", "started")

    def __init__(self, ctx: Context, mapping: HttpMapping | None, done: Deferred[None]) -> None:
        self.ctx = ctx
        self.mapping = mapping
        self.done = done
        self.started = time.perf_counter()

    def __call__(self, resp: UpstreamResponse | None, exc: UpstreamError | None) -> None:
        ctx = self.ctx
        ctx.integration_latency = int((time.perf_counter() - self.started) * 1000)
        if resp is None:
            self.done.fail(gateway_error(ctx, exc))
            return
        ctx.integration_status = resp.status
        ctx.upstream_body = resp.body
        out = proxy_response(ctx, resp)
        mapping = self.mapping
        if mapping is not None and mapping.responses:
            ops = mapping.responses.get(resp.status)
            if ops:
                out = http_mapping.map_response(ctx, ops, out, resp.body)
        ctx.response = out
        self.done.resolve(None)


def build(ctx: Context, integ: Integration) -> IntegrationRequest:
    req = ctx.request
    url = render_uri(integ, ctx.path_params, {})
    query = ctx.raw_query
    headers: list[tuple[str, str]] = []
    has_trace = False
    for name, val in req.headers:
        lname = name.lower()
        if lname in DROPPED_REQUEST_HEADERS:
            continue
        if lname == "x-amzn-trace-id":
            has_trace = True
        headers.append((name, val))
    host = req.host or _host(ctx)
    headers.append(("Forwarded", f"for={req.client_addr[0]};host={host};proto={req.scheme}"))
    if not has_trace:
        headers.append(("X-Amzn-Trace-Id", trace_id()))
    vetted = True
    mapping = integ.http_mapping
    if mapping is not None and mapping.request:
        ops = mapping.request
        values = [http_mapping.value(ctx, op.value) for op in ops]
        headers = http_mapping.apply_headers(ops, headers, values)
        query = http_mapping.apply_query(ops, query, values)
        for op, mapped in zip(ops, values, strict=True):
            if op.target == "path" and mapped is not None:
                url = _with_path(url, mapped)
        vetted = False  # mapped values come from the request: the client scans them
    if query:
        url += ("&" if "?" in url else "?") + query
    method = integ.http_method
    if method == "ANY" or not method:
        method = req.method
    trace = ctx.trace
    if trace is not None:
        headers = trace.propagate(headers)
    return IntegrationRequest(method, url, headers, req.body, vetted)


def _with_path(url: str, path: str) -> str:
    """``url`` with its path (and query) replaced by ``path``."""
    scheme, sep, rest = url.partition("://")
    authority = rest.split("/", 1)[0].split("?", 1)[0]
    return f"{scheme}{sep}{authority}{path if path.startswith('/') else '/' + path}"


def call(ctx: Context, env: Env, integ: Integration) -> Deferred[None]:
    ireq = build(ctx, integ)
    done: Deferred[None] = Deferred()
    try:
        exchange = env.pool.start(
            ireq.method, ireq.url, ireq.headers, ireq.body, integ.timeout,
            _Call(ctx, integ.http_mapping, done), vetted=ireq.vetted,
        )  # fmt: skip
    except ValueError as exc:
        # A request that cannot be written (a mapped value holding CR or LF, a bad URL).
        ctx.error = f"Execution failed due to configuration error: {exc}"
        raise gateway_errors.internal_error() from None
    if not done.settled:
        done.on_cancel(exchange.cancel)
    return done


def _host(ctx: Context) -> str:
    for name, val in ctx.request.headers:
        if name.lower() == "host":
            return val
    return ""
