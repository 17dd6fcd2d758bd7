"""The integration of a Lambda function URL (type ``FUNCTION_URL``, only ever compiled by
``compile.function_urls``): the payload format 2.0 event in (``pipeline.lambda_payload.V2``,
with what function URLs put differently: ``accountId`` "anonymous" without AWS_IAM,
``domainName`` the URL's host, ``requestId`` the request's id), the 2.0 response rules out (a
string or an object without ``statusCode`` is a 200 JSON body; ``isBase64Encoded`` bodies are
decoded; request bodies arrive base64-encoded unless their type is text), the URL's CORS
headers, and the failures as function URLs answer them (a function error, malformed response
or timeout: 502 ``Internal Server Error``; a throttle: 429).

The function's resource policy is checked by the URL's access stage
(``pipeline.function_urls``), so the invocation itself names no source ARN."""

from __future__ import annotations

import logging
import time
from typing import Any

from frontgate.deferred import Continuation, Deferred
from frontgate.functions import errors as lambda_errors
from frontgate.functions.result import InvokeResult
from frontgate.gateway_errors import GatewayError
from frontgate.pipeline import cors
from frontgate.pipeline.context import Context
from frontgate.pipeline.env import Env
from frontgate.pipeline.lambda_payload import V2, MalformedResponse
from frontgate.snapshot.function_urls import FunctionUrl
from frontgate.snapshot.snapshot import Integration

log = logging.getLogger("frontgate.pipeline.integrations.function_url")
_FORMAT = V2()


def bad_gateway() -> GatewayError:
    return GatewayError("BAD_GATEWAY", "Internal Server Error", "InternalServerErrorException")


def throttled() -> GatewayError:
    return GatewayError("THROTTLED", "Rate Exceeded.", "TooManyRequestsException")


def event(ctx: Context, env: Env, url: FunctionUrl) -> dict[str, Any]:
    doc = _FORMAT.event(ctx)
    rc = doc["requestContext"]
    rc["domainName"] = f"{url.url_id}.lambda-url.{url.stage.region}.{env.domain}"
    rc["domainPrefix"] = url.url_id
    rc["requestId"] = ctx.request_id
    iam = (ctx.authorizer or {}).get("iam")
    rc["accountId"] = iam["accountId"] if iam else "anonymous"
    return doc


class _Reply(Continuation[InvokeResult]):
    __slots__ = ("ctx", "done", "started", "url")

    def __init__(self, ctx: Context, url: FunctionUrl, done: Deferred[None]) -> None:
        self.ctx = ctx
        self.url = url
        self.done = done
        self.started = time.perf_counter()

    def settled(self, deferred: Deferred[InvokeResult]) -> None:
        ctx = self.ctx
        ctx.integration_latency = int((time.perf_counter() - self.started) * 1000)
        error = deferred.error
        if error is not None:
            self.done.fail(_invoke_error(ctx, error))
            return
        result = deferred.value
        assert result is not None
        ctx.integration_status = 200
        if result.function_error is not None:
            ctx.error = "function error"
            self.done.fail(bad_gateway())
            return
        try:
            resp = _FORMAT.response(ctx, result.payload)
        except MalformedResponse as exc:
            ctx.error = f"malformed function URL response ({exc})"
            self.done.fail(bad_gateway())
            return
        if self.url.cors is not None:
            cors.add_headers(ctx, resp, self.url.cors)
        ctx.response = resp
        self.done.resolve(None)


def _invoke_error(ctx: Context, exc: BaseException) -> Exception:
    if isinstance(exc, lambda_errors.TooManyRequests):
        return throttled()
    if isinstance(exc, TimeoutError):
        ctx.error = "function timed out"
        return bad_gateway()
    if isinstance(exc, lambda_errors.LambdaError):
        ctx.error = f"{exc.code}: {exc.message}"
        return bad_gateway()
    log.error("request %s: invocation failed", ctx.request_id, exc_info=exc)
    return bad_gateway()


def call(ctx: Context, env: Env, integ: Integration) -> Deferred[None] | None:
    url: FunctionUrl | None = ctx.snapshot.function_urls.get(ctx.api_id)
    invoker = env.functions
    if url is None or invoker is None:
        raise bad_gateway()
    if url.cors is not None:
        answer = cors.answer_preflight(ctx, url.cors)
        if answer is not None:
            answer.status = 200  # Lambda answers a preflight 200 (API Gateway: 204)
            ctx.response = answer
            return None
    done: Deferred[None] = Deferred()
    invoker.begin(
        url.function_arn, event(ctx, env, url), source_arn=None, timeout=integ.timeout
    ).then(_Reply(ctx, url, done))
    return done
