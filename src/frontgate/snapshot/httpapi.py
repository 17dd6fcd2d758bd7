"""HTTP API parameter mapping, compiled: what an HTTP_PROXY integration changes in the request it
sends and in the response it returns (apigatewayv2 ``requestParameters`` and
``responseParameters``).

A mapping value is parsed once, at compile time, into pieces: literal text and sources. Source
kinds: ``text`` (literal), ``header``, ``querystring``, ``pathparam`` (a route path parameter),
``path`` (the request path), ``body`` (a JSONPath into the JSON request body, "" for all of it),
``context`` (a ``$context`` variable), ``stage`` (a stage variable), ``resheader`` and
``resbody`` (the backend's response header / JSON body, response mappings only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Piece = tuple[str, str]


@dataclass(frozen=True, slots=True)
class MapOp:
    """``{action}:{target}.{name}`` = value, e.g. ``append:header.x-user`` =
    ``$request.header.user``; ``overwrite:path`` and ``overwrite:statuscode`` have no name."""

    action: str  # "append" | "overwrite" | "remove"
    target: str  # "header" | "querystring" | "path" | "statuscode"
    name: str
    value: tuple[Piece, ...]

    def __reduce__(self) -> tuple[Any, ...]:
        return (MapOp, (self.action, self.target, self.name, self.value))


@dataclass(frozen=True, slots=True)
class HttpMapping:
    """Request operations in AWS's order (remove, then overwrite, then append), and response
    operations by the backend's status code."""

    request: tuple[MapOp, ...]
    responses: dict[int, tuple[MapOp, ...]]

    def __reduce__(self) -> tuple[Any, ...]:
        return (HttpMapping, (self.request, self.responses))
