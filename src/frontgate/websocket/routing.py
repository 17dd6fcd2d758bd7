"""Selection expressions of WebSocket APIs: ``routeSelectionExpression`` (which route a message
takes) and ``templateSelectionExpression`` (which template renders), in AWS's grammar: ``$name``
or ``${name}`` variables (several allowed, each evaluated once: ``${request.body.a}/${request.
body.b}``), ``\\$`` a literal dollar (``\\$default``), any other text literal.

Variables: ``request.body.PATH`` (the message as JSON; ``a.b``, ``a[0]``), and on integration
responses ``integration.response.statuscode``, ``integration.response.header.NAME`` and
``integration.response.multivalueheader.NAME``. A variable that finds nothing (not JSON, no such
member, null, an object) makes the whole key absent: the ``$default`` route or template then
takes the message. Expressions are parsed once per text (cached)."""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from typing import Any

_MISSING: Any = object()
_BODY = "request.body"
_STATUS = "integration.response.statuscode"
_HEADER = "integration.response.header."
_MULTI_HEADER = "integration.response.multivalueheader."
# An unbraced variable runs over names, dots and indexes (``$request.body.items[0].kind``);
# a hyphen ends it (``$request.body.a-$request.body.b``) except in a header's name.
_BARE = re.compile(r"[A-Za-z0-9_.\[\]-]+")


def parse_body(text: str) -> Any:
    """The message as JSON, or ``_MISSING`` when it is not."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return _MISSING


class Response:
    """What an integration answered, for integration responses' template selection."""

    __slots__ = ("headers", "status")

    def __init__(self, status: int, headers: list[tuple[str, str]] | None = None) -> None:
        self.status = status
        # Every value of each header (lowercased name), in the order received.
        self.headers: dict[str, list[str]] = {}
        for name, value in headers or ():
            self.headers.setdefault(name.lower(), []).append(value)


def _path(source: str) -> tuple[str | int, ...] | None:
    """``a.b[0]`` as ("a", "b", 0); None when malformed."""
    out: list[str | int] = []
    for part in source.replace("[", ".[").split("."):
        if not part:
            continue
        if part.startswith("[") and part.endswith("]"):
            inner = part[1:-1].strip("'\"")
            if inner.lstrip("-").isdigit():
                out.append(int(inner))
            elif inner:
                out.append(inner)
            else:
                return None
        elif "[" in part or "]" in part:
            return None
        else:
            out.append(part)
    return tuple(out)


def _text(found: Any) -> str | None:
    """A JSON value as a key: strings as they are, numbers and booleans as JSON writes them;
    nothing for null, objects, arrays and numbers JSON cannot carry (``1e400``)."""
    if isinstance(found, str):
        return found
    if isinstance(found, bool):
        return "true" if found else "false"
    if isinstance(found, int):
        return str(found)
    if isinstance(found, float):
        return repr(found) if math.isfinite(found) else None
    return None


class Expression:
    """A parsed selection expression. ``parts`` holds literal text and variables (tuples:
    ``("body", path)``, ``("status",)``, ``("header", name)``, ``("multi", name)``, or
    ``("unknown",)`` for a variable this expression cannot read)."""

    __slots__ = ("member", "parts", "static")

    def __init__(self, parts: list[str | tuple[Any, ...]]) -> None:
        self.parts = tuple(parts)
        # Text only: the key is always this (``\\$default``, ``fixed``).
        self.static: str | None = None
        if all(isinstance(p, str) for p in parts):
            self.static = "".join(str(p) for p in parts)
        # The common ``$request.body.action``: one top-level member, read without a walk.
        self.member: str | None = None
        if len(parts) == 1 and isinstance(parts[0], tuple) and parts[0][0] == "body":
            path = parts[0][1]
            if len(path) == 1 and isinstance(path[0], str):
                self.member = path[0]

    def evaluate(self, body: Any, response: Response | None = None) -> str | None:
        """The key for a message (``body``: ``parse_body``'s result) and, on integration
        responses, what the integration answered; None when a variable finds nothing."""
        if self.static is not None:
            return self.static
        member = self.member
        if member is not None:
            return _text(body.get(member)) if type(body) is dict else None
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = _variable(part, body, response)
            if value is None:
                return None
            out.append(value)
        return "".join(out)


