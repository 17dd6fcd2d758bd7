"""The ``patchOperations`` engine shared by every Update* operation.

Each resource family declares its patchable paths as ``Rule``s; a path is a JSON Pointer whose
segments are unescaped (``~1`` -> ``/``, ``~0`` -> ``~``), and the pattern also decides where the
value is stored. AWS departs from RFC 6902 in ways clients rely on, reproduced here: values are
always strings converted per path, ``add`` on a list element takes the element from the path
(``/binaryMediaTypes/image~1png``), ``replace`` of a missing member creates it, and errors use
AWS's wording (note the double space in "Invalid patch path  '...'").
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from frontgate import javatypes
from frontgate.admin.errors import BadRequest

Doc = dict[str, Any]
Convert = Callable[[str | None, str], Any]  # (value, path) -> stored value

_INT = re.compile(r"[+-]?[0-9]{1,19}")  # longer: out of range (and int() would refuse it)
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
OPS = ("add", "remove", "move", "test", "replace", "copy")  # in AWS's message order


def as_str(value: str | None, path: str) -> Any:
    return value


def as_bool(value: str | None, path: str) -> Any:
    # An absent value reads as false (Java's Boolean.parseBoolean(null)); any other text than
    # "true" or "false" is refused rather than silently read as false.
    if value is None:
        return False
    low = value.strip().lower()
    if low not in ("true", "false"):
        raise BadRequest(
            f"Invalid value '{value}' specified for {path}. Must be one of: [true, false]"
        )
    return low == "true"


def as_int(value: str | None, path: str) -> Any:
    """A Java ``int``: decimal digits only, within -2^31..2^31-1."""
    text = (value or "").strip()
    if not _INT.fullmatch(text) or not javatypes.INT_MIN <= int(text) <= javatypes.INT_MAX:
        raise BadRequest(f"Invalid value '{value}' specified for {path}")
    return int(text)


def as_float(value: str | None, path: str) -> Any:
    """A finite Java ``double`` written as a decimal number (no ``inf``, ``nan`` or ``1_0``)."""
    text = (value or "").strip()
    number = float(text) if _FLOAT.fullmatch(text) else math.inf
    if not math.isfinite(number):
        raise BadRequest(f"Invalid value '{value}' specified for {path}")
    return number


def in_range(conv: Convert, low: float, high: float) -> Convert:
    """``conv`` whose result must lie in ``[low, high]`` (AWS's bounds for the member)."""

    def checked(value: str | None, path: str) -> Any:
        number = conv(value, path)
        if not low <= number <= high:
            raise BadRequest(
                f"Invalid value '{value}' specified for {path}. Must be between "
                f"{_num(low)} and {_num(high)}"
            )
        return number

    return checked


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


# Throttle and quota numbers: non-negative, and a rate no larger than the largest burst.
COUNT = in_range(as_int, 0, javatypes.INT_MAX)
RATE = in_range(as_float, 0, javatypes.INT_MAX)


def enum_of(*allowed: str) -> Convert:
    def conv(value: str | None, path: str) -> Any:
        if value not in allowed:
            raise BadRequest(
                f"Invalid value '{value}' specified for {path}. Must be one of: "
                f"[{', '.join(allowed)}]"
            )
        return value

    return conv


@dataclass(frozen=True, slots=True)
class PatchOp:
    op: str
    path: str
    value: str | None
    from_: str | None
    segments: tuple[str, ...]  # unescaped


def unescape(segment: str) -> str:
    return segment.replace("~1", "/").replace("~0", "~")


def split_path(path: str) -> tuple[str, ...]:
    if not path.startswith("/"):
        return (unescape(path),) if path else ()
    return tuple(unescape(s) for s in path[1:].split("/"))


@dataclass(frozen=True, slots=True)
class Rule:
    """One patchable path. ``kind`` says how the value lands in the document:

    * ``scalar``: the pattern's segments name a (nested) member, set or removed;
    * ``entry``: the last segment ``{x}`` is a key in the map the others name;
    * ``element``: the last segment is itself a list element (``/binaryMediaTypes/{type}``);
    * ``item``: the value is a list element (``/authorizationScopes`` with value ``scope``).
    """

    pattern: str
    ops: frozenset[str]
    kind: Literal["scalar", "entry", "element", "item"] = "scalar"
    conv: Convert = as_str
    key: tuple[str, ...] | None = None  # stored location if it differs from the pattern
    listed: bool = True  # shown in the "Must be one of" list

    def matches(self, segments: tuple[str, ...]) -> bool:
        pat = self.pattern[1:].split("/")
        if len(pat) != len(segments):
            return False
        return all(
            (p.startswith("{") and bool(s)) or p == s for p, s in zip(pat, segments, strict=True)
        )

    def location(self, segments: tuple[str, ...]) -> tuple[str, ...]:
        if self.key is not None:
            return self.key
        pat = self.pattern[1:].split("/")
        return tuple(s for p, s in zip(pat, segments, strict=True) if not p.startswith("{"))


def rule(pattern: str, *ops: str, **kw: Any) -> Rule:
    return Rule(pattern, frozenset(ops or ("replace",)), **kw)


Fallback = Callable[[Doc, PatchOp], bool]


def parse_ops(raw: Sequence[dict[str, Any]] | None) -> list[PatchOp]:
    """The operations, checked for what every path needs: an ``op`` and a ``path``."""
    out = []
    for item in raw or []:
        op, path = item.get("op"), item.get("path")
        if op is None:
            raise BadRequest(
                f"Invalid patch operation specified. Must be one of: [{', '.join(OPS)}]"
            )
        if not path:
            raise BadRequest(f"Invalid patch path {'null' if path is None else path}")
        out.append(PatchOp(op, path, item.get("value"), item.get("from"), split_path(path)))
    return out


def apply_patch(
    doc: Doc,
    raw_ops: Sequence[dict[str, Any]] | None,
    rules: Sequence[Rule],
    *,
    fallback: Fallback | None = None,
    short_path: bool = False,
    short_op: bool = False,
) -> Doc:
    """A patched deep copy of ``doc``; raises ``BadRequest`` with AWS's message on a bad op.

    AWS words these errors two ways, per resource (recorded): the long form names the path and
    op (resources, models, validators, documentation, keys); the short forms say
    ``Invalid patch path /x`` for an unknown path (``short_path``: methods, gateway responses)
    and ``Invalid patch operation specified. Must be one of: [replace]`` for an op the path
    does not take (``short_op``: those and REST APIs)."""
    doc = copy.deepcopy(doc)
    for op in parse_ops(raw_ops):
        if fallback is not None and fallback(doc, op):
            continue
        found = next((r for r in rules if r.matches(op.segments)), None)
        if found is None:
            if short_path:
                raise BadRequest(f"Invalid patch path {op.path}")
            listing = ", ".join(r.pattern for r in rules if r.listed and op.op in r.ops)
            if not listing:  # no path takes this op at all
                raise BadRequest(
                    f"Invalid patch path  '{op.path}' specified for op '{op.op}'. "
                    "Please choose supported operations"
                )
            raise BadRequest(
                f"Invalid patch path  '{op.path}' specified for op '{op.op}'. "
                f"Must be one of: [{listing}]"
            )
        if op.op not in found.ops:
            if short_op:
                allowed = ["replace"] if "replace" in found.ops else sorted(found.ops)
                raise BadRequest(
                    f"Invalid patch operation specified. Must be one of: [{', '.join(allowed)}]"
                )
            raise BadRequest(
                f"Invalid patch path  '{op.path}' specified for op '{op.op}'. "
                "Please choose supported operations"
            )
        apply_rule(doc, found, op)
    return doc


def _container(doc: Doc, loc: tuple[str, ...], create: bool) -> Doc | None:
    node: Any = doc
    for key in loc:
        nxt = node.get(key)
        if not isinstance(nxt, dict):
            if not create:
                return None
            nxt = {}
            node[key] = nxt
        node = nxt
    return node  # type: ignore[no-any-return]


def _drop_if_empty(doc: Doc, loc: tuple[str, ...]) -> None:
    """AWS leaves out a map or list whose last entry was removed (``requestParameters``,
    ``binaryMediaTypes``...) rather than answering it empty."""
    parent = _container(doc, loc[:-1], create=False)
    if parent is not None and loc and parent.get(loc[-1]) in ({}, []):
        del parent[loc[-1]]


def apply_rule(doc: Doc, r: Rule, op: PatchOp) -> None:
    loc = r.location(op.segments)
    if op.op in ("copy", "move"):
        src = next((x for x in (split_path(op.from_ or ""),)), ())
        parent = _container(doc, src[:-1], create=False)
        value = None if parent is None or not src else parent.get(src[-1])
        target = _container(doc, loc[:-1], create=True)
        assert target is not None
        target[loc[-1]] = copy.deepcopy(value)
        if op.op == "move" and parent is not None and src:
            parent.pop(src[-1], None)
        return
    if r.kind == "scalar":
        parent = _container(doc, loc[:-1], create=op.op != "remove")
        if parent is None:
            return
        if op.op == "remove" or (op.value is None and r.conv is as_str):
            parent.pop(loc[-1], None)
        else:
            parent[loc[-1]] = r.conv(op.value, op.path)
    elif r.kind == "entry":
        entry = op.segments[-1]
        container = _container(doc, loc, create=op.op != "remove")
        if container is None:
            return
        if op.op == "remove":
            container.pop(entry, None)
            _drop_if_empty(doc, loc)
        else:
            container[entry] = r.conv(op.value, op.path)
    elif r.kind == "element":
        items: list[Any] = doc.setdefault(loc[0], [])
        element = op.segments[-1]
        if op.op == "add":
            if element not in items:
                items.append(element)
        elif op.op == "remove":
            if element in items:
                items.remove(element)
            _drop_if_empty(doc, loc[:1])
        else:  # replace: AWS drops the old element and appends the new one
            if element in items:
                items.remove(element)
            if op.value is not None and op.value not in items:
                items.append(op.value)
    else:  # item
        items = doc.setdefault(loc[0], [])
        value = r.conv(op.value, op.path)
        if op.op == "add":
            if value not in items:
                items.append(value)
        elif op.op == "remove":
            if value in items:
                items.remove(value)
            elif op.value is None:
                items.clear()
            _drop_if_empty(doc, loc[:1])
        else:
            doc[loc[0]] = [value] if value is not None else []
