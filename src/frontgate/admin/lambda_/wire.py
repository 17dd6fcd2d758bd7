"""The Lambda API's wire contract, read from botocore's ``lambda`` model (rest-json): routes from
``http.requestUri``, inputs from URI labels, query, headers, a blob payload or the JSON body
(blobs base64), checked against the model's constraints; outputs written through the output
shape (header and status-code members, blob payloads, internal ``_`` members dropped)."""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import botocore.loaders

from frontgate import javatypes, safejson
from frontgate.functions.errors import InvalidRequestContent, Validation

Shape = dict[str, Any]


@functools.cache
def model() -> dict[str, Any]:
    return dict(botocore.loaders.Loader().load_service_model("lambda", "service-2"))


def shapes() -> dict[str, Shape]:
    return model()["shapes"]  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class Op:
    name: str
    method: str
    segments: tuple[str | None, ...]  # literal, or None for a label
    labels: tuple[str, ...]
    status: int
    input_shape: str | None
    output_shape: str | None


class Router:
    def __init__(self, names: frozenset[str]) -> None:
        self.ops: dict[tuple[str, int], list[Op]] = {}
        for name in names:
            spec = model()["operations"][name]
            http = spec["http"]
            segs: list[str | None] = []
            labels: list[str] = []
            for seg in http["requestUri"].split("?")[0].strip("/").split("/"):
                if seg.startswith("{"):
                    segs.append(None)
                    labels.append(seg.strip("{}+"))
                else:
                    segs.append(seg)
            op = Op(
                name,
                http["method"],
                tuple(segs),
                tuple(labels),
                int(http.get("responseCode", 200)),
                spec.get("input", {}).get("shape"),
                spec.get("output", {}).get("shape"),
            )
            self.ops.setdefault((op.method, len(segs)), []).append(op)

    def match(self, method: str, path: str) -> tuple[Op, dict[str, str]] | None:
        raw = path.strip("/").split("/")
        for op in self.ops.get((method, len(raw)), []):
            values: list[str] = []
            for lit, seg in zip(op.segments, raw, strict=True):
                seg = unquote(seg)
                if lit is None:
                    values.append(seg)
                elif lit != seg:
                    break
            else:
                return op, dict(zip(op.labels, values, strict=True))
        return None


def _lower(name: str) -> str:
    return name[:1].lower() + name[1:]


def _key_pattern(shape_name: str) -> re.Pattern[str] | None:
    pattern = shapes()[shape_name].get("pattern")
    return javatypes.pattern(pattern) if pattern is not None else None


class _Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def value(self, value: Any, shape_name: str, where: str) -> Any:
        shape = shapes()[shape_name]
        kind = shape["type"]
        if kind == "structure":
            if not isinstance(value, dict):
                raise InvalidRequestContent(f"Could not parse request body into json: {where}")
            out = {}
            for name, member in shape["members"].items():
                if value.get(name) is not None:
                    out[name] = self.value(value[name], member["shape"], f"{where}.{_lower(name)}")
            self.required(out, shape, where)
            return out
        if kind == "list":
            if not isinstance(value, list):
                raise InvalidRequestContent(f"Could not parse request body into json: {where}")
            return [self.value(v, shape["member"]["shape"], where) for v in value]
        if kind == "map":
            if not isinstance(value, dict):
                raise InvalidRequestContent(f"Could not parse request body into json: {where}")
            pattern = _key_pattern(shape["key"]["shape"])
            if pattern is not None and not all(pattern.fullmatch(str(k)) for k in value):
                # Environment variable names: a newline or "=" in one would break the process
                # environment. The keys are not echoed (the model marks them sensitive).
                self.errors.append(
                    f"Value at '{where}' failed to satisfy constraint: Map keys must satisfy "
                    "constraint: [Member must satisfy regular expression pattern: "
                    f"{pattern.pattern}]"
                )
            return {str(k): self.value(v, shape["value"]["shape"], where) for k, v in value.items()}
        if kind == "blob":
            if isinstance(value, bytes):
                return value
            try:
                return base64.b64decode(str(value), validate=True)
            except (binascii.Error, ValueError):
                raise InvalidRequestContent("Could not decode base64 blob") from None
        return self.scalar(value, shape, where)

    def scalar(self, value: Any, shape: Shape, where: str) -> Any:
        kind = shape["type"]
        if kind == "string":
            if not isinstance(value, str):
                raise InvalidRequestContent(f"Could not parse request body into json: {where}")
            # Tag keys and values use \p{L}, which re cannot read: left to the operation.
            pattern = javatypes.pattern(shape["pattern"]) if "pattern" in shape else None
            if pattern is not None and not pattern.fullmatch(value):
                self._fail(
                    value,
                    where,
                    "Member must satisfy regular expression pattern: " + shape["pattern"],
                )
            if "enum" in shape and value not in shape["enum"]:
                self._fail(
                    value,
                    where,
                    "Member must satisfy enum value set: [" + ", ".join(shape["enum"]) + "]",
                )
            if "max" in shape and len(value) > shape["max"]:
                self._fail(
                    value, where, f"Member must have length less than or equal to {shape['max']}"
                )
            if shape.get("min", 0) and len(value) < shape["min"]:
                self._fail(
                    value, where, f"Member must have length greater than or equal to {shape['min']}"
                )
            return value
        if kind in ("integer", "long"):
            low, high = javatypes.RANGES[kind]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise InvalidRequestContent(f"Could not parse request body into json: {where}")
            if "min" in shape and value < shape["min"]:
                self._fail(
                    value, where, f"Member must have value greater than or equal to {shape['min']}"
                )
            if "max" in shape and value > shape["max"]:
                self._fail(
                    value, where, f"Member must have value less than or equal to {shape['max']}"
                )
            return value
        if kind == "boolean":
            if not isinstance(value, bool):
                raise InvalidRequestContent(f"Could not parse request body into json: {where}")
            return value
        return value

    def _fail(self, value: Any, where: str, rule: str) -> None:
        self.errors.append(f"Value '{value}' at '{where}' failed to satisfy constraint: {rule}")

    def required(self, got: dict[str, Any], shape: Shape, where: str) -> None:
        for name in shape.get("required", []):
            if got.get(name) is None:
                self.errors.append(
                    f"Value null at '{_lower(name)}' failed to satisfy constraint: "
                    "Member must not be null"
                )


