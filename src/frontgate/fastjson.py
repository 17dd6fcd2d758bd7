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


# A mapping template's JSON (``$input.json``, a JSON array printed): no ASCII escaping. The C
# encoder is built once, not per call as encode() does (a third of a small document's cost);
# its map of the containers being encoded (the circular-reference check) is empty between
# calls, and emptied after a failure.
_TEXT_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
_TEXT_MARKERS: dict[int, Any] = {}
_STR: Callable[[str], str] = json.encoder.encode_basestring
_C_MAKE: Any = getattr(json.encoder, "c_make_encoder", None)
_TEXT_ENCODE: Any = (
    None
    if _C_MAKE is None
    else _C_MAKE(_TEXT_MARKERS, _TEXT_ENCODER.default, _STR, None, ":", ",", False, False, True)
)


def dumps_text(value: Any) -> str:
    """``json.dumps(value, separators=(",", ":"), ensure_ascii=False)``, errors included."""
    if value.__class__ is str:
        return _STR(value)
    if _TEXT_ENCODE is None:  # pragma: no cover - CPython always has the accelerator
        return _TEXT_ENCODER.encode(value)
    try:
        return "".join(_TEXT_ENCODE(value, 0))
    except BaseException:
        _TEXT_MARKERS.clear()
        raise


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
