"""The rest-json protocol (API Gateway, Lambda, API Gateway v2): an operation's input read from
the URI labels, query string, headers, a blob payload or the JSON body as its input shape's
``location``/``locationName`` say, type-checked and validated against the model (required
members, enums, patterns, lengths, ranges); its output written through the output shape, so wire
names, header and status-code members and blob payloads come out right and anything not in the
shape (internal ``_`` fields) is dropped.

What differs between services is only wording: a ``Dialect`` says which error types a service
raises, the texts of its type errors, how it names a member in a message (Coral's
``createRestApiInput.name`` or Lambda's ``functionName``), and a few recorded orders. Each
service's ``wire.py`` holds its dialect; the parsing and checking are here, once.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from frontgate import javatypes, safejson
from frontgate.admin.errors import Serialization, Validation
from frontgate.admin.wire import rules
from frontgate.admin.wire.model import Shape, lower_first, shapes
from frontgate.admin.wire.routes import Route

_DIGITS = re.compile(r"[+-]?[0-9]{1,20}")

# Python JSON type -> the Java class name Coral's deserialiser reports.
_JAVA_NAMES = {bool: "Boolean", int: "Integer", float: "Double", str: "String", list: "ArrayList"}
_JAVA_TARGET = {
    "string": "String",
    "boolean": "Boolean",
    "integer": "Integer",
    "long": "Long",
    "double": "Double",
    "float": "Float",
    "timestamp": "Date",
    "blob": "ByteBuffer",
    "list": "List",
    "map": "Map",
    "structure": "Object",
}
_JAVA_PRIMITIVE = {"integer": "int", "long": "long"}


class Dialect:
    """How one service words what the parser finds. The defaults are Coral's, as API Gateway
    answers (recorded); a service overrides what it says differently."""

    # A body or member that cannot be read as its type (HTTP 400), and a model violation.
    malformed: ClassVar[type[Exception]] = Serialization
    invalid: ClassVar[type[Exception]] = Validation
    # Coral's member paths: ``<operation>Input.<member>``, list items ``.<n>.member``, map
    # entries ``.<key>``. Without: the member's own name (``functionName``).
    coral_paths: ClassVar[bool] = True
    # Coral reports the body's errors before those of the URI and query string.
    body_errors_first: ClassVar[bool] = True
    # A list of enum values is checked as a whole (one message with the list).
    whole_list_enums: ClassVar[bool] = True
    # An enum shape -> its values in the order the service prints them (a Java hash-set order,
    # not the model's), where recorded.
    enum_orders: ClassVar[Mapping[str, Sequence[str]]] = {}

    def wrong_type(self, value: Any, kind: str, where: str) -> str:
        """A JSON value of the wrong type for its shape."""
        got = "LinkedHashMap" if isinstance(value, dict) else _JAVA_NAMES.get(type(value), "Object")
        return f"class java.lang.{got} can not be converted to an {_JAVA_TARGET[kind]}"

    def out_of_range(self, value: Any, kind: str, where: str) -> str:
        """A JSON number outside its Java type (``int``, ``long``, ``double``)."""
        if kind in javatypes.RANGES:
            low, high = javatypes.RANGES[kind]
            java = _JAVA_PRIMITIVE[kind]
            return f"Numeric value ({value}) out of range of {java} ({low} - {high})"
        return f"Numeric value ({value}) out of range of double"

    def bad_json(self, error: str | None) -> str:
        """A body that is not JSON (``error`` says why), or (``None``) not a JSON object."""
        if error is None:
            return "Start of structure or map found where not expected."
        return f"Unable to parse request body as JSON: {error}"

    def bad_blob(self) -> str:
        return "Could not decode base64 blob"

    def bad_query_number(self, raw: str, wire: str) -> str:
        return f"Cannot convert '{raw}' to an Integer"

    def bad_query_boolean(self, raw: str, wire: str) -> str:
        return f"Cannot convert '{raw}' to a Boolean"

    def enum_order(self, shape_name: str, values: Sequence[str]) -> Sequence[str]:
        return self.enum_orders.get(shape_name, values)

    # -- member paths in messages ---------------------------------------------------------------

    def top(self, operation: str, member: str) -> str:
        if self.coral_paths:
            return f"{lower_first(operation)}Input.{lower_first(member)}"
        return lower_first(member)

    def member(self, where: str, member: str) -> str:
        return f"{where}.{lower_first(member)}"

    def item(self, where: str, index: int) -> str:
        return f"{where}.{index + 1}.member" if self.coral_paths else where

    def entry(self, where: str, key: str) -> str:
        return f"{where}.{key}" if self.coral_paths else where

    def required(self, where: str, member: str) -> str:
        """The path of a missing required member (``where`` is its structure's path)."""
        return f"{where}.{lower_first(member)}" if self.coral_paths else lower_first(member)


class _Checker:
    """Type-checks one input against its shapes and gathers the validation errors."""

    def __init__(self, service: str, dialect: Dialect) -> None:
        self.errors: list[str] = []
        self.shapes = shapes(service)
        self.dialect = dialect

    def _malformed(self, message: str) -> Exception:
        return self.dialect.malformed(message)

    def value(self, value: Any, shape_name: str, where: str) -> Any:
        shape = self.shapes[shape_name]
        kind = shape["type"]
        d = self.dialect
        if kind == "structure":
            if not isinstance(value, dict):
                raise self._malformed(d.wrong_type(value, kind, where))
            out: dict[str, Any] = {}
            for name, member in shape["members"].items():
                wire = member.get("locationName", name)
                if value.get(wire) is not None:
                    out[name] = self.value(value[wire], member["shape"], d.member(where, name))
            self.required(out, shape, where)
            return out
        if kind == "list":
            if not isinstance(value, list):
                raise self._malformed(d.wrong_type(value, kind, where))
            member_shape = shape["member"]["shape"]
            enum = self.shapes[member_shape].get("enum")
            if d.whole_list_enums and enum is not None and all(isinstance(v, str) for v in value):
                if any(v not in enum for v in value):
                    self.errors.append(
                        rules.violation(
                            f"[{', '.join(value)}]",
                            where,
                            rules.enum_list(d.enum_order(member_shape, enum)),
                        )
                    )
                return list(value)
            return [self.value(v, member_shape, d.item(where, i)) for i, v in enumerate(value)]
        if kind == "map":
            if not isinstance(value, dict):
                raise self._malformed(d.wrong_type(value, kind, where))
            key_source = self.shapes[shape["key"]["shape"]].get("pattern")
            key_pattern = javatypes.pattern(key_source) if key_source is not None else None
            if key_pattern is not None and not all(key_pattern.fullmatch(str(k)) for k in value):
                # Environment variable names: a newline or "=" in one would break the process
                # environment.
                self.errors.append(rules.map_keys(where, key_pattern.pattern))
            value_shape = shape["value"]["shape"]
            return {
                str(k): self.value(v, value_shape, d.entry(where, str(k))) for k, v in value.items()
            }
        if kind == "blob":
            if isinstance(value, bytes):
                return value
            try:
                return base64.b64decode(str(value), validate=True)
            except (binascii.Error, ValueError):
                raise self._malformed(d.bad_blob()) from None
        return self.scalar(value, shape_name, where)

    def scalar(self, value: Any, shape_name: str, where: str) -> Any:
        shape = self.shapes[shape_name]
        kind = shape["type"]
        d = self.dialect
        if kind == "string":
            if not isinstance(value, str):
                raise self._malformed(d.wrong_type(value, kind, where))
            # A pattern ``re`` cannot read (Java's \p{L} in tag keys) is left to the operation.
            source = shape.get("pattern")
            pattern = javatypes.pattern(source) if source is not None else None
            if pattern is not None and not pattern.fullmatch(value):
                self.errors.append(rules.violation(value, where, rules.pattern(source or "")))
            enum = shape.get("enum")
            if enum is not None and value not in enum:
                order = d.enum_order(shape_name, enum)
                self.errors.append(rules.violation(value, where, rules.enum(order)))
            if "max" in shape and len(value) > shape["max"]:
                self.errors.append(rules.violation(value, where, rules.max_length(shape["max"])))
            if shape.get("min", 0) and len(value) < shape["min"]:
                self.errors.append(rules.violation(value, where, rules.min_length(shape["min"])))
            return value
        if kind == "boolean":
            if not isinstance(value, bool):
                raise self._malformed(d.wrong_type(value, kind, where))
            return value
        if kind in ("integer", "long"):
            if isinstance(value, bool) or not isinstance(value, int):
                raise self._malformed(d.wrong_type(value, kind, where))
            low, high = javatypes.RANGES[kind]
            if not low <= value <= high:
                raise self._malformed(d.out_of_range(value, kind, where))
            if "min" in shape and value < shape["min"]:
                self.errors.append(rules.violation(value, where, rules.min_value(shape["min"])))
            if "max" in shape and value > shape["max"]:
                self.errors.append(rules.violation(value, where, rules.max_value(shape["max"])))
            return value
        if kind in ("double", "float"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise self._malformed(d.wrong_type(value, kind, where))
            if (isinstance(value, int) and abs(value) > 2**1023) or not math.isfinite(value):
                raise self._malformed(d.out_of_range(value, kind, where))
            return float(value)
        return value  # timestamps: no JSON-bound input in the served models

    def required(self, got: dict[str, Any], shape: Shape, where: str) -> None:
        for name in shape.get("required", []):
            if got.get(name) is None:
                self.errors.append(rules.null(self.dialect.required(where, name)))

    def query_value(self, raw: str, shape_name: str, wire: str, where: str) -> Any:
        kind = self.shapes[shape_name]["type"]
        if kind == "boolean":
            if raw.lower() not in ("true", "false"):
                raise self._malformed(self.dialect.bad_query_boolean(raw, wire))
            return raw.lower() == "true"
        if kind in ("integer", "long"):
            low, high = javatypes.RANGES[kind]
            if not _DIGITS.fullmatch(raw) or not low <= int(raw) <= high:
                raise self._malformed(self.dialect.bad_query_number(raw, wire))
            return self.scalar(int(raw), shape_name, where)
        return self.scalar(raw, shape_name, where)


def parse_input(
    route: Route,
    labels: dict[str, str],
    query: dict[str, list[str]],
    headers: dict[str, str],
    body: bytes,
    dialect: Dialect,
) -> dict[str, Any]:
    """The operation's input keyed by member name. ``headers`` keys are lower-case. Raises the
    dialect's ``malformed`` or ``invalid`` error."""
    if route.input_shape is None:
        return {}
    checker = _Checker(route.service, dialect)
    shape = checker.shapes[route.input_shape]
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
                inp[name] = checker.scalar(labels[wire], mshape, lower_first(name))
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
                    where = dialect.top(route.name, name)
                    inp[name] = checker.query_value(values[0], mshape, wire, where)
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
        outside_body: list[str] = []
        if dialect.body_errors_first:
            outside_body, checker.errors = checker.errors, []
        doc = _json_body(body, dialect)
        for name, member in json_members.items():
            wire = member.get("locationName", name)
            if doc.get(wire) is not None:
                where = dialect.top(route.name, name)
                inp[name] = checker.value(doc[wire], member["shape"], where)
        checker.errors += outside_body
    top = f"{lower_first(route.name)}Input" if dialect.coral_paths else ""
    checker.required(inp, shape, top)
    if checker.errors:
        raise dialect.invalid(rules.summary(checker.errors))
    return inp


def _json_body(body: bytes, dialect: Dialect) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        doc = safejson.loads(body)
    except ValueError as exc:  # also bad UTF-8, NaN/Infinity, 1e309, nesting too deep
        raise dialect.malformed(dialect.bad_json(str(exc))) from None
    if not isinstance(doc, dict):
        raise dialect.malformed(dialect.bad_json(None))
    return doc


def serialize_output(
    route: Route, out: dict[str, Any] | None
) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) for an operation's result: header- and status-code-located
    members go to the head, a payload member is the body, the rest is the JSON body."""
    if route.output_shape is None or out is None:
        return route.status, [], b""
    all_shapes = shapes(route.service)
    shape = all_shapes[route.output_shape]
    status = route.status
    headers: list[tuple[str, str]] = []
    payload = shape.get("payload")
    body: dict[str, Any] = {}
    for name, member in shape["members"].items():
        value = out.get(name)
        if value is None:
            continue
        loc = member.get("location")
        if loc == "statusCode":
            status = int(value)
        elif loc == "header":
            headers.append((member["locationName"], str(value)))
        elif name == payload:
            raw = value if isinstance(value, bytes) else str(value).encode()
            return status, headers, raw
        else:
            body[member.get("locationName", name)] = _out(all_shapes, value, member["shape"])
    headers.append(("Content-Type", "application/json"))
    return status, headers, json.dumps(body, separators=(",", ":")).encode()


def _out(all_shapes: dict[str, Shape], value: Any, shape_name: str) -> Any:
    shape = all_shapes[shape_name]
    kind = shape["type"]
    if kind == "structure" and isinstance(value, dict):
        return {
            m.get("locationName", n): _out(all_shapes, value[n], m["shape"])
            for n, m in shape["members"].items()
            if value.get(n) is not None
        }
    if kind == "list" and isinstance(value, list | tuple):
        return [_out(all_shapes, v, shape["member"]["shape"]) for v in value]
    if kind == "map" and isinstance(value, dict):
        value_shape = shape["value"]["shape"]
        # A null entry stays null, as AWS answers it (a template map's empty template).
        return {
            k: None if v is None else _out(all_shapes, v, value_shape) for k, v in value.items()
        }
    if kind == "blob" and isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if kind == "double" and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value
