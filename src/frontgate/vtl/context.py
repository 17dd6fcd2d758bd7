"""``$context`` inside a mapping template: the REST ``$context`` variables, read lazily through
a lookup the caller supplies, plus the writable ``requestOverride`` / ``responseOverride`` maps
whose contents the caller applies after rendering."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from frontgate.vtl.values import JavaMap

# The lookup answers this for a name that is not a $context variable.
MISSING: Any = object()

Lookup = Callable[[str], Any]


class ContextMap(JavaMap):
    """``$context`` or one of its groups (``identity``, ``authorizer``...): a name not set
    is looked up on first use; a name that is no variable opens a group, which prints as
    nothing when nothing is in it."""

    __slots__ = ("_lookup", "_prefix")

    def __init__(self, lookup: Lookup, prefix: str = "") -> None:
        super().__init__()
        self._lookup = lookup
        self._prefix = prefix

    def __missing__(self, name: str) -> Any:
        full = self._prefix + name
        value = self._lookup(full)
        if value is MISSING:
            value = ContextMap(self._lookup, full + ".")
        self[name] = value
        return value

    def __str__(self) -> str:
        return "" if not self else super().__str__()

    def __bool__(self) -> bool:
        return len(self) > 0


class OverrideMap(JavaMap):
    """A section of ``requestOverride`` / ``responseOverride``. AWS: "Overrides are final. An
    override may only be applied to each parameter once"; a second one is a 5XX (raised here,
    it fails the render)."""

    def __setitem__(self, name: str, value: Any) -> None:
        if self.get(name) is not None:
            raise ValueError(f"{name} is overridden more than once")
        super().__setitem__(name, value)


def new_request_override() -> JavaMap:
    return JavaMap(header=OverrideMap(), querystring=OverrideMap(), path=OverrideMap())


def new_response_override() -> JavaMap:
    return OverrideMap(header=OverrideMap(), status=None)


def build(lookup: Lookup, request_override: JavaMap, response_override: JavaMap) -> ContextMap:
    ctx = ContextMap(lookup)
    ctx["requestOverride"] = request_override
    ctx["responseOverride"] = response_override
    return ctx
