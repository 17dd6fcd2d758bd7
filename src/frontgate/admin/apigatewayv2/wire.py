"""API Gateway v2's dialect of the shared rest-json wire layer (``admin/wire``).

The apigatewayv2 service is not a Coral service: it answers every input problem (a missing
required member, a value of the wrong JSON type, a body that is not JSON) with
``BadRequestException`` (the model declares no ValidationException or SerializationException),
and names members by their wire names, without Coral's ``createApiInput.`` paths."""

from __future__ import annotations

import re
from typing import Any, ClassVar, Final

from frontgate.admin.errors import BadRequest
from frontgate.admin.wire.model import shapes
from frontgate.admin.wire.restjson import Dialect
from frontgate.admin.wire.routes import Router

SERVICE: Final = "apigatewayv2"


class ApiGatewayV2Dialect(Dialect):
    malformed: ClassVar[type[Exception]] = BadRequest
    invalid: ClassVar[type[Exception]] = BadRequest
    coral_paths: ClassVar[bool] = False
    body_errors_first: ClassVar[bool] = False

    def wrong_type(self, value: Any, kind: str, where: str) -> str:
        return f"Invalid input: '{where}' must be of type {_JSON_TYPE.get(kind, kind)}"

    def out_of_range(self, value: Any, kind: str, where: str) -> str:
        return f"Invalid input: '{where}' is out of range"

    def bad_json(self, error: str | None) -> str:
        if error is None:
            return "Invalid input: the request body must be a JSON object"
        return f"Invalid input: the request body is not JSON: {error}"

    def bad_query_number(self, raw: str, wire: str) -> str:
        return f"Invalid input: '{wire}' must be a number, not '{raw}'"

    def bad_query_boolean(self, raw: str, wire: str) -> str:
        return f"Invalid input: '{wire}' must be true or false, not '{raw}'"


_JSON_TYPE = {
    "string": "string",
    "boolean": "boolean",
    "integer": "integer",
    "long": "integer",
    "double": "number",
    "float": "number",
    "list": "array",
    "map": "object",
    "structure": "object",
    "timestamp": "string",
    "blob": "string",
}

DIALECT: Final = ApiGatewayV2Dialect()


def router() -> Router:
    """Every operation of the model (an unserved one is named in the answer)."""
    return Router(SERVICE)


def to_wire(shape_name: str | None, value: Any) -> Any:
    """A parsed input (keyed by the model's member names: ``ApiId``, ``RouteKey``) keyed by its
    wire names instead (``apiId``, ``routeKey``), nested structures too: handlers read and store
    the wire shape the API answers with."""
    return _rename(shape_name, value, to_wire=True)


def from_wire(shape_name: str | None, value: Any) -> Any:
    """The inverse of ``to_wire``, for an output the wire layer then writes through its shape;
    members the shape does not have (internal ``_`` ones) are dropped."""
    return _rename(shape_name, value, to_wire=False)


def _rename(shape_name: str | None, value: Any, *, to_wire: bool) -> Any:
    if shape_name is None or value is None:
        return value
    shape = shapes(SERVICE)[shape_name]
    kind = shape["type"]
    if kind == "structure" and isinstance(value, dict):
        out: dict[str, Any] = {}
        for name, member in shape["members"].items():
            wire = member.get("locationName", name)
            src, dst = (name, wire) if to_wire else (wire, name)
            if value.get(src) is not None:
                out[dst] = _rename(member["shape"], value[src], to_wire=to_wire)
        return out
    if kind == "list" and isinstance(value, list):
        return [_rename(shape["member"]["shape"], v, to_wire=to_wire) for v in value]
    if kind == "map" and isinstance(value, dict):
        inner = shape["value"]["shape"]
        return {k: _rename(inner, v, to_wire=to_wire) for k, v in value.items()}
    return value


# The apigatewayv2 model states string lengths only in its shape names
# (``StringWithLengthBetween1And128``, ``UriWithLengthBetween1And2048``), not as ``min``/``max``.
_LENGTH_SHAPE = re.compile(r"[A-Za-z]+WithLengthBetween(\d+)And(\d+)")
# Members whose limit is not their shape name's: an access-log format may be 3 KB (AWS's HTTP
# API quota "access log template size"), though its shape says 1024; an empty operationName
# clears a route's (UpdateRoute).
_DOCUMENTED_LENGTHS = {"accessLogSettings.format": (1, 3 * 1024), "operationName": (0, 64)}


def check_lengths(shape_name: str | None, value: Any, where: str = "") -> None:
    """``BadRequestException`` for a string outside the length its shape name states."""
    if shape_name is None or value is None:
        return
    shape = shapes(SERVICE)[shape_name]
    kind = shape["type"]
    if kind == "string" and isinstance(value, str):
        m = _LENGTH_SHAPE.fullmatch(shape_name)
        bounds = _DOCUMENTED_LENGTHS.get(where)
        if bounds is None and m is not None:
            bounds = (int(m.group(1)), int(m.group(2)))
        if bounds is not None and not bounds[0] <= len(value) <= bounds[1]:
            raise BadRequest(
                f"Invalid input: '{where}' must have a length between {bounds[0]} and {bounds[1]}"
            )
    elif kind == "structure" and isinstance(value, dict):
        for name, member in shape["members"].items():
            wire = member.get("locationName", name)
            if member.get("location") is None and value.get(wire) is not None:
                inner = f"{where}.{wire}" if where else wire
                check_lengths(member["shape"], value[wire], inner)
    elif kind == "list" and isinstance(value, list):
        for item in value:
            check_lengths(shape["member"]["shape"], item, where)
    elif kind == "map" and isinstance(value, dict):
        for key, item in value.items():
            check_lengths(shape["value"]["shape"], item, f"{where}.{key}")
