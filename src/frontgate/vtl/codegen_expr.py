"""Expressions (nodes.py) to Python expressions over the namespace ``ns``, for codegen.py:
references become calls of the runtime's ``_prop``/``_call``/``_index`` (with direct calls on
the gateway's ``$input``/``$util`` and ``$foreach.*`` read from the loop's counters), operators
the calls of operators.py. Names and texts enter the source as ``repr()`` literals only."""

from __future__ import annotations

import re

from frontgate.vtl.inputs import Input
from frontgate.vtl.nodes import (
    Binary,
    Interpolated,
    ListLiteral,
    Literal,
    MapLiteral,
    Node,
    Output,
    RangeLiteral,
    Ref,
    Step,
    Text,
    Unary,
)
from frontgate.vtl.util import Util

# A Python name (a local, a slot): read as often as needed, no walrus.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# $input.params()'s sections.
_SECTIONS = frozenset(("path", "querystring", "header"))

_BINARY = {
    "+": "_add", "-": "_sub", "*": "_mul", "/": "_div", "%": "_mod",
}  # fmt: skip


def _public_methods(cls: type) -> frozenset[str]:
    return frozenset(
        n for n in dir(cls) if not n.startswith("_") and callable(getattr(cls, n, None))
    )


# Variables the gateway fills with objects of a known class: method calls on them go direct.
_KNOWN: dict[str, tuple[str, frozenset[str]]] = {
    "input": ("_Input", _public_methods(Input)),
    "util": ("_Util", _public_methods(Util)),
}


