"""The management API's wire contract, driven by botocore's ``apigateway`` service model.

Routes come from each operation's ``http.method`` + ``http.requestUri``; inputs are read from the
URI, query string, headers and JSON body as the input shape's ``location``/``locationName`` say,
type-checked and validated (required, enum, pattern) with Coral's messages; outputs are written
through the output shape, so wire names (``item``, ``values``...), header members and blob
payloads come out right and anything not in the shape (internal ``_`` fields) is dropped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from frontgate import safejson
from frontgate.admin.apigateway.service import service_model, shapes
from frontgate.admin.apigateway.validate import Checker, lower_first
from frontgate.admin.errors import Serialization, Validation

Shape = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Route:
    """One operation's place on the wire."""

    name: str
    method: str
    segments: tuple[str | None, ...]  # literal segment, or None where a URI label sits
    labels: tuple[str, ...]  # the URI label names, in order of the None segments
    query: tuple[tuple[str, str], ...]  # literal query pairs that select it (``mode=import``)
    status: int
    input_shape: str | None
    output_shape: str | None


def _compile(name: str, op: dict[str, Any]) -> Route:
    uri = op["http"]["requestUri"]
    path, _, qs = uri.partition("?")
    segs: list[str | None] = []
    labels: list[str] = []
    for seg in path.strip("/").split("/"):
        if seg.startswith("{") and seg.endswith("}"):
            segs.append(None)
            labels.append(seg[1:-1].rstrip("+"))
        else:
            segs.append(seg)
    pairs = (p.partition("=") for p in qs.split("&") if "=" in p)
    query = tuple((k, v) for k, _, v in pairs)
    return Route(
        name=name,
        method=op["http"]["method"],
        segments=tuple(segs),
        labels=tuple(labels),
        query=query,
        status=int(op["http"].get("responseCode", 200)),
        input_shape=op.get("input", {}).get("shape"),
        output_shape=op.get("output", {}).get("shape"),
    )


class Router:
    """Finds the operation for a method, a raw path and the query parameters."""

    def __init__(self) -> None:
        self._table: dict[tuple[str, int], list[Route]] = {}
        self.routes: dict[str, Route] = {}
        for name, op in service_model()["operations"].items():
            route = _compile(name, op)
            self.routes[name] = route
            self._table.setdefault((route.method, len(route.segments)), []).append(route)
        for routes in self._table.values():
            # Query-selected routes first (ImportRestApi before CreateRestApi), then the most
            # literal segments (``.../stages/{s}/cache/data`` before any label in that place).
            routes.sort(key=lambda r: (-len(r.query), -sum(s is not None for s in r.segments)))

    def match(
        self, method: str, raw_path: str, query: dict[str, list[str]]
    ) -> tuple[Route, dict[str, str]] | None:
        raw_segs = raw_path.strip("/").split("/")
        for route in self._table.get((method, len(raw_segs)), []):
            if any(query.get(k, [None])[0] != v for k, v in route.query):
                continue
            values: list[str] = []
            for lit, raw in zip(route.segments, raw_segs, strict=True):
                # Labels are percent-decoded one segment at a time: an ARN label carries %2F.
                seg = unquote(raw)
                if lit is None:
                    if not seg:
                        break
                    values.append(seg)
                elif lit != seg:
                    break
            else:
                return route, dict(zip(route.labels, values, strict=True))
        return None


def parse_input(
    route: Route,
    labels: dict[str, str],
    query: dict[str, list[str]],
    headers: dict[str, str],
    body: bytes,
) -> dict[str, Any]:
    """The operation's input keyed by member name. ``headers`` keys are lower-case."""
    if route.input_shape is None:
        return {}
    shape = shapes()[route.input_shape]
    prefix = lower_first(route.name) + "Input"
    checker = Checker()
    inp: dict[str, Any] = {}
    consumed = {k for k, _ in route.query}
    json_members: dict[str, dict[str, Any]] = {}
    payload = shape.get("payload")
    query_map: str | None = None
    for name, member in shape["members"].items():
        loc = member.get("location")
        wire = member.get("locationName", name)
        mshape = member["shape"]
        if loc == "uri":
            if wire in labels:
                inp[name] = checker.scalar(labels[wire], mshape, checker.shapes[mshape], name)
        elif loc == "querystring":
            kind = checker.shapes[mshape]["type"]
            if kind == "map":
                query_map = name
            elif wire in query:
                consumed.add(wire)
                values = query[wire]
                if kind == "list":
                    inp[name] = list(values)
                else:
                    inp[name] = checker.query_value(values[0], mshape, f"{prefix}.{name}")
        elif loc == "header":
            if wire.lower() in headers:
                inp[name] = headers[wire.lower()]
        elif name == payload and checker.shapes[mshape]["type"] == "blob":
            inp[name] = body
        else:
            json_members[name] = member
    if query_map is not None:
        # A querystring map takes every parameter no other member claimed (GetExport's
        # ``extensions``, ImportRestApi's ``basepath``...).
        inp[query_map] = {k: v[0] for k, v in query.items() if k not in consumed}
    if json_members:
        # Coral reports the body's errors before those of the URI and query string (recorded:
        # a bad patch op is listed before a bad ``statusCode``).
        outside_body, checker.errors = checker.errors, []
        doc = _json_body(body)
        for name, member in json_members.items():
            wire = member.get("locationName", name)
            if doc.get(wire) is not None:
                inp[name] = checker.value(doc[wire], member["shape"], f"{prefix}.{name}")
        checker.errors += outside_body
    checker.required(inp, shape, prefix)
    if checker.errors:
        n = len(checker.errors)
        plural = "error" if n == 1 else "errors"
        raise Validation(f"{n} validation {plural} detected: " + "; ".join(checker.errors))
    return inp


def _json_body(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        doc = safejson.loads(body)
    except ValueError as exc:  # also bad UTF-8, NaN/Infinity, 1e309, nesting too deep
        raise Serialization(f"Unable to parse request body as JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise Serialization("Start of structure or map found where not expected.")
    return doc


def serialize_output(
    route: Route, out: dict[str, Any] | None
) -> tuple[list[tuple[str, str]], bytes]:
    """Response headers (from header-located members) and body for an operation's result."""
    if route.output_shape is None or out is None:
        return [], b""
    shape = shapes()[route.output_shape]
    headers: list[tuple[str, str]] = []
    payload = shape.get("payload")
    body: dict[str, Any] = {}
    for name, member in shape["members"].items():
        value = out.get(name)
        if value is None:
            continue
        if member.get("location") == "header":
            headers.append((member["locationName"], str(value)))
        elif name == payload:
            raw = value if isinstance(value, bytes) else str(value).encode()
            return headers, raw
        else:
            body[member.get("locationName", name)] = _out(value, member["shape"])
    headers.append(("Content-Type", "application/json"))
    return headers, json.dumps(body, separators=(",", ":")).encode()


def _out(value: Any, shape_name: str) -> Any:
    shape = shapes()[shape_name]
    kind = shape["type"]
    if kind == "structure":
        if not isinstance(value, dict):
            return value
        return {
            m.get("locationName", n): _out(value[n], m["shape"])
            for n, m in shape["members"].items()
            if value.get(n) is not None
        }
    if kind == "list":
        return [_out(v, shape["member"]["shape"]) for v in value]
    if kind == "map":
        return {k: _out(v, shape["value"]["shape"]) for k, v in value.items() if v is not None}
    if kind == "double" and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value
