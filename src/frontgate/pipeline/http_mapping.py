"""HTTP API parameter mapping at request time: the compiled operations of
``snapshot.httpapi.HttpMapping`` applied to the backend request (headers, query string, path)
and to the backend's response (headers, status code). Nothing is parsed here but the request's
query string and JSON body, and only when an operation reads them."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, quote

from frontgate.http.message import Response
from frontgate.pipeline.context import Context, client_path
from frontgate.pipeline.values import context_var, header_all
from frontgate.snapshot.httpapi import MapOp, Piece


def raw_path(ctx: Context) -> str:
    """The request's path as the client sent it (with the stage segment of a named stage)."""
    return client_path(ctx)


def _json_path(body: bytes, path: str) -> str | None:
    text = body.decode("utf-8", "replace")
    if not path:
        return text
    try:
        node: object = json.loads(text)
    except (ValueError, RecursionError):
        return None
    for part in path.replace("[", ".").replace("]", "").split("."):
        if not part:
            continue
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node if isinstance(node, str) else json.dumps(node, separators=(",", ":"))


def value(
    ctx: Context,
    pieces: tuple[Piece, ...],
    response_headers: list[tuple[str, str]] | None = None,
    response_body: bytes = b"",
) -> str | None:
    """The mapped value, or None when a single source it names is absent."""
    out: list[str] = []
    for kind, name in pieces:
        found: str | None
        if kind == "text":
            found = name
        elif kind == "header":
            values = header_all(ctx, name)
            found = ",".join(values) if values else None
        elif kind == "querystring":
            values = [v for k, v in parse_qsl(ctx.raw_query, keep_blank_values=True) if k == name]
            found = ",".join(values) if values else None
        elif kind == "pathparam":
            found = ctx.path_params.get(name)
        elif kind == "path":
            found = raw_path(ctx)
        elif kind == "body":
            found = _json_path(ctx.request.body, name)
        elif kind == "context":
            found = context_var(ctx, name)
        elif kind == "resheader":
            lname = name.lower()
            values = [v for k, v in response_headers or () if k.lower() == lname]
            found = ",".join(values) if values else None
        else:  # resbody
            found = _json_path(response_body, name)
        if found is None:
            if len(pieces) == 1:
                return None
            found = ""
        out.append(found)
    return "".join(out)


def apply_headers(
    ops: tuple[MapOp, ...],
    headers: list[tuple[str, str]],
    values: list[str | None],
) -> list[tuple[str, str]]:
    """Header operations, each with its computed value (same order as ``ops``)."""
    for op, val in zip(ops, values, strict=True):
        if op.target != "header":
            continue
        lname = op.name.lower()
        if op.action == "remove":
            headers = [(k, v) for k, v in headers if k.lower() != lname]
        elif val is None:
            continue
        elif op.action == "overwrite":
            headers = [(k, v) for k, v in headers if k.lower() != lname]
            headers.append((op.name, val))
        else:  # append: to the existing value, comma-separated, or as a new header
            for i, (k, v) in enumerate(headers):
                if k.lower() == lname:
                    headers[i] = (k, f"{v},{val}")
                    break
            else:
                headers.append((op.name, val))
    return headers


def apply_query(ops: tuple[MapOp, ...], raw_query: str, values: list[str | None]) -> str:
    pairs: list[tuple[str, str]] | None = None
    for op, val in zip(ops, values, strict=True):
        if op.target != "querystring":
            continue
        if pairs is None:
            pairs = parse_qsl(raw_query, keep_blank_values=True)
        if op.action in ("remove", "overwrite"):
            pairs = [(k, v) for k, v in pairs if k != op.name]
        if op.action != "remove" and val is not None:
            pairs.append((op.name, val))
    if pairs is None:
        return raw_query
    return "&".join(quote(k, safe="") + "=" + quote(v, safe="") for k, v in pairs)


def map_response(
    ctx: Context, ops: tuple[MapOp, ...], resp: Response, upstream_body: bytes
) -> Response:
    """Apply the response operations for the backend's status code to the method response."""
    headers = resp.all_headers()
    values = [value(ctx, op.value, headers, upstream_body) for op in ops]
    status = resp.status
    for op, val in zip(ops, values, strict=True):
        if op.target == "statuscode" and val is not None and val.strip().isdigit():
            status = int(val.strip())
    return Response(status, apply_headers(ops, list(headers), values), resp.body)