def _variable(part: tuple[Any, ...], body: Any, response: Response | None) -> str | None:
    kind = part[0]
    if kind == "body":
        doc = body
        if doc is _MISSING:
            return None
        for step in part[1]:
            if isinstance(step, int):
                if not isinstance(doc, list) or not -len(doc) <= step < len(doc):
                    return None
                doc = doc[step]
            elif isinstance(doc, dict) and step in doc:
                doc = doc[step]
            else:
                return None
        return _text(doc)
    if response is None:
        return None
    if kind == "status":
        return str(response.status)
    values = response.headers.get(part[1]) if kind in ("header", "multi") else None
    if not values:
        return None
    return values[-1] if kind == "header" else ",".join(values)


def _variable_part(name: str) -> tuple[Any, ...]:
    if name == _BODY or name.startswith((_BODY + ".", _BODY + "[")):
        path = _path(name[len(_BODY) :])
        return ("body", path) if path is not None else ("unknown",)
    lowered = name.lower()
    if lowered == _STATUS:
        return ("status",)
    if lowered.startswith(_HEADER):
        return ("header", lowered[len(_HEADER) :])
    if lowered.startswith(_MULTI_HEADER):
        return ("multi", lowered[len(_MULTI_HEADER) :])
    return ("unknown",)


@lru_cache(maxsize=1024)
def compile_expression(text: str) -> Expression:
    """``text`` parsed (once per distinct text)."""
    parts: list[str | tuple[Any, ...]] = []
    literal: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and text[i + 1] == "$":
            literal.append("$")
            i += 2
            continue
        if ch == "$":
            if text.startswith("{", i + 1):
                end = text.find("}", i + 2)
                if end != -1:
                    name = text[i + 2 : end].strip()
                    i = end + 1
                else:
                    literal.append(text[i:])
                    break
            else:
                m = _BARE.match(text, i + 1)
                if m is None:
                    literal.append(ch)
                    i += 1
                    continue
                name = m.group(0)
                if not name.lower().startswith((_HEADER, _MULTI_HEADER)):
                    name = name.partition("-")[0]
                name = name.rstrip(".")
                i = m.start() + len(name)
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(_variable_part(name))
            continue
        literal.append(ch)
        i += 1
    if literal:
        parts.append("".join(literal))
    return Expression(parts)


def route_for(routes: dict[str, Any], expression: str, text: str) -> tuple[Any, Any]:
    """(route or None, parsed body): the route a message selects, else ``$default``. A key
    naming a reserved route (``$connect``...) selects nothing: those take no messages."""
    body = parse_body(text)
    key = compile_expression(expression).evaluate(body)
    found = routes.get(key) if key is not None and not key.startswith("$") else None
    if found is None:
        found = routes.get("$default")
    return found, body


def pick_template(
    templates: dict[str, str], expression: str, body: Any, response: Response | None = None
) -> str | None:
    """The template a template selection expression picks, else ``$default``'s; with no
    expression, ``$default``'s or the only one. None when none applies."""
    if not templates:
        return None
    if expression:
        key = compile_expression(expression).evaluate(body, response)
        if key is not None and key in templates:
            return templates[key]
        return templates.get("$default")
    if "$default" in templates:
        return templates["$default"]
    return next(iter(templates.values())) if len(templates) == 1 else None


def select(expression: str, body: Any) -> str | None:
    """The key ``expression`` selects for a message (``body``: ``parse_body``'s result), or
    None when it selects nothing."""
    return compile_expression(expression).evaluate(body)