class ExpressionGenerator:
    """The expression half of codegen.Generator (which supplies ``function``)."""

    names: set[str]
    loops: list[tuple[str, str]]
    locals: dict[str, str]
    slots: dict[str, str] | None

    def fresh(self, prefix: str) -> str:
        raise NotImplementedError

    def function(self, name: str, body: list[Node], params: list[str] | None = None) -> None:
        raise NotImplementedError

    def condition(self, node: Node) -> str:
        """``node`` as a Python truth value under ``#if``'s rule (a null is true)."""
        if isinstance(node, Binary) or (isinstance(node, Unary) and node.op == "!"):
            return self.expr(node)  # already a bool
        if isinstance(node, Ref):
            inline = self.loop_value(node)
            if inline is not None and inline[1] == len(node.steps) and inline[0][0] == "(":
                return inline[0]  # $foreach.hasNext and the like: a bool
        return f"_cond({self.expr(node)})"

    def loop_value(self, node: Ref) -> tuple[str, int] | None:
        """``$foreach.hasNext`` and friends, ``$velocityCount``, as expressions on the innermost
        loop's counter (no map built per iteration); with how many steps they consume."""
        if not self.loops:
            return None
        i, n = self.loops[-1]
        if node.root == "velocityCount":
            return i, 0
        if node.root == "velocityHasNext":
            return f"({i} < {n})", 0
        if node.root == "foreach" and node.steps and node.steps[0].kind == "prop":
            inline = {
                "hasNext": f"({i} < {n})",
                "count": i,
                "index": f"({i} - 1)",
                "first": f"({i} == 1)",
                "last": f"({i} == {n})",
            }.get(node.steps[0].name)
            if inline is not None:
                return inline, 1
        return None

    def slot(self, name: str) -> str:
        """The Python local that holds variable ``name`` (``slots`` mode)."""
        assert self.slots is not None
        slot = self.slots.get(name)
        if slot is None:
            # Numbered: a template name may hold "-", and "_L" + a name could meet another.
            slot = self.slots[name] = f"_L{len(self.slots)}"
        return slot

    def printed(self, node: Ref) -> str:
        """``node``'s value as ``$ref`` prints it (a str, usually already one)."""
        code = self.expr(node)
        if _NAME.fullmatch(code):
            return f"({code} if {code}.__class__ is str else _out({code}))"
        v = self.fresh("_v")
        return f"({v} if ({v} := {code}).__class__ is str else _out({v}))"

    def expr(self, node: Node) -> str:
        if isinstance(node, Ref):
            return self.ref(node)
        if isinstance(node, Literal):
            return repr(node.value)
        if isinstance(node, Interpolated):
            return self.interpolated(node)
        if isinstance(node, Binary):
            a, b = self.expr(node.left), self.expr(node.right)
            op = node.op
            if op == "&&":
                return f"(_truth({a}) and _truth({b}))"
            if op == "||":
                return f"(_truth({a}) or _truth({b}))"
            if op == "==":
                return f"_eq({a}, {b})"
            if op == "!=":
                return f"(not _eq({a}, {b}))"
            if op in _BINARY:
                return f"{_BINARY[op]}({a}, {b})"
            return f"_compare({op!r}, {a}, {b})"
        if isinstance(node, Unary):
            fn = "_negate" if node.op == "!" else "_neg"
            return f"{fn}({self.expr(node.operand)})"
        if isinstance(node, ListLiteral):
            return "_VList([" + ", ".join(self.expr(i) for i in node.items) + "])"
        if isinstance(node, RangeLiteral):
            return f"_range({self.expr(node.first)}, {self.expr(node.last)})"
        if isinstance(node, MapLiteral):
            pairs = ", ".join(f"({self.expr(k)}, {self.expr(v)})" for k, v in node.pairs)
            return f"_JavaMap([{pairs}])"
        raise TypeError(node)  # pragma: no cover

    def ref(self, node: Ref) -> str:
        inline = self.loop_value(node)
        steps = node.steps
        if inline is not None:
            code, used = inline
            steps = steps[used:]
        elif node.root in self.locals:
            code = self.locals[node.root]
        else:
            self.names.add(node.root)
            code = self.slot(node.root) if self.slots is not None else f"ns.get({node.root!r})"
            fast = _KNOWN.get(node.root)
            if fast is not None and steps and steps[0].kind == "call":
                code, used = self.known_call(code, fast, steps)
                steps = steps[used:]
        for step in steps:
            code = self.step(code, step)
        return code

    def bind(self, code: str) -> tuple[str, str]:
        """``code`` to test and to reuse: ``(name, binding)``, the binding a walrus unless
        ``code`` is a plain name already."""
        if _NAME.fullmatch(code):
            return code, code
        t = self.fresh("_t")
        return t, f"({t} := {code})"

    def known_call(
        self, code: str, fast: tuple[str, frozenset[str]], steps: list[Step]
    ) -> tuple[str, int]:
        """``$input.json(...)``, ``$util.escapeJavaScript(...)``...: a direct call when the
        variable holds what the gateway put there; with how many steps that consumed."""
        cls, methods = fast
        first = steps[0]
        if first.name not in methods:
            return code, 0
        t, bound = self.bind(code)
        args = [self.expr(a) for a in first.args]
        generic = f"_call({t}, {first.name!r}{''.join(', ' + a for a in args)})"
        second = steps[1] if len(steps) > 1 else None
        if (
            cls == "_Input"
            and first.name == "params"
            and not args
            and second is not None
            and second.kind == "prop"
            and second.name in _SECTIONS
        ):
            # $input.params().querystring: that section alone, not the map of all three.
            name = repr(second.name)
            return (
                f"({t}.section({name}) if {bound}.__class__ is _Input "
                f"else _prop({generic}, {name}))"
            ), 2
        if cls == "_Util" and first.name == "escapeJavaScript" and len(args) == 1:
            direct = f"_esc({args[0]})"
        else:
            direct = f"{t}.{first.name}({', '.join(args)})"
        return f"({direct} if {bound}.__class__ is {cls} else {generic})", 1

    def step(self, code: str, step: Step) -> str:
        """``code`` followed by one ``.name``, ``.name(...)`` or ``[key]``. A name or
        ``get(key)`` on a plain map (JSON's objects, ``$input.params()``'s sections) reads it
        in place; anything else goes through the runtime."""
        if step.kind == "prop":
            t, bound = self.bind(code)
            c = self.fresh("_c")
            name = repr(step.name)
            return (
                f"({t}.get({name}) if ({c} := {bound}.__class__) is _dict or {c} is _JavaMap "
                f"else _prop({t}, {name}))"
            )
        if step.kind == "call":
            if step.name == "get" and len(step.args) == 1:
                t, bound = self.bind(code)
                c = self.fresh("_c")
                key = self.expr(step.args[0])
                return (
                    f"({t}.get({key}) if ({c} := {bound}.__class__) is _dict or {c} is _JavaMap "
                    f"else _get({t}, {key}))"
                )
            if step.name == "keySet" and not step.args:
                # What #foreach walks most: a plain map's keys, as the runtime's keySet gives.
                t, bound = self.bind(code)
                c = self.fresh("_c")
                return (
                    f"(_VList({t}.keys()) if ({c} := {bound}.__class__) is _dict "
                    f"or {c} is _JavaMap else _call({t}, 'keySet'))"
                )
            args = "".join(", " + self.expr(a) for a in step.args)
            return f"_call({code}, {step.name!r}{args})"
        return f"_index({code}, {self.expr(step.args[0])})"

    def interpolated(self, node: Interpolated) -> str:
        parts: list[str] = []
        for s in node.body:
            if isinstance(s, Text):
                parts.append(repr(s.text))
            elif isinstance(s, Output):
                parts.append(self.printed(s.ref))
            else:  # a directive inside a string: render it through a helper
                fn = self.fresh("_string")
                self.function(fn, node.body)
                return f"_collect({fn}, ns)"
        return "_text(''.join((" + "".join(p + ", " for p in parts) + ")))"
