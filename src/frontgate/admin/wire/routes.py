"""A rest-json operation found by the HTTP method, the raw path and the query string, from each
operation's ``http.method`` and ``http.requestUri`` in the service's model."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from frontgate.admin.wire.model import operations


@dataclass(frozen=True, slots=True)
class Route:
    """One operation's place on the wire."""

    service: str
    name: str
    method: str
    segments: tuple[str | None, ...]  # literal segment, or None where a URI label sits
    labels: tuple[str, ...]  # the URI label names, in order of the None segments
    query: tuple[tuple[str, str], ...]  # literal query pairs that select it (``mode=import``)
    status: int
    input_shape: str | None
    output_shape: str | None


def compile_route(service: str, name: str, op: dict[str, Any]) -> Route:
    http = op["http"]
    path, _, qs = http["requestUri"].partition("?")
    segs: list[str | None] = []
    labels: list[str] = []
    for seg in path.strip("/").split("/"):
        if seg.startswith("{") and seg.endswith("}"):
            segs.append(None)
            labels.append(seg[1:-1].rstrip("+"))
        else:
            segs.append(seg)
    pairs = (p.partition("=") for p in qs.split("&") if "=" in p)
    return Route(
        service=service,
        name=name,
        method=http["method"],
        segments=tuple(segs),
        labels=tuple(labels),
        query=tuple((k, v) for k, _, v in pairs),
        status=int(http.get("responseCode", 200)),
        input_shape=op.get("input", {}).get("shape"),
        output_shape=op.get("output", {}).get("shape"),
    )


class Router:
    """Finds the operation for a method, a raw path and the query parameters.

    ``names`` limits it to those operations (default: all of the model's). ``empty_labels``:
    whether a URI label may match an empty segment (Lambda reads ``functions//policy`` as an
    empty function name and refuses it by the model; API Gateway has no operation there)."""

    def __init__(
        self, service: str, names: Iterable[str] | None = None, *, empty_labels: bool = False
    ) -> None:
        ops = operations(service)
        self.empty_labels = empty_labels
        self.routes: dict[str, Route] = {}
        self._table: dict[tuple[str, int], list[Route]] = {}
        wanted = None if names is None else frozenset(names)
        for name in ops:  # in the model's order, which breaks ties below
            if wanted is not None and name not in wanted:
                continue
            route = compile_route(service, name, ops[name])
            self.routes[name] = route
            self._table.setdefault((route.method, len(route.segments)), []).append(route)
        for routes in self._table.values():
            # Query-selected routes first (ImportRestApi before CreateRestApi), then the most
            # literal segments (``.../stages/{s}/cache/data`` before any label in that place).
            routes.sort(key=lambda r: (-len(r.query), -sum(s is not None for s in r.segments)))

    def match(
        self, method: str, raw_path: str, query: dict[str, list[str]]
    ) -> tuple[Route, dict[str, str]] | None:
        """The route and its URI labels, percent-decoded."""
        raw_segs = raw_path.strip("/").split("/")
        for route in self._table.get((method, len(raw_segs)), []):
            if any(query.get(k, [None])[0] != v for k, v in route.query):
                continue
            values: list[str] = []
            for lit, raw in zip(route.segments, raw_segs, strict=True):
                # Labels are percent-decoded one segment at a time: an ARN label carries %2F.
                seg = unquote(raw)
                if lit is None:
                    if not seg and not self.empty_labels:
                        break
                    values.append(seg)
                elif lit != seg:
                    break
            else:
                return route, dict(zip(route.labels, values, strict=True))
        return None


def origin_form(target: str) -> str:
    """A request-target as path and query: an absolute-form target (``http://host/path?q``,
    which a client may send to a proxy-style endpoint) loses its scheme and authority."""
    if target.startswith("/"):
        return target
    parts = urlsplit(target)
    return parts.path + ("?" + parts.query if parts.query else "")
