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

# What ``keySet()`` lists, in AWS's order (AWS's recording of a template iterating
# ``$context.keySet()`` and ``$context.identity.keySet()`` on an unauthorized method). Names
# read before (``authorizer``...) follow them.
_NAMES: dict[str, tuple[str, ...]] = {
    "": (
        "resourceId", "resourcePath", "httpMethod", "extendedRequestId", "requestTime", "path",
        "accountId", "protocol", "requestOverride", "stage", "domainPrefix", "requestTimeEpoch",
        "requestId", "identity", "domainName", "deploymentId", "responseOverride", "apiId",
    ),
    "identity.": (
        "cognitoIdentityPoolId", "accountId", "cognitoIdentityId", "caller", "sourceIp",
        "principalOrgId", "accessKey", "cognitoAuthenticationType",
        "cognitoAuthenticationProvider", "userArn", "userAgent", "user",
    ),
}  # fmt: skip


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

    def _fill(self) -> None:
        """Read every name this group has, so it can be listed whole, in AWS's order."""
        names = _NAMES.get(self._prefix)
        if not names:
            return
        before = dict(self)
        dict.clear(self)
        for name in names:
            if name in before:
                dict.__setitem__(self, name, before.pop(name))
            else:
                self.__missing__(name)
        self.update(before)

    def keys(self) -> Any:
        self._fill()
        return super().keys()

    def values(self) -> Any:
        self._fill()
        return super().values()

    def items(self) -> Any:
        self._fill()
        return super().items()


class _Overrides(JavaMap):
    """``requestOverride`` / ``responseOverride`` and their sections: with nothing set, they
    print as nothing (AWS's recording: ``$context.get("requestOverride")`` is ``""``)."""

    def __str__(self) -> str:
        return super().__str__() if _is_set(self) else ""


def _is_set(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_is_set(v) for v in dict.values(value))
    return value is not None


class OverrideMap(_Overrides):
    """A section of ``requestOverride`` / ``responseOverride``. AWS: "Overrides are final. An
    override may only be applied to each parameter once"; a second one is a 5XX (raised here,
    it fails the render)."""

    def __setitem__(self, name: str, value: Any) -> None:
        if self.get(name) is not None:
            raise ValueError(f"{name} is overridden more than once")
        super().__setitem__(name, value)


def new_request_override() -> JavaMap:
    # AWS's order of keySet(): path, header, querystring.
    return _Overrides(path=OverrideMap(), header=OverrideMap(), querystring=OverrideMap())


def new_response_override() -> JavaMap:
    # Only "header" until a status is set, as AWS lists it.
    return OverrideMap(header=OverrideMap())


def build(lookup: Lookup, request_override: JavaMap, response_override: JavaMap) -> ContextMap:
    ctx = ContextMap(lookup)
    ctx["requestOverride"] = request_override
    ctx["responseOverride"] = response_override
    return ctx
