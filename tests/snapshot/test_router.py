"""Routing precedence as Amazon API Gateway applies it: static > {param} > {proxy+}."""

from __future__ import annotations

from typing import Any

import pytest

from frontgate.compile.compiler import build_tree
from frontgate.snapshot.router import match


def _res(path: str, *methods: str) -> dict[str, Any]:
    return {
        "id": "r" + str(abs(hash(path)) % 10**6),
        "path": path,
        "resourceMethods": {m: {"httpMethod": m, "authorizationType": "NONE"} for m in methods},
    }


TREE = build_tree(
    [
        _res("/", "GET"),
        _res("/pets", "GET"),
        _res("/pets/{id}", "GET", "DELETE"),
        _res("/pets/mine", "GET"),
        _res("/pets/{id}/toys", "GET"),
        _res("/files/{proxy+}", "ANY"),
        _res("/{proxy+}", "POST"),
        _res("/orders/{orderId}/items/{itemId}", "PUT"),
    ],
    {},
)


@pytest.mark.parametrize(
    ("method", "path", "resource", "params"),
    [
        ("GET", "/", "/", {}),
        ("GET", "/pets", "/pets", {}),
        ("GET", "/pets/", "/pets", {}),
        ("GET", "/pets/mine", "/pets/mine", {}),
        ("GET", "/pets/42", "/pets/{id}", {"id": "42"}),
        ("DELETE", "/pets/mine", "/pets/{id}", {"id": "mine"}),
        ("GET", "/pets/mine/toys", "/pets/{id}/toys", {"id": "mine"}),
        ("GET", "/pets/a%2Fb", "/pets/{id}", {"id": "a%2Fb"}),
        ("PATCH", "/files/a/b/c.txt", "/files/{proxy+}", {"proxy": "a/b/c.txt"}),
        ("GET", "/files/x", "/files/{proxy+}", {"proxy": "x"}),
        ("POST", "/pets", "/{proxy+}", {"proxy": "pets"}),
        ("POST", "/anything/at/all", "/{proxy+}", {"proxy": "anything/at/all"}),
        (
            "PUT",
            "/orders/1/items/2",
            "/orders/{orderId}/items/{itemId}",
            {"orderId": "1", "itemId": "2"},
        ),
    ],
)
def test_match(method: str, path: str, resource: str, params: dict[str, str]) -> None:
    found = match(TREE, path, method)
    assert found is not None
    m, got = found
    assert m.resource_path == resource
    assert got == params


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/pets"), ("GET", "/nothing"), ("GET", "/files"), ("DELETE", "/pets/1/toys")],
)
def test_no_match(method: str, path: str) -> None:
    assert match(TREE, path, method) is None


def test_any_covers_verbs_not_defined_on_the_resource() -> None:
    tree = build_tree([_res("/x", "GET", "ANY")], {})
    found_get = match(tree, "/x", "GET")
    found_post = match(tree, "/x", "POST")
    assert found_get is not None and found_get[0].http_method == "GET"
    assert found_post is not None and found_post[0].http_method == "ANY"
