"""JSON values printed and called the way AWS's Velocity does."""

from __future__ import annotations

from frontgate.vtl.values import JavaList, JavaMap, to_json, wrap


def test_maps_print_the_java_way_lists_as_json() -> None:
    doc = wrap({"a": 1, "b": [1, {"c": True}], "d": {"e": None}})
    assert str(doc) == '{a=1, b=[1,{"c":true}], d={e=null}}'
    assert isinstance(doc["b"], JavaList)
    assert isinstance(doc["d"], JavaMap)
    assert str(JavaList(["x", 1])) == '["x",1]'


def test_java_methods() -> None:
    m = wrap({"a": 1})
    assert m.size() == 1 and not m.isEmpty() and m.containsKey("a")
    assert list(m.keySet()) == ["a"]
    assert m.put("b", 2) is None and m["b"] == 2
    lst = wrap([1])
    assert lst.add(2) and lst.size() == 2 and lst.contains(2)


def test_to_json_is_compact() -> None:
    assert to_json({"a": [1, 2]}) == '{"a":[1,2]}'
