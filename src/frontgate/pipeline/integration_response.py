"""Stage 3 — integration response: turn what the backend answered into the method response.

Proxy integrations pass status, headers and body through (with AWS's header remapping);
non-proxy integrations select an integration response by ``selectionPattern`` against the
status code, then apply its header mappings and template."""

from __future__ import annotations

from frontgate.compile.snapshot import Integration, IntegrationResponse
from frontgate.http.message import Response
from frontgate.pipeline import errors
from frontgate.pipeline.context import Context
from frontgate.pipeline.values import context_var, source_value

# Renamed to x-amzn-Remapped-<Name> for every integration type (AWS).
_REMAPPED = frozenset(("connection", "content-length", "date", "server"))
_DROPPED = frozenset(("transfer-encoding", "keep-alive", "proxy-connection", "trailer", "upgrade"))
# Lowered name -> what proxy_response does with it: 1 remap, 2 drop, 3 keep (Content-Type).
_SPECIAL = {**dict.fromkeys(_REMAPPED, 1), **dict.fromkeys(_DROPPED, 2), "content-type": 3}


def proxy_response(ctx: Context) -> Response:
    headers: list[tuple[str, str]] = []
    has_type = False
    special = _SPECIAL
    for name, value in ctx.upstream_headers:
        kind = special.get(name.lower())
        if kind is None:
            headers.append((name, value))
        elif kind == 1:
            headers.append(("x-amzn-Remapped-" + name, value))
        elif kind == 3:
            has_type = True
            headers.append((name, value))
    if not has_type and ctx.upstream_body:
        headers.append(("Content-Type", "application/json"))
    return Response(ctx.integration_status or 200, headers, ctx.upstream_body)


def select(integ: Integration, key: str) -> IntegrationResponse:
    default = None
    for entry in integ.responses:
        if entry.pattern is None:
            if default is None:
                default = entry
        elif entry.pattern.fullmatch(key):
            return entry
    if default is None:
        raise errors.internal_error()
    return default


def mapped_response(ctx: Context, integ: Integration) -> Response:
    status = ctx.integration_status or 200
    entry = select(integ, str(status))
    headers: list[tuple[str, str]] = []
    for m in entry.header_mappings:
        kind, name = m.source
        if kind == "intheader":
            value = _upstream_header(ctx, name)
        elif kind == "intbody":
            value = ctx.upstream_body.decode("utf-8", "replace")
        elif kind == "context":
            value = context_var(ctx, name)
        else:
            value = source_value(ctx, m.source)
        if value is not None:
            headers.append((m.name, value))
    content_type = "application/json"
    body = ctx.upstream_body
    if entry.templates:
        content_type, template = _pick_template(ctx, entry.templates)
        # Static templates render as themselves; VTL rendering arrives with mapping templates.
        body = template.encode()
    if not any(n.lower() == "content-type" for n, _ in headers):
        headers.append(("Content-Type", content_type))
    return Response(int(entry.status_code), headers, body)


def _pick_template(ctx: Context, templates: dict[str, str]) -> tuple[str, str]:
    accept = None
    for k, v in ctx.request.headers:
        if k.lower() == "accept":
            # AWS honours only the first media type in Accept.
            accept = v.split(",", 1)[0].split(";", 1)[0].strip()
    if accept and accept in templates:
        return accept, templates[accept]
    if "application/json" in templates:
        return "application/json", templates["application/json"]
    return next(iter(templates.items()))


def _upstream_header(ctx: Context, name: str) -> str | None:
    lname = name.lower()
    for k, v in ctx.upstream_headers:
        if k.lower() == lname:
            return v
    return None
