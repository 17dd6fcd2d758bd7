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
from frontgate.websocket.routing import Response, compile_expression, pick_template

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

    __slots__ = ("body", "context", "event", "parsed", "responds", "route_key", "stage")

    def __init__(
        self,
        stage: WsStage,
        route_key: str,
        body: str,
        parsed: Any,
        event: dict[str, Any],
        context: dict[str, Any],
        responds: bool = False,
    ) -> None:
        self.stage = stage
        self.route_key = route_key
        self.body = body  # the message ("" on $connect / $disconnect)
        self.parsed = parsed  # the message as JSON (routing.parse_body), for template selection
        self.event = event  # the AWS_PROXY event
        self.context = context  # $context variables for templates (connectionId, ...)
        # The route has a route response (two-way): a non-proxy integration then needs an
        # integration response for what it answered.
        self.responds = responds


async def call(env: Any, integ: WsIntegration, c: Call) -> Outcome:
    if integ.type == "AWS_PROXY":
        return await _lambda_proxy(env, integ, c)
    if integ.type == "MOCK":
        return mock(integ, c)
    if integ.type == "AWS":
        text = _render_request(integ, c)
        payload = text if text is not None else (c.body or json.dumps(c.event))
        result = await _invoke_result(env, integ, c, payload.encode())
        answer = result.payload.decode("utf-8", "replace")
        if result.function_error is None:
            return _respond(integ, c, 200, answer)
        # A function error: the integration responses' /regex/ keys are matched against its
        # errorMessage (as REST's selection patterns), else $default takes it.
        return _respond(integ, c, 502, answer, error=_error_message(answer))
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
    return _respond(integ, c, response.status, text, response.headers)


def mock(integ: WsIntegration, c: Call) -> Outcome:
    """MOCK: the request template's ``statusCode`` selects the integration response (no I/O,
    so the session answers it without a task)."""
    text = _render_request(integ, c)
    status = 200
    if text is not None:
        try:
            status = int(json.loads(text)["statusCode"])
        except (ValueError, KeyError, TypeError, OverflowError):
            raise IntegrationFailed(500, "statusCode should be an integer") from None
    return _respond(integ, c, status, "")


# fixed_answer's findings: (integration, responds) by id -> (the integration, its answer). The
# integration is held so that its id cannot be reused while the entry lives; the cache is
# emptied when full (snapshots replace their integrations).
_FIXED: dict[tuple[int, bool], tuple[WsIntegration, tuple[int, str | None] | None]] = {}
_FIXED_MAX = 1024


def fixed_answer(integ: WsIntegration, responds: bool) -> tuple[int, str | None] | None:
    """A MOCK integration whose answer cannot depend on the message: (status, the text
    ``mock`` answers with) — the request template and the integration response's template are
    picked without reading the body and are plain text (nothing to render). None when it
    depends on the message or ``$context``, or when ``mock`` would fail (it then says why)."""
    key = (id(integ), responds)
    hit = _FIXED.get(key)
    if hit is not None and hit[0] is integ:
        return hit[1]
    if len(_FIXED) >= _FIXED_MAX:
        _FIXED.clear()
    found = _fixed(integ, responds)
    _FIXED[key] = (integ, found)
    return found


def _fixed(integ: WsIntegration, responds: bool) -> tuple[int, str | None] | None:
    if integ.type != "MOCK" or _reads_body(integ.template_selection):
        return None
    try:
        text = pick_template(integ.request_templates, integ.template_selection, _NO_BODY)
        if text is None:
            if integ.request_templates and integ.passthrough != "WHEN_NO_MATCH":
                return None
            status = 200
        elif _plain(text):
            status = int(json.loads(text)["statusCode"])
        else:
            return None
    except (ValueError, KeyError, TypeError, OverflowError):
        return None
    chosen = None
    for response in integ.responses:
        if response.key == "$default":
            chosen = chosen or response
        elif _matches(response.key, str(status)):
            chosen = response
            break
    if chosen is None:
        return None if responds else (status, None)
    if _reads_body(chosen.template_selection):
        return None
    template = pick_template(
        chosen.templates, chosen.template_selection, _NO_BODY, Response(status, None)
    )
    if template is None:
        return (status, None)
    return (status, template) if _plain(template) else None


