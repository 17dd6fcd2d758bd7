"""JSONPath filters, ``[?(@.price < 10 && @.category == 'fiction')]``, as Jayway JsonPath
(AWS's) reads them: a comparison of ``@``'s member with a literal (number, quoted string,
true, false, null), or ``@.member`` alone (the member exists); ``&&`` binds tighter than
``||``; ``=~ /regex/`` and ``/regex/i``. A filter is parsed once into a predicate."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

_MISSING: Any = object()
_CMP = re.compile(r"\s*(@[^\s=!<>~]*)\s*(==|!=|<=|>=|<|>|=~)\s*(.+?)\s*$", re.S)
_MEMBER = re.compile(r"@(?:\.[\w-]+|\[[^\]]*\])*")
_REGEX = re.compile(r"/(.*)/([i]*)$", re.S)

Predicate = Callable[[Any], bool]


class FilterError(ValueError):
    pass


# How the caller (jsonpath.py) reads ``$...`` from a node: (path, node) -> value or None.
Resolve = Callable[[str, Any], Any]


def _member(path: str, resolve: Resolve) -> Callable[[Any], Any]:
    """``@.a.b`` / ``@['a']`` as a function of the current node (a missing member: _MISSING)."""
    if _MEMBER.fullmatch(path) is None:
        raise FilterError(path)
    rel = "$" + path[1:]
    name = path[2:] if path.startswith("@.") and path[2:].isidentifier() else None

    def get(node: Any) -> Any:
        found = resolve(rel, node)
        if found is None and not (name and isinstance(node, dict) and name in node):
            return _MISSING  # a member present with a null value is not a missing one
        return found

    return get


def _literal(text: str) -> Any:
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("\\'", "'")
    try:
        return json.loads(text)
    except ValueError:
        raise FilterError(text) from None


def _compare(op: str, a: Any, b: Any) -> bool:
    """Jayway's comparisons: numbers with numbers, strings with strings; == on any JSON."""
    if a is _MISSING:
        return op == "!="
    if op == "==":
        return bool(a == b) and (type(a) is bool) == (type(b) is bool)
    if op == "!=":
        return not _compare("==", a, b)
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    both_numbers = isinstance(a, (int, float)) and isinstance(b, (int, float))
    if not both_numbers and not (isinstance(a, str) and isinstance(b, str)):
        return False
    return _order(op, a, b)


def _order(op: str, a: Any, b: Any) -> bool:
    if op == "<":
        return bool(a < b)
    if op == "<=":
        return bool(a <= b)
    if op == ">":
        return bool(a > b)
    return bool(a >= b)


def _term(text: str, resolve: Resolve) -> Predicate:
    text = text.strip()
    m = _CMP.match(text)
    if m is None:
        get = _member(text, resolve)
        return lambda node: get(node) is not _MISSING
    get, op, right = _member(m.group(1), resolve), m.group(2), m.group(3)
    if op == "=~":
        rm = _REGEX.match(right)
        if rm is None:
            raise FilterError(right)
        rx = re.compile(rm.group(1), re.I if rm.group(2) else 0)
        return lambda node: isinstance(v := get(node), str) and rx.fullmatch(v) is not None
    value = _literal(right)
    return lambda node: _compare(op, get(node), value)


def parse_filter(text: str, resolve: Resolve) -> Predicate:
    """``text`` is what stands between ``[?(`` and ``)]``; raises FilterError."""
    alternatives: list[list[Predicate]] = [
        [_term(t, resolve) for t in part.split("&&")] for part in text.split("||")
    ]
    return lambda node: any(all(t(node) for t in terms) for terms in alternatives)
