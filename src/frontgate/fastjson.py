"""JSON on the request path without the standard library's Python-level layers.

``json.dumps(obj, separators=...)`` builds a new JSONEncoder per call and ``json.loads`` goes
through three Python functions and two regex matches around the C scanner; on a Lambda event
those layers cost as much as the encoding itself. Same output, same errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

_ENCODER = json.JSONEncoder(separators=(",", ":"))
# The decoder's C scanner (an attribute typeshed does not declare).
_scan: Callable[[str, int], tuple[Any, int]] = getattr(json.JSONDecoder(), "scan_once")  # noqa: B009


def dumps(obj: Any) -> str:
    """``json.dumps(obj, separators=(",", ":"))``."""
    return _ENCODER.encode(obj)


def loads(data: bytes | str) -> Any:
    """``json.loads(data)``: the C scanner directly in the common case (UTF-8, nothing around
    the document); anything else takes json.loads, which gives the same value or error."""
    try:
        text = data.decode() if isinstance(data, bytes) else data
        value, end = _scan(text, 0)
    except (UnicodeDecodeError, StopIteration, ValueError, RecursionError):
        return json.loads(data)
    if end != len(text) and text[end:].strip(" \t\n\r"):
        return json.loads(data)
    return value
