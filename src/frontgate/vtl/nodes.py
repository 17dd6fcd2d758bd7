"""The parsed form of a mapping template: statements (``Text``, ``Output``, ``Set``, ``If``,
``Foreach``...) holding expressions (``Ref``, ``Literal``, ``Binary``...). The parser builds
them, the code generator turns them into Python source; nothing evaluates them directly."""

from __future__ import annotations

from typing import Any


class Node:
    __slots__ = ()


# ---- expressions ---------------------------------------------------------------------------


class Literal(Node):
    """A constant: number, 'single-quoted' string, true, false, null."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class Interpolated(Node):
    """A "double-quoted" string: a template body rendered to a string."""

    __slots__ = ("body",)

    def __init__(self, body: list[Node]) -> None:
        self.body = body


class ListLiteral(Node):
    __slots__ = ("items",)

    def __init__(self, items: list[Node]) -> None:
        self.items = items


class RangeLiteral(Node):
    """``[a..b]``: the integers from a to b, both included (counting down when b < a)."""

    __slots__ = ("first", "last")

    def __init__(self, first: Node, last: Node) -> None:
        self.first = first
        self.last = last


class MapLiteral(Node):
    __slots__ = ("pairs",)

    def __init__(self, pairs: list[tuple[Node, Node]]) -> None:
        self.pairs = pairs


class Step(Node):
    """One step after a reference's root: ``.name`` (kind "prop"), ``.name(args)`` ("call")
    or ``[key]`` ("index", the key in ``args[0]``)."""

    __slots__ = ("args", "kind", "name")

    def __init__(self, kind: str, name: str, args: list[Node]) -> None:
        self.kind = kind
        self.name = name
        self.args = args


class Ref(Node):
    """``$root.step.step(...)[...]``."""

    __slots__ = ("root", "steps")

    def __init__(self, root: str, steps: list[Step]) -> None:
        self.root = root
        self.steps = steps


class Binary(Node):
    __slots__ = ("left", "op", "right")

    def __init__(self, op: str, left: Node, right: Node) -> None:
        self.op = op
        self.left = left
        self.right = right


class Unary(Node):
    """``!x`` (op "!") or ``-x`` (op "-")."""

    __slots__ = ("op", "operand")

    def __init__(self, op: str, operand: Node) -> None:
        self.op = op
        self.operand = operand


# ---- statements ----------------------------------------------------------------------------


class Text(Node):
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class Output(Node):
    """A reference in the text: its value printed, nothing when it is null (AWS; Velocity
    would print the reference's own text unless it is quiet, ``$!x``)."""

    __slots__ = ("ref",)

    def __init__(self, ref: Ref) -> None:
        self.ref = ref


class Set(Node):
    """``#set($target = value)``; the target is a reference ending in a name or an index."""

    __slots__ = ("target", "value")

    def __init__(self, target: Ref, value: Node) -> None:
        self.target = target
        self.value = value


class If(Node):
    """``#if``/``#elseif`` branches in order, then the ``#else`` body (maybe empty)."""

    __slots__ = ("branches", "otherwise")

    def __init__(self, branches: list[tuple[Node, list[Node]]], otherwise: list[Node]) -> None:
        self.branches = branches
        self.otherwise = otherwise


class Foreach(Node):
    __slots__ = ("body", "iterable", "var")

    def __init__(self, var: str, iterable: Node, body: list[Node]) -> None:
        self.var = var
        self.iterable = iterable
        self.body = body


class Break(Node):
    __slots__ = ()


class Stop(Node):
    __slots__ = ()


class MacroCall(Node):
    """``#name(args)``; ``source`` is its text, printed as is when no such macro exists."""

    __slots__ = ("args", "name", "source")

    def __init__(self, name: str, args: list[Node], source: str) -> None:
        self.name = name
        self.args = args
        self.source = source


class Define(Node):
    """``#define($name)body#end``: ``$name`` then renders the body where it is used."""

    __slots__ = ("body", "name")

    def __init__(self, name: str, body: list[Node]) -> None:
        self.name = name
        self.body = body


class Macro:
    """``#macro(name $a $b)body#end``."""

    __slots__ = ("body", "name", "params")

    def __init__(self, name: str, params: list[str], body: list[Node]) -> None:
        self.name = name
        self.params = params
        self.body = body
