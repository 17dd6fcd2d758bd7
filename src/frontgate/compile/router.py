"""Resource-tree matching with Amazon API Gateway's precedence: a static path part beats a
``{param}``, which beats a greedy ``{proxy+}``; ``ANY`` serves every verb a resource does not
define itself. When a more specific branch has no matching method, matching backtracks to the
next branch, so ``POST /pets`` reaches ``/{proxy+}`` ANY if ``/pets`` only defines GET."""

from __future__ import annotations

from frontgate.compile.snapshot import Method, RouteNode

Match = tuple[Method, dict[str, str]]


def split_path(path: str) -> list[str]:
    """Path segments for matching; empty segments from repeated or trailing slashes are kept
    only where a greedy parameter swallows them (see ``_greedy_value``)."""
    return path.split("/")[1:] if path.startswith("/") else path.split("/")


def match(root: RouteNode, path: str, method: str) -> Match | None:
    """Find the method serving ``method path`` (path without the stage, not decoded)."""
    segments = split_path(path)
    # A trailing slash addresses the same resource: "/pets/" is "/pets".
    if segments and segments[-1] == "":
        segments.pop()
    params: dict[str, str] = {}
    found = _walk(root, segments, 0, method, params)
    if found is None:
        return None
    return found, params


def _method_of(node: RouteNode, method: str) -> Method | None:
    m = node.methods.get(method)
    if m is None:
        m = node.methods.get("ANY")
    return m


def _walk(
    node: RouteNode, segments: list[str], i: int, method: str, params: dict[str, str]
) -> Method | None:
    if i == len(segments):
        return _method_of(node, method)
    seg = segments[i]
    if seg == "":
        # "//" inside a path: skip the empty part (AWS normalises it for matching).
        return _walk(node, segments, i + 1, method, params)
    child = node.static.get(seg)
    if child is not None:
        found = _walk(child, segments, i + 1, method, params)
        if found is not None:
            return found
    if node.param is not None and node.param_name is not None:
        found = _walk(node.param, segments, i + 1, method, params)
        if found is not None:
            params[node.param_name] = seg
            return found
    if node.greedy is not None and node.greedy_name is not None:
        found = _method_of(node.greedy, method)
        if found is not None:
            params[node.greedy_name] = "/".join(segments[i:])
            return found
    return None
