"""HTTP and HTTP_PROXY integrations: one call through the pooled keep-alive upstream client,
with the integration's timeout; transport failures become AWS's gateway errors.

The call reports through a ``Deferred`` that the upstream connection settles from its own
``data_received``: no Task, no Future (see frontgate.deferred)."""

from __future__ import annotations

import time

from frontgate import gateway_errors
from frontgate.deferred import Deferred
from frontgate.observe import exec_log
from frontgate.pipeline.context import Context
from frontgate.pipeline.env import Env
from frontgate.pipeline.integration_request import build_http
from frontgate.pipeline.integration_response import proxy_response
from frontgate.snapshot.snapshot import Integration
from frontgate.upstream.errors import (
    UpstreamConnectError,
    UpstreamError,
    UpstreamTimeout,
)
from frontgate.upstream.pool import UpstreamResponse


class _Call:
    """The continuation of one integration call: records the outcome on the context."""

    __slots__ = ("ctx", "done", "integ", "started")

    def __init__(self, ctx: Context, integ: Integration, done: Deferred[None]) -> None:
        self.ctx = ctx
        self.integ = integ
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
        proxy = self.integ.type == "HTTP_PROXY"
        if proxy:
            ctx.response = proxy_response(ctx, resp)  # header lines pass through as text
        if not proxy or ctx.exec_log is not None:
            ctx.upstream_head = resp.head  # split into pairs only when read
        if ctx.exec_log is not None:
            ctx.log(
                f"Received response. Status: {resp.status}, Integration latency: "
                f"{ctx.integration_latency} ms"
            )
        self.done.resolve(None)


def gateway_error(ctx: Context, exc: UpstreamError | None) -> gateway_errors.GatewayError:
    if isinstance(exc, UpstreamTimeout):
        ctx.error = "Execution failed due to a timeout error"
        ctx.log(ctx.error)
        return gateway_errors.integration_timeout()
    if isinstance(exc, UpstreamConnectError):
        ctx.error = f"Execution failed due to a network error communicating with endpoint: {exc}"
        ctx.log(ctx.error)
        return gateway_errors.integration_failure()
    ctx.error = f"Execution failed: invalid response from endpoint: {exc}"
    ctx.log(ctx.error)
    return gateway_errors.integration_failure()


def call(ctx: Context, env: Env, integ: Integration) -> Deferred[None]:
    ireq = build_http(ctx, integ)
    if ctx.exec_log is not None:  # The f-strings below cost more than the rest of ctx.log.
        ctx.log(f"Endpoint request URI: {ireq.url}")
        exec_log.endpoint_request(ctx, ireq.url, ireq.headers, ireq.body)
    done: Deferred[None] = Deferred()
    try:
        exchange = env.pool.start(
            ireq.method, ireq.url, ireq.headers, ireq.body, integ.timeout,
            _Call(ctx, integ, done), vetted=ireq.vetted,
        )  # fmt: skip
    except ValueError as exc:
        # A request that cannot be written: a value mapped from the client's request (a
        # percent-decoded query string...) put CR or LF into a header. The client's doing, so
        # AWS's 500 and an execution-log line, never a traceback per request.
        ctx.error = f"Execution failed due to configuration error: {exc}"
        ctx.log(ctx.error)
        raise gateway_errors.internal_error() from None
    if not done.settled:
        done.on_cancel(exchange.cancel)
    return done
