"""JSON from clients, parsed so that no document can crash the code that reads it.

``json.loads`` accepts ``NaN``/``Infinity`` (not JSON: strict parsers, AWS's included, refuse
them and Frontgate would write them back out as bare ``Infinity``), turns ``1e309`` into an
infinite float, and raises ``RecursionError`` (not ``ValueError``) on a document nested deeper
than the interpreter's stack; a document nested a few hundred levels parses but then breaks
whatever walks it recursively (``copy.deepcopy``, a schema validator). ``loads`` refuses all of
these with a ``JsonError`` (a ``ValueError``) whose message says what is wrong."""

from __future__ import annotations

import json
import math
from typing import Any

# Deeper than any API definition, policy, schema or event needs; shallow enough that every
# recursive walk over a parsed document stays far from the interpreter's recursion limit.
MAX_DEPTH = 100


class JsonError(ValueError):
    """A document refused by ``loads``."""


def _constant(name: str) -> Any:
    raise JsonError(f"Non-standard token '{name}': NaN and Infinity are not JSON numbers")


def _float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise JsonError(f"Numeric value ({text[:40]}) out of range of double")
    return value


_DECODER = json.JSONDecoder(parse_constant=_constant, parse_float=_float)


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """True if ``value`` nests lists/dicts more than ``limit`` levels (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


def depth_error(limit: int = MAX_DEPTH) -> JsonError:
    return JsonError(f"JSON nesting depth exceeds the maximum allowed ({limit})")


def loads(data: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` for untrusted input; ``JsonError`` (or ``ValueError``) on a bad document."""
    text = data.decode() if isinstance(data, bytes) else data
    try:
        value = _DECODER.decode(text)
    except RecursionError:
        raise depth_error(max_depth) from None
    # Only a document with enough brackets can be too deep: the walk is skipped for most.
    if text.count("[") + text.count("{") > max_depth and too_deep(value, max_depth):
        raise depth_error(max_depth)
    return value
