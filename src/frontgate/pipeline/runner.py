"""Runs the stages of ``frontgate.pipeline`` for one request against the current snapshot.

``handle`` returns a ``Response`` directly when no stage needs to wait (MOCK integrations and
every error before the integration), and a coroutine otherwise; the HTTP server writes the
former without scheduling a task. The snapshot is read once per request, so a request that
started on one deployment finishes on it even if a new one is swapped in meanwhile."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable
from os import urandom

from frontgate.compile.snapshot import Integration, Snapshot
from frontgate.http.message import Request, Response
from frontgate.integrations import http as http_integration
from frontgate.integrations import mock as mock_integration
from frontgate.pipeline import errors, integration_response, method_response, route
from frontgate.pipeline.context import Context
from frontgate.pipeline.env import Env
from frontgate.pipeline.errors import GatewayError
from frontgate.pipeline.gateway_response import render

log = logging.getLogger("frontgate.pipeline")

_HTTP_TYPES = frozenset(("HTTP", "HTTP_PROXY"))


def _request_id() -> str:
    return str(uuid.UUID(bytes=urandom(16), version=4))


def _extended_id() -> str:
    # 16 chars of URL-safe base64 ending in "=" like AWS's x-amz-apigw-id.
    import base64

    return base64.urlsafe_b64encode(urandom(11)).decode()[:15] + "="


class Pipeline:
    def __init__(self, env: Env) -> None:
        self.env = env
        self.snapshot = Snapshot.empty()

    def swap(self, snapshot: Snapshot) -> None:
        """Publish a new snapshot: one reference assignment, atomic for every reader."""
        self.snapshot = snapshot

    def handle(self, request: Request) -> Response | Awaitable[Response]:
        ctx = Context(request, self.snapshot, _request_id(), _extended_id())
        return self.run(ctx)

    def run(self, ctx: Context) -> Response | Awaitable[Response]:
        try:
            route.resolve(ctx, self.env)
            method = ctx.method
            assert method is not None
            integ = method.integration
            if integ is None:
                ctx.log("Execution failed due to configuration error: No integration defined")
                raise errors.internal_error()
            itype = integ.type
            if itype in _HTTP_TYPES:
                return self._call_http(ctx, integ)
            if itype == "MOCK":
                mock_integration.call(ctx, integ)
                return self._respond(ctx, integration_response.mapped_response(ctx, integ))
            ctx.log(
                f"Execution failed due to configuration error: {itype} integrations are not "
                "supported by this Frontgate build yet"
            )
            ctx.error = f"{itype} integration not supported"
            raise errors.internal_error()
        except GatewayError as err:
            return self._respond(ctx, render(ctx, err))
        except Exception:
            log.exception("request %s failed", ctx.request_id)
            return self._respond(ctx, render(ctx, errors.internal_error()))

    async def _call_http(self, ctx: Context, integ: Integration) -> Response:
        try:
            await http_integration.call(ctx, self.env, integ)
            if integ.type == "HTTP_PROXY":
                resp = integration_response.proxy_response(ctx)
            else:
                resp = integration_response.mapped_response(ctx, integ)
        except GatewayError as err:
            resp = render(ctx, err)
        except Exception:
            log.exception("request %s failed", ctx.request_id)
            resp = render(ctx, errors.internal_error())
        return self._respond(ctx, resp)

    def _respond(self, ctx: Context, resp: Response) -> Response:
        method_response.finalize(ctx, resp)
        access_log = self.env.access_log
        if access_log is not None:
            access_log.record(ctx, resp, int((time.perf_counter() - ctx.start) * 1000))
        return resp
