"""Stage 3 — integration response: turn what the backend answered into the method response.

Proxy integrations pass status, headers and body through (with AWS's header remapping);
non-proxy integrations select an integration response by ``selectionPattern`` against the
status code, then apply its header mappings and render its mapping template (pipeline.templates)
chosen by the first media type of ``Accept``; the template's ``$context.responseOverride`` sets
the status and headers last."""

from __future__ import annotations

from typing import Any, Final

from frontgate import gateway_errors
from frontgate.http.message import Response
from frontgate.pipeline import content_handling, templates
from frontgate.pipeline.context import Context
from frontgate.pipeline.values import body_json_path, context_var, source_value
from frontgate.snapshot.snapshot import Integration, IntegrationResponse
from frontgate.upstream.connection import UpstreamResponse

# Renamed to x-amzn-Remapped-<Name> for every integration type (AWS).
_REMAPPED: Final = frozenset(("connection", "content-length", "date", "server"))
_DROPPED: Final = frozenset(
    ("transfer-encoding", "keep-alive", "proxy-connection", "trailer", "upgrade")
)
# Lowered name -> what proxy_response does with it: 1 remap, 2 drop, 3 keep (Content-Type).
_SPECIAL: Final[dict[str, int]] = {
    **dict.fromkeys(_REMAPPED, 1),
    **dict.fromkeys(_DROPPED, 2),
    "content-type": 3,
}
_SPECIAL_LENS: Final = frozenset(len(name) for name in _SPECIAL)
_REMAP_PREFIX: Final = "x-amzn-Remapped-"
_DEFAULT_TYPE_LINE: Final = "Content-Type: application/json"


def proxy_response(ctx: Context, upstream: UpstreamResponse) -> Response:
    """The method response of a proxy integration: the upstream's status, headers (with AWS's
    remapping) and body. The header lines pass through as the text they came in, never taken
    apart into pairs; the work is on str because mypyc compiles str's methods to direct calls,
    and bytes' not."""
    body = upstream.body
    status = ctx.integration_status or 200
    # Each piece is one "Name: value" line: llhttp refused anything else before we got here
    # (bare CR or LF, obs-fold, control characters, a line without a name or colon; tested in
    # tests/upstream/test_strict_head.py). The last piece is the empty one after the final CRLF.
    pieces = upstream.head.split("\r\n")
    pieces.pop()
    lines: list[str] = []
    has_type = False
    special = _SPECIAL
    lens = _SPECIAL_LENS
    for line in pieces:
        colon = line.find(":")
        if colon not in lens:
            lines.append(line)
            continue
        kind = special.get(line[:colon].lower())
        if kind is None:
            lines.append(line)
        elif kind == 1:
            lines.append(_REMAP_PREFIX + line)
        elif kind == 3:
            has_type = True
            lines.append(line)
    if not has_type and body:
        lines.append(_DEFAULT_TYPE_LINE)
    if not lines:
        return Response(status, [], body)
    lines.append("")
    return Response(status, [], body, "\r\n".join(lines))


_NO_MATCH: Final = (
    "Execution failed due to configuration error: No match for output mapping and no default "
    "output mapping specified for Endpoint Response"
)


def select(integ: Integration, key: str) -> IntegrationResponse | None:
    default = None
    for entry in integ.responses:
        if entry.pattern is None:
            if default is None:
                default = entry
        elif entry.pattern.fullmatch(key):
            return entry
    return default


def mapped_response(ctx: Context, integ: Integration, key: str | None = None) -> Response:
    """The method response of a non-proxy integration. ``key``: what ``selectionPattern`` is
    matched against when not the integration's status code (Lambda: the ``errorMessage``)."""
    status = ctx.integration_status or 200
    entry = select(integ, str(status) if key is None else key)
    if entry is None:  # AWS's 500, and its execution-log line saying why
        ctx.error = _NO_MATCH
        ctx.log(_NO_MATCH)
        raise gateway_errors.internal_error()
    headers: list[tuple[str, str]] = []
    for m in entry.header_mappings:
        kind, name = m.source
        if kind == "intheader":
            value = _upstream_header(ctx, name)
        elif kind == "intbody":  # integration.response.body[.JSONPath]: the body or a value
            value = body_json_path(ctx.upstream_body, name)
        elif kind == "context":
            value = context_var(ctx, name)
        else:
            value = source_value(ctx, m.source)
        if value is not None:
            headers.append((m.name, value))
    content_type = "application/json"
    body = ctx.upstream_body
    status = int(entry.status_code)
    compiled = entry.compiled
    # binaryMediaTypes / contentHandling (pipeline.content_handling): off unless configured.
    converting = content_handling.active(ctx, entry.content_handling)
    binary = converting and content_handling.response_is_binary(
        ctx, _upstream_header(ctx, "content-type")
    )
    rendering = False
    if compiled:
        content_type, tpl = _pick_template(ctx, compiled)
        # A null template (AWS stores an empty one as null) passes the body through.
        rendering = bool(entry.templates.get(content_type))
    if rendering:
        if tpl is None:
            # Did not parse at deployment (an imported definition): AWS's 500.
            templates.render_failed(ctx, "the mapping template does not parse", "response")
        if binary:  # $input.body of a binary payload: its base64 text
            body = content_handling.template_input(body, True)
        rendered = templates.render_template(ctx, tpl, body, "response")
        body = rendered.text.encode()
        if rendered.response_override:  # empty unless the template names $context
            status = _apply_response_override(rendered, status, headers)
    if converting:
        body = content_handling.response_body(ctx, body, entry.content_handling, binary, rendering)
    if not any(n.lower() == "content-type" for n, _ in headers):
        headers.append(("Content-Type", content_type))
    return Response(status, headers, body)


def _apply_response_override(
    rendered: templates.Rendered, status: int, headers: list[tuple[str, str]]
) -> int:
    """``$context.responseOverride``: its status replaces the integration response's, its
    headers replace (or add to) the mapped ones."""
    ov = rendered.response_override
    for name, value in templates.overrides(ov.get("header")):
        if "\r" in value or "\n" in value:
            continue  # a header value cannot hold a line break; AWS drops it
        lname = name.lower()
        headers[:] = [(n, v) for n, v in headers if n.lower() != lname]
        headers.append((name, value))
    wanted = ov.get("status")
    if wanted is not None:
        try:
            code = int(str(wanted))
        except ValueError:
            return status
        if 100 <= code <= 599:
            return code
    return status


def _pick_template(ctx: Context, templates: dict[str, Any]) -> tuple[str, Any]:
    accept = None
    for k, v in ctx.request.headers:
        if len(k) == 6 and k.lower() == "accept":  # length first: most names never lowered
            # AWS honours only the first media type in Accept.
            accept = v.split(",", 1)[0].split(";", 1)[0].strip()
    if accept and accept in templates:
        return accept, templates[accept]
    if "application/json" in templates:
        return "application/json", templates["application/json"]
    return next(iter(templates.items()))


def _upstream_header(ctx: Context, name: str) -> str | None:
    lname = name.lower()
    for k, v in ctx.upstream_header_pairs():
        if k.lower() == lname:
            return v
    return None
