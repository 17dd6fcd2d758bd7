"""Pieces both compilers share (REST resources and HTTP API routes): the routing trie's
nodes, integration URI templates, and the error a stage that cannot compile raises."""

from __future__ import annotations

import re

from frontgate.snapshot.snapshot import RouteNode, UriTemplate


class StageCompileError(ValueError):
    """A stored stage that cannot be compiled; ``str()`` names the method and the reason."""


_HOLE = re.compile(r"\{([A-Za-z0-9._$-]+\+?)\}")


def compile_uri(uri: str) -> UriTemplate:
    parts: list[str] = []
    greedy: set[str] = set()
    pos = 0
    for m in _HOLE.finditer(uri):
        name = m.group(1)
        if name.endswith("+"):
            name = name[:-1]
            greedy.add(name)
        parts.append(uri[pos : m.start()])
        parts.append(name)
        pos = m.end()
    parts.append(uri[pos:])
    return UriTemplate(tuple(parts), frozenset(greedy))


def child(node: RouteNode, part: str) -> RouteNode:
    if part.startswith("{") and part.endswith("+}"):
        if node.greedy is None:
            node.greedy = RouteNode()
            node.greedy_name = part[1:-2]
        return node.greedy
    if part.startswith("{") and part.endswith("}"):
        if node.param is None:
            node.param = RouteNode()
            node.param_name = part[1:-1]
        return node.param
    found = node.static.get(part)
    if found is None:
        found = node.static[part] = RouteNode()
    return found
