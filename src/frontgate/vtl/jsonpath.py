"""The JSONPath mapping templates use (Jayway's, as AWS runs it): ``$``, ``.name``,
``['name']``, ``[n]`` (negative counts from the end), ``[*]`` / ``.*``, ``..name`` / ``..*``,
slices ``[a:b]`` / ``[-n:]``, unions ``[0,2]`` / ``['a','b']`` and filters ``[?(...)]``
(jsonpath_filter.py). Paths are parsed once and cached by their text (a template repeats
the same few)."""

from __future__ import annotations

import functools
import re
from typing import Any

from frontgate.vtl.jsonpath_filter import FilterError, parse_filter

_TOKEN = re.compile(
    r"\.\.(?P<deep>[^.\[\]]+)|\.(?P<name>[^.\[\]]+)|\[\s*(?P<index>-?\d+)\s*\]"
    r"|\[\s*'(?P<sq>[^']*)'\s*\]|\[\s*\"(?P<dq>[^\"]*)\"\s*\]|\[\s*\*\s*\]"
    r"|\[\s*(?P<start>-?\d*)\s*:\s*(?P<end>-?\d*)\s*\]"
    r"|\[(?P<union>\s*(?:-?\d+|'[^']*'|\"[^\"]*\")(?:\s*,\s*(?:-?\d+|'[^']*'|\"[^\"]*\"))+\s*)\]"
    r"|\[\s*\?\s*\((?P<filter>.*?)\)\s*\](?=$|[.\[])"
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
        elif m.group("union") is not None:
            keys = [k.strip() for k in m.group("union").split(",")]
            if all(k.lstrip("-").isdigit() for k in keys):
                steps.append(("indexes", tuple(int(k) for k in keys)))
            else:
                steps.append(("names", tuple(k[1:-1] for k in keys)))
        elif m.group("filter") is not None:
            try:
                steps.append(("filter", parse_filter(m.group("filter"), evaluate_relative)))
            except FilterError:
                raise JsonPathError(f"Invalid JSONPath: {path}") from None
        elif m.group("end") is not None:
            start, end = m.group("start"), m.group("end")
            steps.append(("slice", (int(start) if start else None, int(end) if end else None)))
        else:
            steps.append(("all", None))
        pos = m.end()
    return tuple(steps)


def evaluate(doc: Any, path: str) -> Any:
    """The value at ``path``, a list when the path fans out (``*``, ``..``, slices, unions,
    filters), None when nothing matches."""
    return evaluate_steps(doc, parse(path))


def evaluate_relative(path: str, node: Any) -> Any:
    """A filter's ``@...`` (given as ``$...``) read from ``node``."""
    return evaluate_steps(node, parse(path))


def evaluate_steps(doc: Any, steps: tuple[tuple[str, Any], ...]) -> Any:
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
            elif kind == "slice":
                many = True
                if isinstance(node, list):
                    out.extend(node[arg[0] : arg[1]])
            elif kind == "indexes":
                many = True
                if isinstance(node, list):
                    out.extend(node[i] for i in arg if -len(node) <= i < len(node))
            elif kind == "names":  # Jayway: one map of the members found
                if isinstance(node, dict):
                    out.append({k: node[k] for k in arg if k in node})
            elif kind == "filter":
                many = True  # Jayway tests each element of an array, or an object itself
                if isinstance(node, list):
                    out.extend(v for v in node if arg(v))
                elif isinstance(node, dict) and arg(node):
                    out.append(node)
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
    if name == "*":  # every value below node, parents before children
        for v in (
            node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        ):
            out.append(v)
            _deep(v, name, out)
        return
    if isinstance(node, dict):
        if name in node:
            out.append(node[name])
        for v in node.values():
            _deep(v, name, out)
    elif isinstance(node, list):
        for v in node:
            _deep(v, name, out)
