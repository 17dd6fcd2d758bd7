"""Runs the stages of ``frontgate.pipeline`` for one request against the current snapshot.

``handle`` returns a ``Response`` directly when no stage needs to wait (MOCK integrations and
every error before the integration), a ``Deferred`` when only the integration waits through a
callback (HTTP and HTTP_PROXY: no Task at all), and a coroutine otherwise; the HTTP server
writes the first at once, continues the second from the upstream's callback and runs the third
as a task. The snapshot is read once per request, so a request that
started on one deployment finishes on it even if a new one is swapped in meanwhile."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable

from frontgate import gateway_errors, gc_policy, ids
from frontgate.deferred import Continuation, Deferred, wait
from frontgate.gateway_errors import GatewayError
from frontgate.http.errors import ProtocolError, error_response
from frontgate.http.message import Request, Response
from frontgate.ids import request_ids
from frontgate.pipeline import compression, integration_response, method_response, route
from frontgate.pipeline.context import Context
from frontgate.pipeline.env import Env
from frontgate.pipeline.gateway_response import render
from frontgate.pipeline.integrations import IntegrationFn, registry
from frontgate.snapshot.snapshot import Integration, Snapshot

log = logging.getLogger("frontgate.pipeline")

# Gateway-response types counted as the throttled / quota / unauthorized metrics.
_EVENTS = {
    "THROTTLED": "throttled",
    "QUOTA_EXCEEDED": "quota",
    "UNAUTHORIZED": "unauthorized",
    "ACCESS_DENIED": "unauthorized",
    "INVALID_API_KEY": "unauthorized",
    "INVALID_SIGNATURE": "unauthorized",
    "EXPIRED_TOKEN": "unauthorized",
}


class Pipeline:
    def __init__(self, env: Env) -> None:
        self.env = env
        self.snapshot = Snapshot.empty()
        self.integrations: dict[str, IntegrationFn] = registry()

    def swap(self, snapshot: Snapshot) -> None:
        """Publish a new snapshot: one reference assignment, atomic for every reader; the
        runtime state made for the previous one is dropped with it, and the functions its
        routes name are served from now on."""
        self.env.runtime.swapped(snapshot)
        if self.env.functions is not None:
            self.env.functions.adopt(snapshot.functions)
        self.snapshot = snapshot
        gc_policy.after_swap()  # the new snapshot: out of later GC passes, in a worker

    def render_protocol_error(self, error: ProtocolError) -> Response:
        """The data plane's answer to a request refused before routing: the HTTP layer's
        (REST's shape), except a 413 for an HTTP API, which answers in HTTP API's shape
        (``{"message":"Request Entity Too Large"}``, ``apigw-requestid``)."""
        head = error.request
        if (
            error.status == 413
            and head is not None
            and route.names_http_api(self.snapshot, self.env, head.host, head.target)
        ):
            status, message = gateway_errors.HTTP_API_ERRORS["REQUEST_TOO_LARGE"]
            body = json.dumps({"message": message}, separators=(",", ":")).encode()
            rid = ids.request_ids()[1]
            return Response(
                status, [("Content-Type", "application/json"), ("apigw-requestid", rid)], body
            )
        return error_response(error)

    def handle(self, request: Request) -> Response | Deferred[Response] | Awaitable[Response]:
        rid, ext = request_ids()
        return self.run(Context(request, self.snapshot, rid, ext))

    def run(self, ctx: Context) -> Response | Deferred[Response] | Awaitable[Response]:
        """Route, then the method's policy stages, then the integration — synchronously for as
        long as no stage returns an awaitable."""
        try:
            route.resolve(ctx, self.env)
            method = ctx.method
            assert method is not None
            stages = method.stages
            for i, stage in enumerate(stages):
                waiting = stage(ctx, self.env)
                if waiting is not None:
                    return self._resume(ctx, waiting, i + 1)
            return self._integrate(ctx)
        except Exception as exc:
            return self._respond(ctx, self._failure(ctx, exc))

    async def _resume(self, ctx: Context, waiting: Awaitable[None], next_stage: int) -> Response:
        try:
            await waiting
            assert ctx.method is not None
            for stage in ctx.method.stages[next_stage:]:
                more = stage(ctx, self.env)
                if more is not None:
                    await more
            result = self._integrate(ctx)
            if isinstance(result, Response):
                return result
            if isinstance(result, Deferred):
                return await wait(result)
            return await result
        except Exception as exc:
            return self._respond(ctx, self._failure(ctx, exc))

    def _integrate(self, ctx: Context) -> Response | Deferred[Response] | Awaitable[Response]:
        assert ctx.method is not None
        integ = ctx.method.integration
        if integ is None:
            ctx.log("Execution failed due to configuration error: No integration defined")
            raise gateway_errors.internal_error()
        call = self.integrations.get(integ.dispatch or integ.type)
        if call is None:
            ctx.error = f"{integ.type} integration not supported"
            ctx.log(
                f"Execution failed due to configuration error: {integ.type} integrations are "
                "not supported by this Frontgate build yet"
            )
            raise gateway_errors.internal_error()
        waiting = call(ctx, self.env, integ)
        if waiting is None:
            return self._respond(ctx, self._response(ctx, integ))
        if isinstance(waiting, Deferred):
            if waiting.settled:
                return self._settle(ctx, integ, waiting)
            out: Deferred[Response] = Deferred()
            waiting.then(_Resume(self, ctx, integ, out))
            out.on_cancel(waiting.cancel)
            return out
        return self._finish(ctx, integ, waiting)

    def _settle(self, ctx: Context, integ: Integration, waiting: Deferred[None]) -> Response:
        """The response once a callback-style integration has settled."""
        try:
            waiting.result()
            resp = self._response(ctx, integ)
        except Exception as exc:
            resp = self._failure(ctx, exc)
        return self._respond(ctx, resp)

    async def _finish(self, ctx: Context, integ: Integration, waiting: Awaitable[None]) -> Response:
        try:
            await waiting
            resp = self._response(ctx, integ)
        except Exception as exc:
            resp = self._failure(ctx, exc)
        return self._respond(ctx, resp)

    @staticmethod
    def _response(ctx: Context, integ: Integration) -> Response:
        if ctx.response is not None:
            return ctx.response
        return integration_response.mapped_response(ctx, integ)

    def _failure(self, ctx: Context, exc: Exception) -> Response:
        """The gateway response for whatever stopped the request: a GatewayError as itself,
        anything else as a logged 500."""
        if isinstance(exc, GatewayError):
            return self._render(ctx, exc)
        log.error("request %s failed", ctx.request_id, exc_info=exc)
        return self._render(ctx, gateway_errors.internal_error())

    def _render(self, ctx: Context, err: GatewayError) -> Response:
        """Count the policy outcomes AWS reports as metrics, then render the gateway response."""
        event = _EVENTS.get(err.response_type)
        if event is not None:
            self.env.metrics.inc(event, ctx)
        return render(ctx, err)

    def _respond(self, ctx: Context, resp: Response) -> Response:
        method_response.finalize(ctx, resp)
        stage = ctx.stage
        if stage is not None and stage.min_compression is not None:
            compression.compress_response(ctx, resp, stage.min_compression)
        # Metrics, access/execution logs and traces, as the compiled stage asks (observe).
        self.env.observer.finish(ctx, resp, self.env)
        return resp


class _Resume(Continuation[None]):
    """Finishes a request once its callback-style integration has settled."""

    __slots__ = ("ctx", "integ", "out", "pipeline")

    def __init__(
        self, pipeline: Pipeline, ctx: Context, integ: Integration, out: Deferred[Response]
    ) -> None:
        self.pipeline = pipeline
        self.ctx = ctx
        self.integ = integ
        self.out = out

    def settled(self, deferred: Deferred[None]) -> None:
        self.out.resolve(self.pipeline._settle(self.ctx, self.integ, deferred))
