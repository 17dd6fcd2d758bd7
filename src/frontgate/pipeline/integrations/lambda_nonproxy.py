"""REST ``AWS`` integrations to Lambda (non-proxy, ``arn:aws:apigateway:{region}:lambda:path/
2015-03-31/functions/{arn}/invocations``), local or remote.

The event is the rendered request template (or the body passed through, as
``passthroughBehavior`` says; ``{}`` for none). The function's answer is the integration's
body and is mapped by the integration responses, selected as AWS selects them for Lambda: on a
function error ``selectionPattern`` is matched against the error's ``errorMessage``, on success
against the empty string (so the default response answers, and an unmatched error too: 200 with
the error document, as on AWS). ``X-Amz-Invocation-Type: Event`` (a ``requestParameters``
header mapping, or the template's ``requestOverride``) invokes asynchronously: integration
status 202, empty body. Invocation failures are mapped as for AWS_PROXY
(``lambda_proxy.invoke_error``)."""

from __future__ import annotations

import time
from collections.abc import Awaitable
from typing import Any

from frontgate import fastjson, gateway_errors
from frontgate.deferred import Deferred
from frontgate.functions import errors as lambda_errors
from frontgate.functions.arns import execute_api_arn, integration_function
from frontgate.functions.invoker import FunctionInvoker
from frontgate.functions.result import InvokeResult
from frontgate.http.message import Response
from frontgate.observe import exec_log
from frontgate.pipeline import integration_response, templates, xray
from frontgate.pipeline.context import Context
from frontgate.pipeline.env import Env
from frontgate.pipeline.integrations.lambda_proxy import invoke_error
from frontgate.pipeline.values import source_value
from frontgate.snapshot.snapshot import Integration

_EMPTY_EVENT = b"{}"


class _Event:
    """What one invocation sends: the event, how, and with which source ARN."""

    __slots__ = ("body", "client_context", "function", "invocation_type", "source_arn")

    def __init__(
        self,
        function: str,
        body: bytes,
        invocation_type: str,
        client_context: str | None,
        source_arn: str | None,
    ) -> None:
        self.function = function
        self.body = body
        self.invocation_type = invocation_type
        self.client_context = client_context
        self.source_arn = source_arn


class _Reply:
    """Maps a synchronous invocation's outcome onto the method response (a plain callable:
    this module is interpreted, so it may not subclass the compiled ``Continuation``)."""

    __slots__ = ("ctx", "done", "integ", "source_arn", "started")

    def __init__(
        self, ctx: Context, integ: Integration, done: Deferred[None], source_arn: str | None
    ) -> None:
        self.ctx = ctx
        self.integ = integ
        self.done = done
        self.source_arn = source_arn
        self.started = time.perf_counter()

    def __call__(self, deferred: Deferred[InvokeResult]) -> None:
        ctx = self.ctx
        ctx.integration_latency = int((time.perf_counter() - self.started) * 1000)
        error = deferred.error
        if error is not None:
            self.done.fail(invoke_error(ctx, error, self.source_arn))
            return
        result = deferred.value
        assert result is not None
        try:
            ctx.response = _respond(ctx, self.integ, result)
        except Exception as exc:  # a GatewayError: no response matched, a template failed
            self.done.fail(exc)
            return
        self.done.resolve(None)


def _respond(ctx: Context, integ: Integration, result: InvokeResult) -> Response:
    """The mapped method response for the function's answer."""
    ctx.integration_status = result.status
    ctx.upstream_body = result.payload
    if ctx.exec_log is not None:
        ctx.log(
            f"Received response. Status: {result.status}, Integration latency: "
            f"{ctx.integration_latency} ms"
        )
    headers = [("Content-Type", "application/json")]
    if result.status == 200:
        headers.append(("X-Amz-Executed-Version", result.executed_version))
    key = ""
    if result.function_error is not None:
        headers.append(("X-Amz-Function-Error", result.function_error))
        key = error_message(result.payload)
        ctx.log(
            "Lambda execution failed with status 200 due to customer function error: "
            f"{key}. Lambda request id: {ctx.request_id}"
        )
    ctx.upstream_headers = headers
    return integration_response.mapped_response(ctx, integ, key)


def error_message(payload: bytes) -> str:
    """The ``errorMessage`` of a function error's document ("" when it has none): what
    ``selectionPattern`` is matched against."""
    try:
        doc = fastjson.loads(payload)
    except ValueError:
        return ""
    if isinstance(doc, dict):
        message = doc.get("errorMessage")
        if isinstance(message, str):
            return message
        if message is not None:
            return fastjson.dumps(message)
    return ""


