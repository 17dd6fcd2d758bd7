"""The JSONPath subset mapping templates use: ``$``, ``.name``, ``['name']``, ``[n]``
(negative counts from the end), ``[*]`` / ``.*`` and ``..name``. Paths are parsed once and
cached by their text (a template repeats the same few)."""

from __future__ import annotations

import functools
import re
from typing import Any

_TOKEN = re.compile(
    r"\.\.(?P<deep>[^.\[\]]+)|\.(?P<name>[^.\[\]]+)|\[\s*(?P<index>-?\d+)\s*\]"
    r"|\[\s*'(?P<sq>[^']*)'\s*\]|\[\s*\"(?P<dq>[^\"]*)\"\s*\]|\[\s*\*\s*\]"
)
_NOTHING: Any = object()


class JsonPathError(ValueError):
    pass


@functools.lru_cache(maxsize=512)
def parse(path: str) -> tuple[tuple[str, Any], ...]:
    """``path`` as steps: ("name", str), ("index", int), ("all", None), ("deep", str)."""
    text = path.strip()
    if not text.startswith("$"):
        raise JsonPathError(f"Invalid JSONPath: {path}")
    pos = 1
    steps: list[tuple[str, Any]] = []
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise JsonPathError(f"Invalid JSONPath: {path}")
        if m.group("deep") is not None:
            steps.append(("deep", m.group("deep")))
        elif m.group("name") is not None:
            name = m.group("name")
            steps.append(("all", None) if name == "*" else ("name", name))
        elif m.group("index") is not None:
            steps.append(("index", int(m.group("index"))))
        elif m.group("sq") is not None:
            steps.append(("name", m.group("sq")))
        elif m.group("dq") is not None:
            steps.append(("name", m.group("dq")))
        else:
            steps.append(("all", None))
        pos = m.end()
    return tuple(steps)


def evaluate(doc: Any, path: str) -> Any:
    """The value at ``path``, a list when the path fans out (``*``, ``..``), None when nothing
    matches."""
    steps = parse(path)
    nodes = [doc]
    many = False
    for kind, arg in steps:
        out: list[Any] = []
        for node in nodes:
            if kind == "name":
                if isinstance(node, dict) and arg in node:
                    out.append(node[arg])
            elif kind == "index":
                if isinstance(node, list) and -len(node) <= arg < len(node):
                    out.append(node[arg])
            elif kind == "all":
                many = True
                if isinstance(node, dict):
                    out.extend(node.values())
                elif isinstance(node, list):
                    out.extend(node)
            else:
                many = True
                _deep(node, arg, out)
        nodes = out
    if many:
        return nodes
    return nodes[0] if nodes else None


def _deep(node: Any, name: str, out: list[Any]) -> None:
    if isinstance(node, dict):
        if name in node:
            out.append(node[name])
        for v in node.values():
            _deep(v, name, out)
    elif isinstance(node, list):
        for v in node:
            _deep(v, name, out)