_NO_BODY: Any = object()  # a body no expression that reads none can tell apart


def _reads_body(expression: str) -> bool:
    """Whether a selection expression reads the message (or cannot be read at all)."""
    if not expression:
        return False
    parts = compile_expression(expression).parts
    return any(isinstance(p, tuple) and p[0] in ("body", "unknown") for p in parts)


def _plain(text: str) -> bool:
    """A template VTL renders as it is (``_render``'s shortcut)."""
    return "$" not in text and "#" not in text


def _source_arn(c: Call) -> str:
    s = c.stage
    return f"arn:aws:execute-api:{s.region}:{s.account_id}:{s.api_id}/{s.stage_name}/{c.route_key}"


async def _invoke(env: Any, integ: WsIntegration, c: Call, payload: Any) -> bytes:
    result = await _invoke_result(env, integ, c, payload)
    if result.function_error is not None:
        raise IntegrationFailed(502, "Lambda execution failed due to customer function error")
    payload_out: bytes = result.payload
    return payload_out


async def _invoke_result(env: Any, integ: WsIntegration, c: Call, payload: Any) -> Any:
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
    return result


def _error_message(payload: str) -> str:
    """A function error's ``errorMessage`` (the whole payload when it has none)."""
    try:
        doc = json.loads(payload)
    except (ValueError, RecursionError):
        return payload
    if isinstance(doc, dict) and isinstance(doc.get("errorMessage"), str):
        return str(doc["errorMessage"])
    return payload


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
    except (TypeError, ValueError, OverflowError):
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
        # WHEN_NO_MATCH passes the message through; NEVER and WHEN_NO_TEMPLATES (templates
        # exist, none applies) refuse it.
        if integ.request_templates and integ.passthrough != "WHEN_NO_MATCH":
            raise IntegrationFailed(500, "no request template matched")
        return None
    return _render(text, c, c.body)


def _respond(
    integ: WsIntegration,
    c: Call,
    status: int,
    text: str,
    headers: list[tuple[str, str]] | None = None,
    error: str | None = None,
) -> Outcome:
    """A non-proxy integration's answer through its integration response: the first whose
    ``/regex/`` key matches (the status; a Lambda function's ``errorMessage`` on AWS
    integrations, whose successes take ``$default``), else ``$default``; its template, chosen
    by its template selection expression, renders. A two-way route with none that applies
    fails as AWS's "No match for output mapping"."""
    subject = error if error is not None else None if integ.type == "AWS" else str(status)
    chosen = None
    for response in integ.responses:
        key = response.key
        if key == "$default":
            chosen = chosen or response
        elif subject is not None and _matches(key, subject):
            chosen = response
            break
    if chosen is None:
        if error is not None:
            raise IntegrationFailed(502, "Lambda execution failed due to customer function error")
        if c.responds:
            raise IntegrationFailed(
                500,
                "Execution failed due to configuration error: No match for output mapping and "
                f"no default output mapping configured. Endpoint response status code: {status}",
            )
        return Outcome(status, text if integ.type != "MOCK" else None)
    template = pick_template(
        chosen.templates, chosen.template_selection, c.parsed, Response(status, headers)
    )
    if template is None:
        return Outcome(status, text if integ.type != "MOCK" else None)
    return Outcome(status, _render(template, c, text))


def _matches(key: str, subject: str) -> bool:
    """A ``/regex/`` integration response key against the status or error message (keys are
    checked to compile when written; one that does not matches nothing)."""
    try:
        return re.fullmatch(key[1:-1], subject) is not None
    except re.error:
        return False
