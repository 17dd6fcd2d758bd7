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
