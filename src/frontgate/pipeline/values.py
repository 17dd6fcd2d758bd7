"""Read request values for parameter mappings and templates: ``method.request.*`` sources and the
``$context`` variables. Query strings are parsed only when a mapping asks for them."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from frontgate.observe.access_format import context_getter
from frontgate.pipeline.context import Context
from frontgate.snapshot.snapshot import Source


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


def context_var(ctx: Context, name: str) -> str | None:
    """The ``$context.<name>`` value as text, or None when AWS would give null."""
    getter = context_getter(name)
    value = None if getter is None else getter(ctx)
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"  # a Lambda authorizer's boolean, as AWS prints it
    return str(value)


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
        return body_value(ctx.request.body, name)
    if kind == "context":
        return context_var(ctx, name)
    return None


def body_value(body: bytes, path: str) -> str | None:
    """A ``*.body.a.b`` mapping source: the whole body for an empty path, else the JSON value
    at ``$.a.b`` (a string as is, anything else as compact JSON), None when absent."""
    text = body.decode("utf-8", "replace")
    if not path:
        return text
    try:
        node: object = json.loads(text)
        for part in path.split("."):
            if isinstance(node, dict) and part in node:
                node = node[part]
            else:
                return None
        return node if isinstance(node, str) else json.dumps(node, separators=(",", ":"))
    except (ValueError, RecursionError):  # not JSON, or nested deeper than it can be read
        return None
