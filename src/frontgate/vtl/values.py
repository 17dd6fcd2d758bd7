"""JSON values as AWS's Velocity sees them: a JSON object is a Java map (it prints as
``{foo=bar}``), a JSON array a Java list (it prints as JSON), both with the Java methods
templates call (``size()``, ``isEmpty()``, ``keySet()``, ``get()``...)."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from frontgate.fastjson import dumps_text


def to_text(value: Any) -> str:
    """How Java prints a value inside a map: booleans in lower case, null as "null" (a null
    reference printed on its own renders as nothing: the engine's job), doubles as Java's
    Double.toString, JSON arrays as JSON, JSON objects as ``{a=b}``."""
    if value is None:
        return "null"
    t = type(value)
    if t is str:
        return value  # type: ignore[no-any-return]
    if t is bool:
        return "true" if value else "false"
    if t is float:
        return java_double(value)
    if t is list:
        return to_json(value)
    if t is dict:
        return map_text(value)
    return str(value)


def map_text(m: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}={to_text(v)}" for k, v in m.items()) + "}"


def java_double(d: float) -> str:
    """Java's Double.toString: plain between 10^-3 and 10^7, else ``1.0E10`` style."""
    if d != d:
        return "NaN"
    if math.isinf(d):
        return "Infinity" if d > 0 else "-Infinity"
    a = abs(d)
    if a == 0 or 1e-3 <= a < 1e7:
        return repr(d)
    _sign, digits, exp = Decimal(repr(a)).normalize().as_tuple()
    ds = "".join(map(str, digits))
    e = len(ds) - 1 + int(exp)
    return ("-" if d < 0 else "") + f"{ds[0]}.{ds[1:] or '0'}E{e}"


class JavaMap(dict[str, Any]):
    """A JSON object inside a template."""

    def __str__(self) -> str:
        return map_text(self)

    def toString(self) -> str:
        return str(self)

    def size(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:
        return not self

    def containsKey(self, key: Any) -> bool:
        return key in self

    def keySet(self) -> list[str]:
        return VList(self.keys())  # a Java Set prints as [a, b], not as JSON

    def put(self, key: str, value: Any) -> Any:
        old = self.get(key)
        self[key] = value
        return old

    def putAll(self, other: dict[str, Any]) -> None:
        self.update(other)

    def entrySet(self) -> list[Any]:
        return JavaList(JavaMap(key=k, value=v) for k, v in self.items())


class JavaList(list[Any]):
    """A JSON array inside a template."""

    def __str__(self) -> str:
        return to_json(self)

    def toString(self) -> str:
        return str(self)

    def size(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:
        return not self

    def contains(self, value: Any) -> bool:
        return value in self

    def add(self, value: Any) -> bool:
        self.append(value)
        return True


def wrap(value: Any) -> Any:
    """A parsed JSON value with its maps and lists made Java-like (recursively)."""
    if isinstance(value, dict):
        return JavaMap((k, wrap(v)) for k, v in value.items())
    if isinstance(value, list):
        return JavaList(wrap(v) for v in value)
    return value


# ``$input.json``'s serialisation (compiled with the request path).
to_json = dumps_text


class VList(list[Any]):
    """A list made by the template (``[1, 2]``, ``[1..3]``): prints as Java's ArrayList."""

    def __str__(self) -> str:
        return "[" + ", ".join(to_text(v) for v in self) + "]"


def out(v: Any) -> str:
    """A value as ``$ref`` prints it (a null prints as nothing: AWS)."""
    t = type(v)
    if t is str:
        return v  # type: ignore[no-any-return]
    if v is None:
        return ""
    if t is bool:
        return "true" if v else "false"
    if t is int:
        return str(v)
    if t is float:
        return java_double(v)
    if t is list or t is JavaList:
        return to_json(v)  # a JSON array (net.minidev's JSONArray prints as JSON)
    if t is dict:
        return map_text(v)  # a JSON object: Java's map
    return str(v)
