"""Selection expressions of WebSocket APIs: ``routeSelectionExpression`` (which route a message
takes) and ``templateSelectionExpression`` (which template renders). ``$request.body.PATH``
reads the message as JSON; other text is a constant key (``$default``, ``\\$default``)."""

from __future__ import annotations

import json
from typing import Any

_MISSING = object()


def parse_body(text: str) -> Any:
    """The message as JSON, or ``_MISSING`` when it is not."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return _MISSING


def _walk(doc: Any, path: str) -> Any:
    for part in path.replace("[", ".[").split("."):
        if not part:
            continue
        if part.startswith("[") and part.endswith("]"):
            try:
                index = int(part[1:-1])
            except ValueError:
                return _MISSING
            if not isinstance(doc, list) or not -len(doc) <= index < len(doc):
                return _MISSING
            doc = doc[index]
        elif isinstance(doc, dict) and part in doc:
            doc = doc[part]
        else:
            return _MISSING
    return doc


def select(expression: str, body: Any) -> str | None:
    """The key ``expression`` selects for a message (``body``: ``parse_body``'s result), or
    None when it selects nothing (not JSON, no such member)."""
    expr = expression.strip()
    if expr.startswith("${") and expr.endswith("}"):
        expr = "$" + expr[2:-1]
    if expr.startswith("$request.body"):
        if body is _MISSING:
            return None
        found = _walk(body, expr[len("$request.body") :].lstrip("."))
        if found is _MISSING or found is None or isinstance(found, (dict, list)):
            return None
        if isinstance(found, bool):
            return "true" if found else "false"
        return str(found)
    return expr.replace("\\$", "$")


def route_for(routes: dict[str, Any], expression: str, text: str) -> tuple[Any, Any]:
    """(route or None, parsed body): the route a message selects, else ``$default``."""
    body = parse_body(text)
    key = select(expression, body)
    found = routes.get(key) if key is not None and not key.startswith("$") else None
    if found is None:
        found = routes.get("$default")
    return found, body


def pick_template(templates: dict[str, str], expression: str, body: Any) -> str | None:
    """The template a template selection expression picks, else ``$default``'s, else the only
    one; None when there are none."""
    if not templates:
        return None
    key = select(expression, body) if expression else None
    if key is not None and key in templates:
        return templates[key]
    if "$default" in templates:
        return templates["$default"]
    return next(iter(templates.values())) if len(templates) == 1 else None
