"""What REST's Lambda (CUSTOM) authorizer (``pipeline.lambda_authorizer``) and the HTTP API
Lambda authorizer (``pipeline.http_lambda_authorizer``) share: the function ARN read from the
authorizer URI, the per-stage result cache, and the invocation itself (the call with its 10 s
limit, the trace span, and the answer read as JSON with the function's errors turned into
failures). Each kind keeps its own events, answer validation and outcome rules; how it answers a
failure is passed in as ``Failures``."""

from __future__ import annotations

import json
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from frontgate.gateway_errors import GatewayError
from frontgate.observe.tracing import record_span
from frontgate.pipeline.context import Context

if TYPE_CHECKING:
    from frontgate.pipeline.env import Env

TIMEOUT = 10.0  # seconds: API Gateway's limit for a Lambda authorizer
MAX_ENTRIES = 10_000  # per authorizer and stage; oldest entries are dropped first
_FUNCTION = re.compile(r"/functions/(.+?)/invocations")


def function_arn(uri: str) -> str:
    """The function an ``authorizerUri`` names (``.../functions/{arn}/invocations``), or the
    URI itself when it is of no such form."""
    found = _FUNCTION.search(uri)
    return found.group(1) if found else uri


class _Expiring(Protocol):
    @property
    def expires(self) -> float: ...


R = TypeVar("R", bound=_Expiring)


class ResultCache(Generic[R]):
    """Authorizer results by identity-source values, each until its ``expires`` (monotonic);
    FlushStageAuthorizersCache / ResetAuthorizersCache drop the whole cache
    (``Runtime.flush_authorizers``)."""

    def __init__(self) -> None:
        self.entries: OrderedDict[tuple[str, ...], R] = OrderedDict()

    def get(self, key: tuple[str, ...], now: float) -> R | None:
        found = self.entries.get(key)
        if found is not None and found.expires <= now:
            del self.entries[key]
            return None
        return found

    def put(self, key: tuple[str, ...], result: R) -> None:
        self.entries[key] = result
        if len(self.entries) > MAX_ENTRIES:
            self.entries.popitem(last=False)


def stage_cache(ctx: Context, env: Env, key: tuple[str, str, str]) -> ResultCache[Any]:
    """This stage's result cache for one authorizer (``key``: apiId, stageName, authorizerId),
    made on first use after a (re)deployment or a flush; shared by every route or method of the
    stage that uses the authorizer, as on AWS."""
    authorizers = env.runtime.authorizers
    found = authorizers.get(key)
    if found is not None and found[0] is ctx.stage and isinstance(found[1], ResultCache):
        return found[1]
    cache: ResultCache[Any] = ResultCache()
    authorizers[key] = (ctx.stage, cache)
    return cache


@dataclass(frozen=True, slots=True)
class Failures:
    """How one kind of authorizer answers each failure of the call (factories, so that every
    request raises a fresh error)."""

    unauthorized: Callable[[], GatewayError]  # the function raised "Unauthorized"
    configuration: Callable[[], GatewayError]  # no functions, or the invocation was refused
    timeout: Callable[[], GatewayError]
    function_error: Callable[[], GatewayError]  # any other error the function raised


async def call(
    ctx: Context,
    env: Env,
    function: str,
    event: dict[str, Any],
    source_arn: str | None,
    kind: str,
    failures: Failures,
) -> tuple[Any, int]:
    """Invoke the authorizer function with ``event``; the answer read as JSON (``None`` when it
    is not JSON) and the call's latency in milliseconds. A function error or a failed call
    raises the matching failure."""
    invoker = getattr(env, "functions", None)
    if invoker is None:
        ctx.log("Execution failed due to configuration error: functions are not available")
        raise failures.configuration()
    started = time.perf_counter()
    try:
        out = await invoker.invoke(function, event, source_arn=source_arn, timeout=TIMEOUT)
    except TimeoutError:
        ctx.log("Execution failed due to an authorizer timeout")
        raise failures.timeout() from None
    except Exception as exc:
        ctx.log(f"Execution failed due to configuration error: {exc}")
        raise failures.configuration() from None
    latency = int((time.perf_counter() - started) * 1000)
    # Traced stages get an authorizer span (observe.tracing; nothing when tracing is off).
    attrs = {"aws.lambda.invoked_arn": function, "aws.api_gateway.authorizer.type": kind}
    record_span(ctx, "Lambda authorizer", started, time.perf_counter(), **attrs)
    try:
        doc = json.loads(out.payload or b"null")
    except (ValueError, RecursionError):  # not JSON, or nested too deep to read
        doc = None
    if out.function_error:
        message = doc.get("errorMessage") if isinstance(doc, dict) else None
        if message == "Unauthorized":
            raise failures.unauthorized()
        ctx.log(f"Execution failed due to an authorizer error: {message}")
        raise failures.function_error()
    return doc, latency
