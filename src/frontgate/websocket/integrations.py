"""Calling a WebSocket route's integration: AWS_PROXY (Lambda, AWS's WebSocket events), AWS
(Lambda, non-proxy: request template in, integration response out), HTTP_PROXY (the message
POSTed as it is), HTTP (request template, then the integration response) and MOCK (the request
template's ``statusCode`` selects the integration response).

``call`` returns an ``Outcome``: the integration's status (``$connect`` fails the handshake on a
non-2xx), the text a route response sends back, and the headers (``$connect``:
``Sec-WebSocket-Protocol``). It raises ``IntegrationFailed`` (500, or 502 for a function error)."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from frontgate.functions import errors as lambda_errors
from frontgate.snapshot.websocket import WsIntegration, WsStage
from frontgate.vtl import context as vcontext
from frontgate.vtl.engine import VtlRenderError, compile_template, render
from frontgate.vtl.inputs import Input
from frontgate.vtl.util import UTIL
from frontgate.vtl.values import JavaMap
from frontgate.websocket.routing import pick_template

log = logging.getLogger("frontgate.websocket")


class IntegrationFailed(Exception):
    """The integration could not answer: ``status`` 500 (configuration, permissions, timeout)
    or 502 (the function raised, or answered what cannot be read)."""

    def __init__(self, status: int, why: str) -> None:
        super().__init__(why)
        self.status = status


class Outcome:
    __slots__ = ("headers", "status", "text")

    def __init__(self, status: int, text: str | None, headers: dict[str, str] | None = None):
        self.status = status
        self.text = text
        self.headers = headers or {}


class Call:
    """One integration call's inputs."""

    __slots__ = ("body", "context", "event", "parsed", "route_key", "stage")

    def __init__(
        self,
        stage: WsStage,
        route_key: str,
        body: str,
        parsed: Any,
        event: dict[str, Any],
        context: dict[str, Any],
    ) -> None:
        self.stage = stage
        self.route_key = route_key
        self.body = body  # the message ("" on $connect / $disconnect)
        self.parsed = parsed  # the message as JSON (routing.parse_body), for template selection
        self.event = event  # the AWS_PROXY event
        self.context = context  # $context variables for templates (connectionId, ...)


async def call(env: Any, integ: WsIntegration, c: Call) -> Outcome:
    if integ.type == "AWS_PROXY":
        return await _lambda_proxy(env, integ, c)
    if integ.type == "MOCK":
        return mock(integ, c)
    if integ.type == "AWS":
        text = _render_request(integ, c)
        payload = text if text is not None else (c.body or json.dumps(c.event))
        result = await _invoke(env, integ, c, payload.encode())
        return _respond(integ, c, 200, result.decode("utf-8", "replace"))
    # HTTP_PROXY and HTTP: the message POSTed (integrationMethod) to the URI.
    body = c.body if integ.type == "HTTP_PROXY" else (_render_request(integ, c) or c.body)
    headers = [("Content-Type", "application/json")]
    try:
        response = await env.pool.request(
            integ.method, integ.uri, headers, body.encode(), integ.timeout
        )
    except Exception as exc:
        raise IntegrationFailed(500, f"HTTP integration failed: {exc}") from None
    text = response.body.decode("utf-8", "replace")
    if integ.type == "HTTP_PROXY":
        return Outcome(response.status, text)
    return _respond(integ, c, response.status, text)


def mock(integ: WsIntegration, c: Call) -> Outcome:
    """MOCK: the request template's ``statusCode`` selects the integration response (no I/O,
    so the session answers it without a task)."""
    text = _render_request(integ, c)
    status = 200
    if text is not None:
        try:
            status = int(json.loads(text)["statusCode"])
        except (ValueError, KeyError, TypeError):
            raise IntegrationFailed(500, "statusCode should be an integer") from None
    return _respond(integ, c, status, "")


