"""The query protocol (IAM, STS): a form-encoded ``Action=…`` request's parameters checked
against the operation's input shape, its result written as XML through the output shape
(``<ActionResponse><ActionResult>…``), and the protocol's XML error body.

The constraint texts are the rest-json ones (``rules.py``); what the query services do their own
way: each parameter reports its first broken constraint only, a long value is cut at 200
characters, and a number that is not one is ``Member must be a number``."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from xml.sax.saxutils import escape

from frontgate import javatypes
from frontgate.admin.wire import rules
from frontgate.admin.wire.model import Shape, lower_first, operations, shapes
from frontgate.http.message import Response

_NUMBER = re.compile(r"[+-]?[0-9]{1,19}")


class QueryError(Exception):
    """An error answered as ``<ErrorResponse>`` with ``status``, ``code`` and ``message``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def validate(service: str, action: str, params: dict[str, str]) -> None:
    """The model's constraints on the top-level parameters (length, pattern, enum, integer
    range) with the query services' ``ValidationError`` wording: a user name with a newline or
    a MaxItems of -1 is refused as IAM refuses it."""
    name = operations(service)[action].get("input", {}).get("shape")
    if name is None:
        return
    all_shapes = shapes(service)
    problems: list[str] = []
    for member_name, member in all_shapes[name]["members"].items():
        raw = params.get(member_name)
        if raw is None:
            continue
        problem = _problem(all_shapes[member["shape"]], raw)
        if problem is not None:
            shown = raw if len(raw) <= 200 else raw[:200] + "..."
            problems.append(rules.violation(shown, lower_first(member_name), problem))
    if problems:
        raise QueryError(400, "ValidationError", rules.summary(problems))


def _problem(shape: Shape, raw: str) -> str | None:
    """The first constraint ``raw`` breaks, or None."""
    kind = shape["type"]
    if kind == "string":
        # Java's \w is ASCII-only.
        source = shape.get("pattern")
        pattern = javatypes.pattern(source, re.ASCII) if source is not None else None
        if len(raw) < shape.get("min", 0):
            return rules.min_length(shape["min"])
        if len(raw) > shape.get("max", len(raw)):
            return rules.max_length(shape["max"])
        if pattern is not None and not pattern.fullmatch(raw):
            return rules.pattern(source or "")
        enum = shape.get("enum")
        if enum and raw not in enum:
            return rules.enum(enum)
    elif kind in ("integer", "long"):
        if not _NUMBER.fullmatch(raw):
            return "Member must be a number"
        if int(raw) < shape.get("min", javatypes.LONG_MIN):
            return rules.min_value(shape["min"])
        if int(raw) > shape.get("max", javatypes.LONG_MAX):
            return rules.max_value(shape["max"])
    return None


def _xml(all_shapes: dict[str, Shape], shape_name: str, value: Any) -> str:
    shape = all_shapes[shape_name]
    kind = shape["type"]
    if kind == "structure":
        return "".join(
            f"<{name}>{_xml(all_shapes, member['shape'], value[name])}</{name}>"
            for name, member in shape["members"].items()
            if isinstance(value, dict) and value.get(name) is not None
        )
    if kind == "list":
        item = shape["member"]["shape"]
        return "".join(f"<member>{_xml(all_shapes, item, v)}</member>" for v in value)
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "timestamp":
        if isinstance(value, int | float):
            value = dt.datetime.fromtimestamp(value, dt.UTC)
        if isinstance(value, dt.datetime):
            return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return escape(str(value))


def respond(
    service: str, action: str, result: dict[str, Any] | None, request_id: str, namespace: str
) -> Response:
    """``<ActionResponse xmlns=…>`` with the result written through the output shape."""
    output = operations(service)[action].get("output", {}).get("shape")
    inner = ""
    if output is not None and result is not None:
        inner = f"<{action}Result>{_xml(shapes(service), output, result)}</{action}Result>"
    body = (
        f'<{action}Response xmlns="{namespace}">{inner}<ResponseMetadata><RequestId>'
        f"{request_id}</RequestId></ResponseMetadata></{action}Response>"
    )
    return Response(200, [("Content-Type", "text/xml")], body.encode())


def xml_error(
    status: int, code: str, message: str, request_id: str | None = None, namespace: str = ""
) -> Response:
    """The query protocol's (and REST-XML's) error body: ``<ErrorResponse><Error>`` with the
    code and message, the service's ``xmlns`` and a ``<RequestId>`` when given."""
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    rid = f"<RequestId>{request_id}</RequestId>" if request_id is not None else ""
    body = (
        f"<ErrorResponse{xmlns}><Error><Type>Sender</Type><Code>{escape(code)}</Code>"
        f"<Message>{escape(message)}</Message></Error>{rid}</ErrorResponse>"
    )
    return Response(status, [("Content-Type", "text/xml")], body.encode())


def timestamp() -> str:
    """Now, as the query services write a date."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
