"""Resource-tree matching with Amazon API Gateway's precedence: a static path part beats a
``{param}``, which beats a greedy ``{proxy+}``; ``ANY`` serves every verb a resource does not
define itself. When a more specific branch has no matching method, matching backtracks to the
next branch, so ``POST /pets`` reaches ``/{proxy+}`` ANY if ``/pets`` only defines GET."""

from __future__ import annotations

from frontgate.snapshot.snapshot import Method, RouteNode

Match = tuple[Method, dict[str, str]]


def split_path(path: str) -> list[str]:
    """Path segments for matching; empty segments from repeated or trailing slashes are kept
    only where a greedy parameter swallows them (see ``_greedy_value``)."""
    return path.split("/")[1:] if path.startswith("/") else path.split("/")


def match(root: RouteNode, path: str, method: str) -> Match | None:
    """Find the method serving ``method path`` (path without the stage, not decoded). A path
    with a dot segment (``.``/``..``, literal or percent-encoded) names no resource: a policy
    could not tell which method it meant, and a backend might resolve it to another one."""
    segments = split_path(path)
    if ("." in path or "%2" in path) and dot_segment(path):
        return None
    # A trailing slash addresses the same resource: "/pets/" is "/pets".
    if segments and segments[-1] == "":
        segments.pop()
    params: dict[str, str] = {}
    found = _walk(root, segments, 0, method, params)
    if found is None:
        return None
    return found, params


def dot_segment(path: str) -> bool:
    """Whether ``path`` holds a ``.`` or ``..`` segment once ``%2E`` and ``%2F`` are decoded."""
    if "%2" in path:
        for code, char in (("%2e", "."), ("%2E", "."), ("%2f", "/"), ("%2F", "/")):
            path = path.replace(code, char)
    segments = path.split("/")
    return "." in segments or ".." in segments


def policy_path(path: str) -> str:
    """The path policies see (the method ARN's, after the verb): the segments the router
    matched joined by one slash, so ``/pets/``, ``//pets`` and ``/pets//`` are ``/pets`` like
    the method that serves them; an encoded slash (``%2F``) counts as a slash, so a value in a
    ``{proxy+}`` path cannot hide a path a policy names. Dot segments never get here
    (:func:`match` refuses them)."""
    if "%2" in path:
        path = path.replace("%2F", "/").replace("%2f", "/")
    if "//" not in path and (not path.endswith("/") or path == "/"):
        return path
    return "/" + "/".join([seg for seg in path.split("/") if seg])


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
