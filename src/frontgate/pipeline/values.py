"""Read request values for parameter mappings and templates: ``method.request.*`` sources and the
``$context`` variables. Query strings are parsed only when a mapping asks for them."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from urllib.parse import parse_qsl

from frontgate.compile.snapshot import Source
from frontgate.pipeline.context import Context


def header(ctx: Context, name: str) -> str | None:
    lname = name.lower()
    for k, v in ctx.request.headers:
        if k.lower() == lname:
            return v
    return None


def header_all(ctx: Context, name: str) -> list[str]:
    lname = name.lower()
    return [v for k, v in ctx.request.headers if k.lower() == lname]


def query_pairs(ctx: Context) -> list[tuple[str, str]]:
    return parse_qsl(ctx.raw_query, keep_blank_values=True) if ctx.raw_query else []


def query(ctx: Context, name: str) -> str | None:
    value = None
    for k, v in query_pairs(ctx):
        if k == name:
            value = v  # AWS keeps the last value of a repeated key.
    return value


def source_ip(ctx: Context) -> str:
    return ctx.request.client_addr[0]


def request_time(ctx: Context) -> str:
    """CLF time as in ``$context.requestTime``: ``dd/MMM/yyyy:HH:mm:ss +0000``."""
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(ctx.start_wall))


def _path(ctx: Context) -> str:
    return "/" + ctx.stage_name + ctx.path if ctx.stage_name else ctx.path


# $context variable → getter. A table of small functions: a lookup costs one dict access and
# computes only the value asked for. Getters return None where AWS gives null.
_CONTEXT: dict[str, Callable[[Context], object]] = {
    "requestId": lambda c: c.request_id,
    "extendedRequestId": lambda c: c.extended_request_id,
    "httpMethod": lambda c: c.request.method,
    "apiId": lambda c: c.api_id,
    "stage": lambda c: c.stage_name,
    "path": _path,
    "protocol": lambda c: "HTTP/" + c.request.http_version,
    "requestTime": request_time,
    "requestTimeEpoch": lambda c: int(c.start_wall * 1000),
    "domainName": lambda c: header(c, "host") or "",
    "domainPrefix": lambda c: (header(c, "host") or "").split(".", 1)[0],
    "identity.sourceIp": source_ip,
    "identity.userAgent": lambda c: header(c, "user-agent"),
    # Set only on apiKeyRequired methods (AWS gives null elsewhere).
    "identity.apiKey": lambda c: c.api_key.key_value if c.api_key else None,
    "identity.apiKeyId": lambda c: c.api_key.key_id if c.api_key else None,
    "accountId": lambda c: c.stage.account_id if c.stage else None,
    "deploymentId": lambda c: c.stage.deployment_id if c.stage else None,
    "resourceId": lambda c: c.method.resource_id if c.method else None,
    "resourcePath": lambda c: c.method.resource_path if c.method else None,
}


def context_var(ctx: Context, name: str) -> str | None:
    """The ``$context.<name>`` value as text, or None when AWS would give null."""
    getter = _CONTEXT.get(name)
    if getter is None:
        return _auth_var(ctx, name)
    value = getter(ctx)
    return None if value is None else str(value)


def _auth_var(ctx: Context, name: str) -> str | None:
    """``$context.authorizer.*``, ``$context.identity.*`` set by IAM, and the validation error:
    values only the access-control stages know, read from their Context fields."""
    if name.startswith("authorizer."):
        node: object = ctx.authorizer
        for part in name[11:].split("."):
            node = node.get(part) if isinstance(node, dict) else None
        return None if node is None or isinstance(node, dict) else str(node)
    if name.startswith("identity.") and ctx.identity is not None:
        return ctx.identity.get(name[9:])
    if name == "error.validationErrorString":
        return ctx.validation_error
    return None


def source_value(ctx: Context, source: Source) -> str | None:
    kind, name = source
    if kind == "static":
        return name
    if kind == "path":
        return ctx.path_params.get(name)
    if kind == "query":
        return query(ctx, name)
    if kind == "multiquery":
        vals = [v for k, v in query_pairs(ctx) if k == name]
        return ",".join(vals) if vals else None
    if kind == "header":
        return header(ctx, name)
    if kind == "multiheader":
        vals = header_all(ctx, name)
        return ",".join(vals) if vals else None
    if kind == "body":
        return _body_value(ctx.request.body, name)
    if kind == "context":
        return context_var(ctx, name)
    return None


def _body_value(body: bytes, path: str) -> str | None:
    text = body.decode("utf-8", "replace")
    if not path:
        return text
    try:
        node: object = json.loads(text)
    except ValueError:
        return None
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node if isinstance(node, str) else json.dumps(node, separators=(",", ":"))