def _source_arn(c: Call) -> str:
    s = c.stage
    return f"arn:aws:execute-api:{s.region}:{s.account_id}:{s.api_id}/{s.stage_name}/{c.route_key}"


async def _invoke(env: Any, integ: WsIntegration, c: Call, payload: Any) -> bytes:
    invoker = getattr(env, "functions", None)
    if invoker is None:
        raise IntegrationFailed(500, "functions are not available")
    source_arn = None if integ.credentials else _source_arn(c)
    try:
        result = await invoker.invoke(
            integ.uri, payload, source_arn=source_arn, timeout=integ.timeout
        )
    except TimeoutError:
        raise IntegrationFailed(500, "Execution failed due to a timeout error") from None
    except lambda_errors.LambdaError as exc:
        log.warning("%s: Lambda invocation failed: %s", integ.uri, exc)
        raise IntegrationFailed(500, f"Lambda invocation failed: {exc}") from None
    if result.function_error is not None:
        raise IntegrationFailed(502, "Lambda execution failed due to customer function error")
    payload_out: bytes = result.payload
    return payload_out


async def _lambda_proxy(env: Any, integ: WsIntegration, c: Call) -> Outcome:
    payload = await _invoke(env, integ, c, c.event)
    try:
        answer = json.loads(payload or b"null")
    except (ValueError, RecursionError):
        return Outcome(200, payload.decode("utf-8", "replace"))
    if not isinstance(answer, dict):
        return Outcome(200, None if answer is None else json.dumps(answer))
    try:
        status = int(answer.get("statusCode", 200))
    except (TypeError, ValueError):
        raise IntegrationFailed(502, "Malformed Lambda proxy response") from None
    body = answer.get("body")
    headers = answer.get("headers") if isinstance(answer.get("headers"), dict) else {}
    text = None if body is None else body if isinstance(body, str) else json.dumps(body)
    return Outcome(status, text, {str(k): str(v) for k, v in (headers or {}).items()})


def _namespace(c: Call, body: str) -> dict[str, Any]:
    context = c.context

    def lookup(name: str) -> Any:
        return context.get(name, vcontext.MISSING)

    return {
        "input": Input(body.encode(), {}, [], []),
        "util": UTIL,
        "context": vcontext.build(
            lookup, vcontext.new_request_override(), vcontext.new_response_override()
        ),
        "stageVariables": JavaMap(c.stage.variables),
    }


def _render(text: str, c: Call, body: str) -> str:
    if "$" not in text and "#" not in text:
        return text  # no reference, no directive: VTL renders the text as it is
    try:
        return render(compile_template(text), _namespace(c, body))
    except (VtlRenderError, ValueError) as exc:
        raise IntegrationFailed(500, f"Unable to transform: {exc}") from None


def _render_request(integ: WsIntegration, c: Call) -> str | None:
    """The request template the template selection expression picks, rendered; None: none."""
    text = pick_template(integ.request_templates, integ.template_selection, c.parsed)
    if text is None:
        if integ.request_templates and integ.passthrough == "NEVER":
            raise IntegrationFailed(500, "no request template matched")
        return None
    return _render(text, c, c.body)


def _respond(integ: WsIntegration, c: Call, status: int, text: str) -> Outcome:
    """A non-proxy integration's answer through its integration response: the first whose key
    (``/regex/`` on the status) matches, else ``$default``; its template, if any, renders."""
    code = str(status)
    chosen = None
    for response in integ.responses:
        key = response.key
        if key == "$default":
            chosen = chosen or response
        elif key.startswith("/") and key.endswith("/") and re.fullmatch(key[1:-1], code):
            chosen = response
            break
    if chosen is None:
        return Outcome(status, text if integ.type != "MOCK" else None)
    template = pick_template(chosen.templates, chosen.template_selection, None)
    if template is None:
        return Outcome(status, text if integ.type != "MOCK" else None)
    return Outcome(status, _render(template, c, text))
