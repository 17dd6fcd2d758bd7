"""AWS_PROXY integrations to Lambda functions: the v1 proxy event in, the proxy response rules
out, with API Gateway's failure mapping (permission/throttle/not found → 500, function error or
malformed answer → 502, integration timeout → 504).

The call reports through a ``Deferred`` that the function's worker settles from its pipe
callback: a warm invocation costs no Task or Future (see frontgate.deferred)."""

from __future__ import annotations

import logging
import time
from typing import Any

from frontgate import gateway_errors
from frontgate.deferred import Continuation, Deferred
from frontgate.functions import errors as lambda_errors
from frontgate.functions.arns import execute_api_arn, integration_function
from frontgate.functions.proxy_event import V1Parts
from frontgate.functions.result import InvokeResult
from frontgate.pipeline import xray
from frontgate.pipeline.context import Context
from frontgate.pipeline.env import Env
from frontgate.pipeline.lambda_payload import (
    FORMAT_V1,
    FORMAT_V2,
    MalformedResponse,
    PayloadFormat,
    http_v1_event,
)
from frontgate.snapshot.snapshot import Integration

log = logging.getLogger("frontgate.pipeline.integrations.lambda")


def _fail(ctx: Context, line: str) -> None:
    ctx.error = line
    ctx.log(line)


class _Reply(Continuation[InvokeResult]):
    """Maps the invocation's outcome onto the context (or a gateway error)."""

    __slots__ = ("ctx", "done", "fmt", "source_arn", "started")

    def __init__(
        self, ctx: Context, done: Deferred[None], source_arn: str | None, fmt: PayloadFormat
    ) -> None:
        self.ctx = ctx
        self.done = done
        self.source_arn = source_arn
        self.fmt = fmt
        self.started = time.perf_counter()

    def settled(self, deferred: Deferred[InvokeResult]) -> None:
        ctx = self.ctx
        ctx.integration_latency = int((time.perf_counter() - self.started) * 1000)
        error = deferred.error
        if error is not None:
            self.done.fail(invoke_error(ctx, error, self.source_arn))
            return
        result = deferred.value
        assert result is not None
        ctx.integration_status = 200
        if result.function_error is not None:
            _fail(
                ctx,
                "Lambda execution failed with status 200 due to customer function error: "
                f"{result.payload[:1024].decode('utf-8', 'replace')}",
            )
            self.done.fail(gateway_errors.bad_gateway())
            return
        try:
            ctx.response = self.fmt.response(ctx, result.payload)
        except MalformedResponse as exc:
            _fail(
                ctx,
                "Execution failed due to configuration error: Malformed Lambda proxy response "
                f"({exc})",
            )
            self.done.fail(gateway_errors.bad_gateway())
            return
        if ctx.exec_log is not None:
            ctx.log(
                f"Received response. Status: 200, Integration latency: {ctx.integration_latency} ms"
            )
        self.done.resolve(None)


def invoke_error(ctx: Context, exc: BaseException, source_arn: str | None) -> Exception:
    """The gateway error (and execution-log line) for an invocation that did not run: timeout
    504, a permission, throttle or Lambda service error 500. Shared with non-proxy Lambda."""
    if isinstance(exc, TimeoutError):
        _fail(ctx, "Execution failed due to a timeout error")
        return gateway_errors.integration_timeout()
    if isinstance(exc, lambda_errors.AccessDenied):
        _fail(
            ctx,
            "Execution failed due to configuration error: Invalid permissions on Lambda "
            f"function: {exc.message}",
        )
        log.warning("%s %s: %s", ctx.request_id, source_arn, exc.message)
        return gateway_errors.internal_error()
    if isinstance(exc, lambda_errors.LambdaError):
        _fail(ctx, f"Lambda invocation failed with status: {exc.status}. {exc.code}: {exc.message}")
        return gateway_errors.internal_error()
    log.error("request %s: invocation failed", ctx.request_id, exc_info=exc)
    _fail(ctx, f"Execution failed: {type(exc).__name__}")
    return gateway_errors.internal_error()


def _source_arn(ctx: Context, integ: Integration) -> str:
    """The SourceArn Lambda's resource policy sees: REST's ``…/{stage}/{VERB}{resourcePath}``;
    an HTTP API's ``…/{stage}/{VERB}{routePath}``, or ``…/{stage}/$default`` for the
    ``$default`` route."""
    stage, method = ctx.stage, ctx.method
    assert stage is not None and method is not None
    if integ.http_api and not method.resource_path:
        return (
            f"arn:aws:execute-api:{stage.region}:{stage.account_id}:{stage.api_id}/"
            f"{ctx.stage_name}/$default"
        )
    return execute_api_arn(
        stage.region,
        stage.account_id,
        stage.api_id,
        ctx.stage_name,
        ctx.request.method,
        method.resource_path,
    )


def call(ctx: Context, env: Env, integ: Integration) -> Deferred[None]:
    invoker = env.functions
    function = integration_function(integ.uri)
    if invoker is None or function is None:
        _fail(
            ctx,
            f"Execution failed due to configuration error: Invalid Lambda function URI {integ.uri}",
        )
        raise gateway_errors.internal_error()
    stage, method = ctx.stage, ctx.method
    assert stage is not None and method is not None
    # With integration credentials (a role) API Gateway calls Lambda as that role, so the
    # function's resource policy is not consulted.
    source_arn = None
    if integ.credentials is None:
        source_arn = _source_arn(ctx, integ)
    fmt: PayloadFormat = FORMAT_V1
    event: V1Parts | dict[str, Any]
    if not integ.http_api:
        # Assembled by the worker (functions/proxy_event); the trace is answered on success.
        event = V1Parts(FORMAT_V1.parts(ctx, xray.begin(ctx)))
    elif integ.payload_format == "2.0":
        event = V1Parts(FORMAT_V2.parts(ctx), v2=True)  # assembled by the worker too
        fmt = FORMAT_V2
    else:
        event = http_v1_event(ctx)
    if ctx.exec_log is not None:
        ctx.log(f"Endpoint request URI: {integ.uri}")
    done: Deferred[None] = Deferred()
    reply = _Reply(ctx, done, source_arn, fmt)
    invoker.begin(function, event, source_arn=source_arn, timeout=integ.timeout).then(reply)
    return done
