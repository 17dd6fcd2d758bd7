"""The one place where every pipeline failure becomes a response: the stage's gateway response
for the error's type (customised or AWS's default), plus AWS's error headers."""

from __future__ import annotations

import json
import re

from frontgate.gateway_errors import (
    DEFAULT_STATUS,
    DEFAULT_TEMPLATE,
    HTTP_API_DEFAULT_ERROR,
    HTTP_API_ERRORS,
    GatewayError,
)
from frontgate.http.message import Response
from frontgate.observe.access_format import context_getter
from frontgate.pipeline.context import Context
from frontgate.pipeline.values import context_var, source_value
from frontgate.snapshot.snapshot import GatewayResponse

_CONTEXT_TOKEN = re.compile(r"\$context\.([A-Za-z0-9_.\-]+)")
_DEFAULT = GatewayResponse("DEFAULT", 403, (), DEFAULT_TEMPLATE)


def _http_response(response_type: str, status: int, message: str) -> GatewayResponse:
    return GatewayResponse(
        response_type, status, (), json.dumps({"message": message}, separators=(",", ":"))
    )


# HTTP APIs' fixed answers by response type (gateway_errors.HTTP_API_ERRORS); every HTTP API
# stage is compiled with this table as its gateway responses (compile.httpapi).
HTTP_API_RESPONSES: dict[str, GatewayResponse] = {
    rtype: _http_response(rtype, status, message)
    for rtype, (status, message) in HTTP_API_ERRORS.items()
}
_HTTP_DEFAULT = _http_response("DEFAULT_5XX", *HTTP_API_DEFAULT_ERROR)


def render(ctx: Context, err: GatewayError) -> Response:
    if ctx.http_api:
        return _render_http(ctx, err)
    stage = ctx.stage
    gr = stage.gateway_responses.get(err.response_type) if stage is not None else None
    if gr is None:
        # No stage resolved (unknown API or stage): AWS's defaults, not customisable.
        gr = _DEFAULT
    status = err.status_override or (_status_of(err) if gr is _DEFAULT else gr.status)
    headers: list[tuple[str, str]] = []
    for m in gr.header_mappings:
        value = source_value(ctx, m.source)
        if value is not None:
            headers.append((m.name, value))
    if gr.template == DEFAULT_TEMPLATE and err.capital:
        body = b'{"Message":' + json.dumps(err.message).encode() + b"}"
    elif gr.template == DEFAULT_TEMPLATE and err.spaced:
        body = json.dumps({"message": err.message}).encode()
    else:
        body = _render_template(ctx, err, gr.template).encode()
    headers.append(("Content-Type", gr.content_type))
    headers.append(("x-amzn-ErrorType", err.error_type))
    if err.headers:
        headers.extend(err.headers)
    ctx.error = ctx.error or err.message
    ctx.error_response_type = err.response_type
    return Response(status, headers, body)


def _render_http(ctx: Context, err: GatewayError) -> Response:
    """HTTP APIs: a fixed status and ``{"message":"..."}`` per failure, no ``x-amzn-ErrorType``
    (reference §1.4); headers a failure carries (``Retry-After``, ``WWW-Authenticate``) kept."""
    stage = ctx.stage
    table = stage.gateway_responses if stage is not None else HTTP_API_RESPONSES
    gr = table.get(err.response_type) or _HTTP_DEFAULT
    headers = [("Content-Type", "application/json")]
    if err.headers:
        headers.extend(err.headers)
    ctx.error = ctx.error or err.message
    ctx.error_response_type = err.response_type
    return Response(gr.status, headers, (gr.template or "").encode())


def _status_of(err: GatewayError) -> int:
    return DEFAULT_STATUS.get(err.response_type, 500)


def _render_template(ctx: Context, err: GatewayError, template: str | None) -> str:
    """Gateway-response templates take ``$context``/``$stageVariables`` by plain substitution
    (AWS does not run VTL here)."""
    if not template:
        return ""
    message_string = json.dumps(err.message) if err.message is not None else "null"
    out = template.replace("$context.error.messageString", message_string)
    out = out.replace("$context.error.message", err.message or "")
    out = out.replace("$context.error.responseType", err.response_type)
    if "$" not in out:
        return out
    stage = ctx.stage
    if stage is not None:
        for name, value in stage.variables.items():
            out = out.replace("$stageVariables." + name, value)
    # Every other ``$context`` variable, by the one table access logs use too.
    return _CONTEXT_TOKEN.sub(lambda m: _context_token(ctx, m), out)


def _context_token(ctx: Context, m: re.Match[str]) -> str:
    # A trailing dot or dash is the template's punctuation, not part of the name.
    name = m.group(1).rstrip(".-")
    if context_getter(name) is None:
        return m.group(0)  # not a $context variable: left as written
    return (context_var(ctx, name) or "") + m.group(1)[len(name) :]
