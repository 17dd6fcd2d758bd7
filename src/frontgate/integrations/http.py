"""HTTP and HTTP_PROXY integrations: one call through the pooled keep-alive upstream client,
with the integration's timeout; transport failures become AWS's gateway errors."""

from __future__ import annotations

import time

from frontgate.compile.snapshot import Integration
from frontgate.observe import exec_log
from frontgate.pipeline import errors
from frontgate.pipeline.context import Context
from frontgate.pipeline.env import Env
from frontgate.pipeline.integration_request import build_http
from frontgate.pipeline.integration_response import proxy_response
from frontgate.upstream.errors import (
    UpstreamConnectError,
    UpstreamError,
    UpstreamTimeout,
)


async def call(ctx: Context, env: Env, integ: Integration) -> None:
    ireq = build_http(ctx, integ)
    if ctx.exec_log is not None:  # The f-strings below cost more than the rest of ctx.log.
        ctx.log(f"Endpoint request URI: {ireq.url}")
        exec_log.endpoint_request(ctx, ireq.url, ireq.headers, ireq.body)
    started = time.perf_counter()
    try:
        resp = await env.pool.request(ireq.method, ireq.url, ireq.headers, ireq.body, integ.timeout)
    except UpstreamTimeout:
        ctx.integration_latency = int((time.perf_counter() - started) * 1000)
        ctx.error = "Execution failed due to a timeout error"
        ctx.log(ctx.error)
        raise errors.integration_timeout() from None
    except UpstreamConnectError as exc:
        ctx.integration_latency = int((time.perf_counter() - started) * 1000)
        ctx.error = f"Execution failed due to a network error communicating with endpoint: {exc}"
        ctx.log(ctx.error)
        raise errors.integration_failure() from None
    except UpstreamError as exc:
        ctx.integration_latency = int((time.perf_counter() - started) * 1000)
        ctx.error = f"Execution failed: invalid response from endpoint: {exc}"
        ctx.log(ctx.error)
        raise errors.integration_failure() from None
    ctx.integration_latency = int((time.perf_counter() - started) * 1000)
    ctx.integration_status = resp.status
    ctx.upstream_headers = resp.headers
    ctx.upstream_body = resp.body
    if integ.type == "HTTP_PROXY":
        ctx.response = proxy_response(ctx)
    if ctx.exec_log is not None:
        ctx.log(
            f"Received response. Status: {resp.status}, Integration latency: "
            f"{ctx.integration_latency} ms"
        )
