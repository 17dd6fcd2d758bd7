"""The JSONPath subset templates use."""

from __future__ import annotations

import pytest

from frontgate.vtl.jsonpath import JsonPathError, evaluate

DOC = {"a": {"b": [10, 20, {"c": "x"}]}, "k-1": 1, "list": [{"n": 1}, {"n": 2}]}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", DOC),
        ("$.a.b[0]", 10),
        ("$.a.b[-1].c", "x"),
        ("$['k-1']", 1),
        ('$["a"]["b"][1]', 20),
        ("$.list[*].n", [1, 2]),
        ("$..n", [1, 2]),
        ("$.nothing", None),
        ("$.a.b[9]", None),
    ],
)
def test_paths(path: str, expected: object) -> None:
    assert evaluate(DOC, path) == expected


def test_a_path_must_start_at_the_root() -> None:
    with pytest.raises(JsonPathError):
        evaluate(DOC, "a.b")


BOOKS = {
    "a": [{"x": 1}, {"x": 2, "y": "z"}, {"x": 3, "n": None}],
    "book": [
        {"price": 8.95, "category": "reference", "isbn": "1"},
        {"price": 12.99, "category": "fiction"},
        {"price": 22.99, "category": "fiction", "isbn": "2"},
    ],
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        # Slices and unions (Jayway's, which AWS runs); "$.a[-1:]" was refused as invalid.
        ("$.a[-1:]", [{"x": 3, "n": None}]),
        ("$.a[0:2].x", [1, 2]),
        ("$.a[:1].x", [1]),
        ("$.a[1:].x", [2, 3]),
        ("$.a[0,2].x", [1, 3]),
        ("$.a[1]['x','y']", {"x": 2, "y": "z"}),
        # Filters: comparisons, existence, null, && / ||, regex.
        ("$.a[?(@.x > 1)].x", [2, 3]),
        ("$.book[?(@.price < 10)].price", [8.95]),
        ("$.book[?(@.category == 'fiction' && @.price > 20)].isbn", ["2"]),
        ("$.book[?(@.isbn)].price", [8.95, 22.99]),
        ("$.a[?(@.n == null)].x", [3]),
        ("$.a[?(@.x == 1 || @.x == 3)].x", [1, 3]),
        ("$.book[?(@.category =~ /FIC.*/i)].price", [12.99, 22.99]),
        ("$.book[?(@.price > 'a')].price", []),
        ("$..x", [1, 2, 3]),
    ],
)
def test_slices_unions_and_filters(path: str, expected: object) -> None:
    assert evaluate(BOOKS, path) == expected


@pytest.mark.parametrize("path", ["$.a[?(x > 1)]", "$.a[?(@.x > )]", "$.a[1:2:3:4]"])
def test_bad_filters_and_slices_are_invalid(path: str) -> None:
    with pytest.raises(JsonPathError):
        evaluate(BOOKS, path)