def parse_input(
    op: Op,
    labels: dict[str, str],
    query: dict[str, list[str]],
    headers: dict[str, str],
    body: bytes,
) -> dict[str, Any]:
    """The operation's input by member name; ``headers`` keys lower-case."""
    if op.input_shape is None:
        return {}
    shape = shapes()[op.input_shape]
    checker = _Checker()
    inp: dict[str, Any] = {}
    json_members: dict[str, Shape] = {}
    for name, member in shape["members"].items():
        loc = member.get("location")
        wire = member.get("locationName", name)
        mshape = shapes()[member["shape"]]
        if loc == "uri" and wire in labels:
            inp[name] = checker.scalar(labels[wire], mshape, _lower(name))
        elif loc == "querystring" and wire in query:
            raw = query[wire][0]
            if mshape["type"] in ("integer", "long"):
                try:
                    inp[name] = int(raw)
                except ValueError:
                    raise InvalidRequestContent(f"Invalid value for {wire}: {raw}") from None
            else:
                inp[name] = checker.scalar(raw, mshape, _lower(name))
        elif loc == "header" and wire.lower() in headers:
            inp[name] = headers[wire.lower()]
        elif name == shape.get("payload"):
            inp[name] = body
        elif loc is None:
            json_members[name] = member
    if json_members and body.strip():
        try:
            doc = safejson.loads(body)
        except ValueError:  # also NaN/Infinity, 1e309 and nesting too deep
            raise InvalidRequestContent("Could not parse request body into json") from None
        if not isinstance(doc, dict):
            raise InvalidRequestContent("Could not parse request body into json")
        for name, member in json_members.items():
            if doc.get(name) is not None:
                inp[name] = checker.value(doc[name], member["shape"], _lower(name))
    checker.required(inp, shape, "")
    if checker.errors:
        n = len(checker.errors)
        raise Validation(
            f"{n} validation error{'s' if n > 1 else ''} detected: " + "; ".join(checker.errors)
        )
    return inp


def serialize_output(
    op: Op, out: dict[str, Any] | None
) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) for an operation's result."""
    if op.output_shape is None or out is None:
        return op.status, [], b""
    shape = shapes()[op.output_shape]
    status = op.status
    headers: list[tuple[str, str]] = []
    body: dict[str, Any] = {}
    payload_name = shape.get("payload")
    for name, member in shape["members"].items():
        value = out.get(name)
        if value is None:
            continue
        loc = member.get("location")
        if loc == "statusCode":
            status = int(value)
        elif loc == "header":
            headers.append((member["locationName"], str(value)))
        elif name == payload_name:
            raw = value if isinstance(value, bytes) else str(value).encode()
            return status, headers, raw
        else:
            body[name] = _out(value, member["shape"])
    headers.append(("Content-Type", "application/json"))
    return status, headers, json.dumps(body, separators=(",", ":")).encode()


def _out(value: Any, shape_name: str) -> Any:
    shape = shapes()[shape_name]
    kind = shape["type"]
    if kind == "structure" and isinstance(value, dict):
        return {
            n: _out(value[n], m["shape"])
            for n, m in shape["members"].items()
            if value.get(n) is not None
        }
    if kind == "list" and isinstance(value, list):
        return [_out(v, shape["member"]["shape"]) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _out(v, shape["value"]["shape"]) for k, v in value.items()}
    if kind == "blob" and isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value