def _header(ctx: Context, integ: Integration, rendered: Any, name: str) -> str | None:
    """A header the integration request sets (a mapping, or the template's override)."""
    lname = name.lower()
    value = None
    for m in integ.request_mappings:
        if m.location == "header" and m.name.lower() == lname:
            value = source_value(ctx, m.source)
    if rendered is not None:
        for k, v in templates.overrides(rendered.request_override.get("header")):
            if k.lower() == lname:
                value = v
    return value


def _event(ctx: Context, integ: Integration, function: str) -> _Event:
    body = ctx.request.body
    rendered = None
    if integ.request_compiled or integ.passthrough != "WHEN_NO_MATCH":
        _found, tpl = templates.pick_request_template(
            ctx, integ.request_compiled, integ.passthrough
        )
        if tpl is not None:
            rendered = templates.render_template(ctx, tpl, body)
            body = rendered.text.encode()
    if not body.strip():
        body = _EMPTY_EVENT  # Lambda's event for an empty payload
    invocation_type = "RequestResponse"
    client_context = None
    if integ.request_mappings or rendered is not None:
        invocation_type = _header(ctx, integ, rendered, "X-Amz-Invocation-Type") or invocation_type
        client_context = _header(ctx, integ, rendered, "X-Amz-Client-Context")
    source_arn = None
    # With integration credentials (a role) API Gateway calls Lambda as that role, so the
    # function's resource policy is not consulted.
    if integ.credentials is None:
        stage, method = ctx.stage, ctx.method
        assert stage is not None and method is not None
        source_arn = execute_api_arn(
            stage.region, stage.account_id, stage.api_id, ctx.stage_name,
            ctx.request.method, method.resource_path,
        )  # fmt: skip
    return _Event(function, body, invocation_type, client_context, source_arn)


def _log_request(ctx: Context, event: _Event, trace: str) -> None:
    stage = ctx.stage
    assert stage is not None
    url = (
        f"https://lambda.{stage.region}.amazonaws.com/2015-03-31/functions/{event.function}"
        "/invocations"
    )
    ctx.log(f"Endpoint request URI: {url}")
    headers = [
        ("x-amzn-apigateway-api-id", ctx.api_id),
        ("Accept", "application/json"),
        ("User-Agent", f"AmazonAPIGateway_{ctx.api_id}"),
        ("X-Amzn-Trace-Id", trace),
        ("Content-Type", "application/json"),
    ]
    if event.source_arn is not None:
        headers.append(("X-Amz-Source-Arn", event.source_arn))
    if event.invocation_type != "RequestResponse":
        headers.append(("X-Amz-Invocation-Type", event.invocation_type))
    exec_log.endpoint_request(ctx, url, headers, event.body)


def _invalid(ctx: Context, why: str) -> gateway_errors.GatewayError:
    ctx.error = f"Execution failed due to configuration error: {why}"
    ctx.log(ctx.error)
    return gateway_errors.internal_error()


def call(ctx: Context, env: Env, integ: Integration) -> Deferred[None] | Awaitable[None]:
    invoker = env.functions
    function = integration_function(integ.uri)
    if invoker is None or function is None:
        raise _invalid(ctx, f"Invalid Lambda function URI {integ.uri}")
    event = _event(ctx, integ, function)
    trace = xray.begin(ctx)
    if ctx.exec_log is not None:
        _log_request(ctx, event, trace)
    try:
        fastjson.loads(event.body)  # Lambda takes JSON events only
    except ValueError as exc:
        raise invoke_error(
            ctx,
            lambda_errors.InvalidRequestContent(f"Could not parse request body into json: {exc}"),
            event.source_arn,
        ) from None
    if event.invocation_type == "Event":
        return _invoke_event(ctx, integ, invoker, event)
    if event.invocation_type != "RequestResponse":
        raise invoke_error(
            ctx,
            lambda_errors.InvalidParameterValue(
                f"Unsupported invocation type {event.invocation_type}"
            ),
            event.source_arn,
        )
    done: Deferred[None] = Deferred()
    reply = _Reply(ctx, integ, done, event.source_arn)
    invoker.begin(
        function, event.body, source_arn=event.source_arn, timeout=integ.timeout,
        client_context=event.client_context,
    ).then(reply)  # fmt: skip
    return done


async def _invoke_event(
    ctx: Context, integ: Integration, invoker: FunctionInvoker, event: _Event
) -> None:
    """``X-Amz-Invocation-Type: Event``: queued, answered 202 with an empty body."""
    started = time.perf_counter()
    try:
        await invoker.invoke_event(event.function, event.body, source_arn=event.source_arn)
    except Exception as exc:
        ctx.integration_latency = int((time.perf_counter() - started) * 1000)
        raise invoke_error(ctx, exc, event.source_arn) from None
    ctx.integration_latency = int((time.perf_counter() - started) * 1000)
    ctx.response = _respond(ctx, integ, InvokeResult(b"", None, status=202))
