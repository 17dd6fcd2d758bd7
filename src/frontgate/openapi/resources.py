"""OpenAPI path keys to API Gateway resource documents: segment checks and the resource tree."""

from __future__ import annotations

import re

from frontgate import ids
from frontgate.definition.model import Doc

from .errors import OpenApiImportError

# AWS's CreateResource rule: "Resource's path part only allow a-zA-Z0-9._- and curly braces at
# the beginning and the end and an optional plus sign before the closing brace."
_LITERAL_RE = re.compile(r"^[A-Za-z0-9._-]+$")
_VARIABLE_RE = re.compile(r"^\{[A-Za-z0-9._-]+\+?\}$")


def is_variable(part: str) -> bool:
    return part.startswith("{")


def is_greedy(part: str) -> bool:
    return part.endswith("+}")


def split_path(path: str) -> list[str]:
    """Segments of a path key; one trailing slash is tolerated (``/pets/`` is ``/pets``)."""
    if not path.startswith("/"):
        raise ValueError("path must start with '/'")
    body = path[1:]
    if body.endswith("/"):
        body = body[:-1]
    if not body:
        return []
    parts = body.split("/")
    for part in parts:
        if not part:
            raise ValueError("path has an empty segment ('//')")
        if not (_LITERAL_RE.match(part) or _VARIABLE_RE.match(part)):
            raise ValueError(
                f"invalid path segment {part!r}: only a-zA-Z0-9._- are allowed, or a "
                "{variable} with an optional '+' before the closing brace"
            )
    for part in parts[:-1]:
        if is_greedy(part):
            raise ValueError(f"greedy path variable {part} must be the last segment")
    return parts


def join_path(parts: list[str]) -> str:
    return "/" + "/".join(parts)


class ResourceTree:
    """Resources keyed by path, created on demand so intermediate segments exist exactly once."""

    def __init__(self, root_id: str, source: str) -> None:
        self.source = source
        self.by_path: dict[str, Doc] = {"/": {"id": root_id, "path": "/"}}
        self.children: dict[str, list[str]] = {}  # parent path -> child paths
        self._ids = {root_id}

    @classmethod
    def from_resources(cls, resources: list[Doc], source: str) -> ResourceTree:
        root = next(r for r in resources if r.get("path") == "/")
        tree = cls(root["id"], source)
        tree.by_path["/"] = root
        for res in sorted((r for r in resources if r.get("path") != "/"), key=_depth):
            tree.by_path[res["path"]] = res
            tree._ids.add(res["id"])
            parent = res["path"].rsplit("/", 1)[0] or "/"
            tree.children.setdefault(parent, []).append(res["path"])
        return tree

    def fresh_id(self) -> str:
        new = ids.short_id()
        while new in self._ids:
            new = ids.short_id()
        self._ids.add(new)
        return new

    def ensure(self, parts: list[str], where: str, new_id: str | None = None) -> Doc:
        """The resource for ``parts``, creating it and its ancestors when missing."""
        current = self.by_path["/"]
        for depth in range(len(parts)):
            path = join_path(parts[: depth + 1])
            existing = self.by_path.get(path)
            if existing is not None:
                current = existing
                continue
            part = parts[depth]
            self._check_sibling(current, part, where)
            is_last = depth == len(parts) - 1
            rid = new_id if is_last and new_id and new_id not in self._ids else self.fresh_id()
            self._ids.add(rid)
            res: Doc = {"id": rid, "parentId": current["id"], "pathPart": part, "path": path}
            self.by_path[path] = res
            self.children.setdefault(current["path"], []).append(path)
            current = res
        return current

    def _check_sibling(self, parent: Doc, part: str, where: str) -> None:
        if is_greedy(parent.get("pathPart", "")):
            raise OpenApiImportError(
                self.source,
                "Cannot create a child of a resource with a greedy path variable: "
                f"{parent['pathPart']} (at {parent['path']})",
                where,
            )
        if not is_variable(part):
            return
        for sibling_path in self.children.get(parent["path"], []):
            sibling = self.by_path[sibling_path]["pathPart"]
            if not is_variable(sibling):
                continue
            if is_greedy(sibling) or is_greedy(part):
                detail = (
                    f"A sibling ({sibling}) of this resource already has a variable path part "
                    f"-- only one is allowed (adding {part} under {parent['path']})"
                )
            else:
                detail = (
                    f"conflicting path variables {sibling} and {part} at the same position "
                    f"under {parent['path']}"
                )
            raise OpenApiImportError(self.source, detail, where)

    def resources(self) -> list[Doc]:
        """Root first, then parents before children, siblings in path order."""
        return [self.by_path[p] for p in sorted(self.by_path, key=_path_key)]


def _depth(res: Doc) -> int:
    return str(res["path"]).count("/")


def _path_key(path: str) -> tuple[int, str]:
    return (0 if path == "/" else 1, path)
