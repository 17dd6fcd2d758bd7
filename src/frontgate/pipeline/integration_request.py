"""Stage 2 — integration request: build the URL, headers and body sent to an HTTP backend.

HTTP_PROXY forwards the client's headers and query string; HTTP (non-proxy) sends only what
parameter mappings name, as AWS does. Hop-by-hop and AWS-dropped headers never cross."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from frontgate import gateway_errors
from frontgate.pipeline import content_handling, templates
from frontgate.pipeline.context import Context
from frontgate.pipeline.values import source_value
from frontgate.snapshot.snapshot import Integration

# Dropped from the client request before anything else (AWS's list), plus hop-by-hop headers.
DROPPED_REQUEST_HEADERS = frozenset(
    h.lower()
    for h in (
        "Connection",
        "Content-Length",
        "Content-MD5",
        "Expect",
        "Max-Forwards",
        "Proxy-Authenticate",
        "Server",
        "TE",
        "Transfer-Encoding",
        "Trailer",
        "Upgrade",
        "WWW-Authenticate",
        "Keep-Alive",
        "Proxy-Connection",
        "Proxy-Authorization",
        "Via",
        "Host",
        "X-Forwarded-For",
        "X-Forwarded-Port",
        "X-Forwarded-Proto",
    )
)
# Mapping one of these is a configuration error on AWS (500).
ILLEGAL_MAPPED_HEADERS = frozenset(("content-length", "transfer-encoding"))


class IntegrationRequest:
    """What goes to the backend. ``vetted``: the headers are the client's (parsed by llhttp, so
    free of CR/LF) minus Host and framing fields, plus values Frontgate made; nothing a
    mapping produced. The upstream client then skips its own scan (UpstreamPool.start)."""

    __slots__ = ("body", "headers", "method", "url", "vetted")

    def __init__(
        self,
        method: str,
        url: str,
        headers: list[tuple[str, str]],
        body: bytes,
        vetted: bool = False,
    ) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.vetted = vetted


def build_http(ctx: Context, integ: Integration) -> IntegrationRequest:
    req = ctx.request
    proxy = integ.type == "HTTP_PROXY"
    path_values: dict[str, str] = {}
    extra_query: list[tuple[str, str]] = []
    mapped_headers: list[tuple[str, str]] = []
    body = req.body
    rendered = None
    # binaryMediaTypes / contentHandling (pipeline.content_handling): off unless configured.
    converting = not proxy and content_handling.active(ctx, integ.content_handling)
    if not proxy and (integ.request_compiled or integ.passthrough != "WHEN_NO_MATCH"):
        _found, tpl = templates.pick_request_template(
            ctx, integ.request_compiled, integ.passthrough
        )
        if tpl is not None:
            if converting:  # $input.body of a binary payload: its base64 text
                binary = content_handling.request_is_binary(ctx)
                body = content_handling.template_input(body, binary)
            rendered = templates.render_template(ctx, tpl, body)
            body = rendered.text.encode()
    if converting:
        body = content_handling.request_body(
            ctx, integ.content_handling, body if rendered is not None else None
        )
    for m in integ.request_mappings:
        value = source_value(ctx, m.source)
        if value is None:
            continue
        if m.location == "path":
            path_values[m.name] = value
        elif m.location == "querystring":
            extra_query.append((m.name, value))
        else:
            if m.name.lower() in ILLEGAL_MAPPED_HEADERS:
                ctx.log(f"Execution failed due to configuration error: Illegal header {m.name}")
                raise gateway_errors.internal_error()
            mapped_headers.append((m.name, value))
    # requestOverride: what the template set wins over the mappings (an empty map when the
    # template never names $context: nothing to apply).
    if rendered is not None and rendered.request_override:
        _apply_overrides(ctx, rendered, path_values, extra_query, mapped_headers)
    url = render_uri(integ, ctx.path_params if proxy else {}, path_values)
    query_parts: list[str] = []
    if proxy and ctx.raw_query:
        query_parts.append(ctx.raw_query)
    for name, value in extra_query:
        query_parts.append(quote(name, safe="") + "=" + quote(value, safe=""))
    if query_parts:
        url += ("&" if "?" in url else "?") + "&".join(query_parts)
    headers: list[tuple[str, str]] = []
    if proxy:
        mapped_names = {n.lower() for n, _ in mapped_headers}
        forwarded_for = None
        for name, value in req.headers:
            lname = name.lower()
            if lname == "x-forwarded-for":
                forwarded_for = value
            if lname in DROPPED_REQUEST_HEADERS or lname in mapped_names:
                continue
            headers.append((name, value))
        client_ip = req.client_addr[0]
        headers.append(
            ("X-Forwarded-For", f"{forwarded_for}, {client_ip}" if forwarded_for else client_ip)
        )
        headers.append(("X-Forwarded-Port", str(req.server_port)))
        headers.append(("X-Forwarded-Proto", req.scheme))
    else:
        content_type = None
        for name, value in req.headers:
            if name.lower() == "content-type":
                content_type = value
        if content_type is None and rendered is not None:
            content_type = templates.DEFAULT_TYPE  # the template it was rendered with
        if content_type is not None and req.method not in ("GET", "HEAD", "OPTIONS"):
            headers.append(("Content-Type", content_type))
        headers.append(("Accept", "application/json"))
        headers.append(("User-Agent", f"AmazonAPIGateway_{ctx.api_id}"))
    headers.extend(mapped_headers)
    headers.append(("X-Amzn-Apigateway-Api-Id", ctx.api_id))
    trace = ctx.trace
    if trace is not None:  # tracingEnabled: our trace context replaces the client's
        headers = trace.propagate(headers)
    method = integ.http_method or req.method
    if method == "ANY":
        method = req.method
    return IntegrationRequest(method, url, headers, body, not mapped_headers)


def _apply_overrides(
    ctx: Context,
    rendered: templates.Rendered,
    path_values: dict[str, str],
    extra_query: list[tuple[str, str]],
    mapped_headers: list[tuple[str, str]],
) -> None:
    ov = rendered.request_override
    for name, value in templates.overrides(ov.get("path")):
        # One path segment of the integration URI: what a URI cannot hold is percent-encoded
        # ("%" kept, so a value that is already encoded is not encoded twice).
        path_values[name] = quote(value, safe="!$&'()*+,;=:@%")
    replaced: set[str] = set()
    for name, value in override_pairs(ov.get("querystring")):
        if name not in replaced:  # the override replaces the mapped values of that name
            replaced.add(name)
            extra_query[:] = [(n, v) for n, v in extra_query if n != name]
        extra_query.append((name, value))
    replaced.clear()
    for name, value in override_pairs(ov.get("header")):
        if name.lower() in ILLEGAL_MAPPED_HEADERS:
            ctx.log(f"Execution failed due to configuration error: Illegal header {name}")
            raise gateway_errors.internal_error()
        if "\r" in value or "\n" in value:
            ctx.log(f"Execution failed due to configuration error: Invalid header value {name}")
            raise gateway_errors.internal_error()
        lname = name.lower()
        if lname not in replaced:
            replaced.add(lname)
            mapped_headers[:] = [(n, v) for n, v in mapped_headers if n.lower() != lname]
        mapped_headers.append((name, value))


def override_pairs(section: Any) -> list[tuple[str, str]]:
    """The name/value pairs of a ``requestOverride`` section; a list value (AWS's example sets
    ``requestOverride.header.multivalueheader = [$a, $b]``) gives one pair per element."""
    if not isinstance(section, dict):
        return []
    out: list[tuple[str, str]] = []
    for name, value in section.items():
        if isinstance(value, list):
            out.extend(pair for item in value for pair in _one(str(name), item))
        else:
            out.extend(_one(str(name), value))
    return out


def _one(name: str, value: Any) -> list[tuple[str, str]]:
    return [(name, v) for _, v in templates.overrides({name: value})]


def render_uri(integ: Integration, params: dict[str, str], mapped: dict[str, str]) -> str:
    template = integ.uri_template
    if template is None or template.is_static:
        return integ.uri
    parts = template.parts
    out = [parts[0]]
    for i in range(1, len(parts), 2):
        name = parts[i]
        value = mapped.get(name)
        if value is None:
            value = params.get(name, "")
        out.append(value)
        out.append(parts[i + 1])
    return "".join(out)
