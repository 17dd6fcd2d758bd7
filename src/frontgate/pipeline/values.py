"""Read request values for parameter mappings and templates: ``method.request.*`` sources and the
``$context`` variables. Query strings are parsed only when a mapping asks for them."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from frontgate.observe.access_format import context_getter
from frontgate.pipeline.context import Context
from frontgate.snapshot.snapshot import Source
from frontgate.vtl import jsonpath


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
        return body_json_path(ctx.request.body, name)
    if kind == "context":
        return context_var(ctx, name)
    return None


def body_json_path(body: bytes, path: str) -> str | None:
    """``method.request.body.<JSONPath>`` / ``integration.response.body.<JSONPath>``: the
    JSONPath without its ``$.`` (``items[0].id``) read from a JSON body; a string as itself,
    anything else as compact JSON; None when the body is not JSON or nothing matches."""
    text = body.decode("utf-8", "replace")
    if not path:
        return text
    try:
        node: object = json.loads(text)
        found = jsonpath.evaluate(node, "$" + ("" if path.startswith("[") else ".") + path)
    except (ValueError, RecursionError):  # not JSON, too deep, or not a JSONPath
        return None
    if found is None:
        return None
    return found if isinstance(found, str) else json.dumps(found, separators=(",", ":"))
