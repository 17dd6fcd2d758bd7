"""JSON values as AWS's Velocity sees them: a JSON object is a Java map (it prints as
``{foo=bar}``), a JSON array a Java list (it prints as JSON), both with the Java methods
templates call (``size()``, ``isEmpty()``, ``keySet()``, ``get()``...)."""

from __future__ import annotations

import json
from typing import Any

_COMPACT = (",", ":")


def to_text(value: Any) -> str:
    """How Java prints a value inside a map: booleans in lower case, null as "null" (a null
    reference printed on its own renders as nothing: the engine's job)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class JavaMap(dict[str, Any]):
    """A JSON object inside a template."""

    def __str__(self) -> str:
        return "{" + ", ".join(f"{k}={to_text(v)}" for k, v in self.items()) + "}"

    def toString(self) -> str:
        return str(self)

    def size(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:
        return not self

    def containsKey(self, key: Any) -> bool:
        return key in self

    def keySet(self) -> list[str]:
        return JavaList(self.keys())

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
        return json.dumps(self, separators=_COMPACT, ensure_ascii=False)

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


def to_json(value: Any) -> str:
    """A JSONPath result serialised as JSON, as ``$input.json`` gives it."""
    return json.dumps(value, separators=_COMPACT, ensure_ascii=False)
