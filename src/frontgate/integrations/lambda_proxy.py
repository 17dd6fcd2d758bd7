"""AWS_PROXY integrations to Lambda functions: the v1 proxy event in, the proxy response rules
out, with API Gateway's failure mapping (permission/throttle/not found → 500, function error or
malformed answer → 502, integration timeout → 504)."""

from __future__ import annotations

import logging
import time

from frontgate.compile.snapshot import Integration
from frontgate.functions import errors as lambda_errors
from frontgate.functions.arns import execute_api_arn, integration_function
from frontgate.functions.events import FORMAT_V1, MalformedResponse
from frontgate.pipeline import errors
from frontgate.pipeline.context import Context
from frontgate.pipeline.env import Env

log = logging.getLogger("frontgate.integrations.lambda")


def _fail(ctx: Context, line: str) -> None:
    ctx.error = line
    ctx.log(line)


async def call(ctx: Context, env: Env, integ: Integration) -> None:
    invoker = env.functions
    function = integration_function(integ.uri)
    if invoker is None or function is None:
        _fail(
            ctx,
            f"Execution failed due to configuration error: Invalid Lambda function URI {integ.uri}",
        )
        raise errors.internal_error()
    stage, method = ctx.stage, ctx.method
    assert stage is not None and method is not None
    # With integration credentials (a role) API Gateway calls Lambda as that role, so the
    # function's resource policy is not consulted.
    source_arn = None
    if integ.credentials is None:
        source_arn = execute_api_arn(
            stage.region,
            stage.account_id,
            stage.api_id,
            ctx.stage_name,
            ctx.request.method,
            method.resource_path,
        )
    payload = FORMAT_V1.event(ctx)
    ctx.log(f"Endpoint request URI: {integ.uri}")
    started = time.perf_counter()
    try:
        result = await invoker.invoke(
            function, payload, source_arn=source_arn, timeout=integ.timeout
        )
    except TimeoutError:
        ctx.integration_latency = int((time.perf_counter() - started) * 1000)
        _fail(ctx, "Execution failed due to a timeout error")
        raise errors.integration_timeout() from None
    except lambda_errors.AccessDenied as exc:
        ctx.integration_latency = int((time.perf_counter() - started) * 1000)
        _fail(
            ctx,
            "Execution failed due to configuration error: Invalid permissions on Lambda "
            f"function: {exc.message}",
        )
        log.warning("%s %s: %s", ctx.request_id, source_arn, exc.message)
        raise errors.internal_error() from None
    except lambda_errors.LambdaError as exc:
        ctx.integration_latency = int((time.perf_counter() - started) * 1000)
        _fail(ctx, f"Lambda invocation failed with status: {exc.status}. {exc.code}: {exc.message}")
        raise errors.internal_error() from None
    ctx.integration_latency = int((time.perf_counter() - started) * 1000)
    ctx.integration_status = 200
    if result.function_error is not None:
        _fail(
            ctx,
            "Lambda execution failed with status 200 due to customer function error: "
            f"{result.payload[:1024].decode('utf-8', 'replace')}",
        )
        raise errors.bad_gateway()
    try:
        ctx.response = FORMAT_V1.response(ctx, result.payload)
    except MalformedResponse as exc:
        _fail(
            ctx,
            f"Execution failed due to configuration error: Malformed Lambda proxy response ({exc})",
        )
        raise errors.bad_gateway() from None
    ctx.log(f"Received response. Status: 200, Integration latency: {ctx.integration_latency} ms")
