"""Input checking with Coral's (AWS's service framework's) messages: JSON types
(``SerializationException``) and model constraints (``ValidationException``: required members,
enums, patterns)."""

from __future__ import annotations

import math
import re
from typing import Any

from frontgate import javatypes
from frontgate.admin.apigateway.service import shapes
from frontgate.admin.errors import Serialization

Shape = dict[str, Any]

# AWS prints enum sets in its (Java hash-set) order, not the model's; these orders are recorded.
_ENUM_MESSAGE_ORDER: dict[str, list[str]] = {
    "IntegrationType": ["HTTP", "MOCK", "AWS_PROXY", "HTTP_PROXY", "AWS"],
    "Op": ["add", "remove", "move", "test", "replace", "copy"],
    "EndpointType": ["PRIVATE", "EDGE", "REGIONAL"],
    "GatewayResponseType": [
        "REQUEST_TOO_LARGE",
        "RESOURCE_NOT_FOUND",
        "AUTHORIZER_CONFIGURATION_ERROR",
        "MISSING_AUTHENTICATION_TOKEN",
        "BAD_REQUEST_BODY",
        "INVALID_SIGNATURE",
        "INVALID_API_KEY",
        "BAD_REQUEST_PARAMETERS",
        "AUTHORIZER_FAILURE",
        "UNAUTHORIZED",
        "INTEGRATION_TIMEOUT",
        "ACCESS_DENIED",
        "DEFAULT_4XX",
        "DEFAULT_5XX",
        "WAF_FILTERED",
        "QUOTA_EXCEEDED",
        "THROTTLED",
        "API_CONFIGURATION_ERROR",
        "UNSUPPORTED_MEDIA_TYPE",
        "INTEGRATION_FAILURE",
        "EXPIRED_TOKEN",
    ],
    "DocumentationPartType": [
        "RESPONSE_BODY",
        "RESPONSE",
        "METHOD",
        "MODEL",
        "AUTHORIZER",
        "RESPONSE_HEADER",
        "RESOURCE",
        "PATH_PARAMETER",
        "REQUEST_BODY",
        "QUERY_PARAMETER",
        "API",
        "REQUEST_HEADER",
    ],
}

# Coral refuses a number outside the range of the model type's Java type (javatypes.RANGES).
_JAVA_PRIMITIVE = {"integer": "int", "long": "long"}
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


def lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


class Checker:
    """Type-checks one input against its shape and gathers Coral-style validation errors."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.shapes = shapes()

    def value(self, value: Any, shape_name: str, where: str) -> Any:
        shape = self.shapes[shape_name]
        kind = shape["type"]
        if kind == "structure":
            if not isinstance(value, dict):
                raise _type_error(value, kind)
            out: dict[str, Any] = {}
            for name, member in shape["members"].items():
                wire = member.get("locationName", name)
                if wire in value and value[wire] is not None:
                    out[name] = self.value(value[wire], member["shape"], f"{where}.{name}")
            self.required(out, shape, where)
            return out
        if kind == "list":
            if not isinstance(value, list):
                raise _type_error(value, kind)
            member_shape = shape["member"]["shape"]
            enum = self.shapes[member_shape].get("enum")
            if enum is not None and all(isinstance(v, str) for v in value):
                # Coral checks a list of enum values as a whole (recorded wording).
                if any(v not in enum for v in value):
                    order = _ENUM_MESSAGE_ORDER.get(member_shape, list(enum))
                    self.errors.append(
                        f"Value '[{', '.join(value)}]' at '{where}' failed to satisfy "
                        "constraint: Member must satisfy constraint: [Member must satisfy enum "
                        f"value set: [{', '.join(order)}]]"
                    )
                return list(value)
            return [
                self.value(v, member_shape, f"{where}.{i + 1}.member") for i, v in enumerate(value)
            ]
        if kind == "map":
            if not isinstance(value, dict):
                raise _type_error(value, kind)
            return {
                str(k): self.value(v, shape["value"]["shape"], f"{where}.{k}")
                for k, v in value.items()
            }
        return self.scalar(value, shape_name, shape, where)

    def scalar(self, value: Any, shape_name: str, shape: Shape, where: str) -> Any:
        kind = shape["type"]
        if kind == "string":
            if not isinstance(value, str):
                raise _type_error(value, kind)
            enum = shape.get("enum")
            if enum is not None and value not in enum:
                order = _ENUM_MESSAGE_ORDER.get(shape_name, list(enum))
                self.errors.append(
                    f"Value '{value}' at '{where}' failed to satisfy constraint: "
                    f"Member must satisfy enum value set: [{', '.join(order)}]"
                )
            pattern = shape.get("pattern")
            if pattern is not None and not re.fullmatch(pattern, value):
                self.errors.append(
                    f"Value '{value}' at '{where}' failed to satisfy constraint: "
                    f"Member must satisfy regular expression pattern: {pattern}"
                )
            return value
        if kind == "boolean":
            if not isinstance(value, bool):
                raise _type_error(value, kind)
            return value
        if kind in ("integer", "long"):
            if isinstance(value, bool) or not isinstance(value, int):
                raise _type_error(value, kind)
            low, high = javatypes.RANGES[kind]
            if not low <= value <= high:
                raise Serialization(
                    f"Numeric value ({value}) out of range of {_JAVA_PRIMITIVE[kind]} "
                    f"({low} - {high})"
                )
            return value
        if kind in ("double", "float"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise _type_error(value, kind)
            if (isinstance(value, int) and abs(value) > 2**1023) or not math.isfinite(value):
                raise Serialization(f"Numeric value ({value}) out of range of double")
            return float(value)
        return value  # timestamps and blobs are never JSON-bound inputs in this model

    def required(self, got: dict[str, Any], shape: Shape, where: str) -> None:
        for name in shape.get("required", []):
            if got.get(name) is None:
                self.errors.append(
                    f"Value null at '{where}.{name}' failed to satisfy constraint: "
                    "Member must not be null"
                )

    def query_value(self, raw: str, shape_name: str, where: str) -> Any:
        kind = self.shapes[shape_name]["type"]
        if kind == "boolean":
            if raw.lower() not in ("true", "false"):
                raise Serialization(f"Cannot convert '{raw}' to a Boolean")
            return raw.lower() == "true"
        if kind in ("integer", "long"):
            low, high = javatypes.RANGES[kind]
            if not _DIGITS.fullmatch(raw) or not low <= int(raw) <= high:
                raise Serialization(f"Cannot convert '{raw}' to an Integer")
            return int(raw)
        return self.scalar(raw, shape_name, self.shapes[shape_name], where)


def _type_error(value: Any, kind: str) -> Serialization:
    got = "LinkedHashMap" if isinstance(value, dict) else _JAVA_NAMES.get(type(value), "Object")
    return Serialization(f"class java.lang.{got} can not be converted to an {_JAVA_TARGET[kind]}")
