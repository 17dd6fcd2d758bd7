"""Expressions (nodes.py) to Python expressions over the namespace ``ns``, for codegen.py:
references become calls of the runtime's ``_prop``/``_call``/``_index`` (with direct calls on
the gateway's ``$input``/``$util`` and ``$foreach.*`` read from the loop's counters), operators
the calls of operators.py. Names and texts enter the source as ``repr()`` literals only."""

from __future__ import annotations

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
    Text,
    Unary,
)
from frontgate.vtl.util import Util

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

    def expr(self, node: Node) -> str:
        if isinstance(node, Ref):
            inline = self.loop_value(node)
            steps = node.steps
            if inline is not None:
                code, used = inline
                steps = steps[used:]
            elif node.root in self.locals:
                code = self.locals[node.root]
            else:
                self.names.add(node.root)
                code = f"ns.get({node.root!r})"
                fast = _KNOWN.get(node.root)
                if fast is not None and steps and steps[0].kind == "call":
                    cls, methods = fast
                    first = steps[0]
                    if first.name in methods:
                        # $input.json(...), $util.escapeJavaScript(...): a direct call when the
                        # variable holds what the gateway put there.
                        t = self.fresh("_t")
                        args = ", ".join(self.expr(a) for a in first.args)
                        sep = ", " if args else ""
                        code = (
                            f"({t}.{first.name}({args}) if ({t} := {code}).__class__ is {cls}"
                            f" else _call({t}, {first.name!r}{sep}{args}))"
                        )
                        steps = steps[1:]
            for step in steps:
                if step.kind == "prop":
                    code = f"_prop({code}, {step.name!r})"
                elif step.kind == "call":
                    if step.name == "get" and len(step.args) == 1:
                        code = f"_get({code}, {self.expr(step.args[0])})"
                        continue
                    args = "".join(", " + self.expr(a) for a in step.args)
                    code = f"_call({code}, {step.name!r}{args})"
                else:
                    code = f"_index({code}, {self.expr(step.args[0])})"
            return code
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

    def interpolated(self, node: Interpolated) -> str:
        parts: list[str] = []
        for s in node.body:
            if isinstance(s, Text):
                parts.append(repr(s.text))
            elif isinstance(s, Output):
                parts.append(f"_out({self.expr(s.ref)})")
            else:  # a directive inside a string: render it through a helper
                fn = self.fresh("_string")
                self.function(fn, node.body)
                return f"_collect({fn}, ns)"
        return "_text(''.join((" + "".join(p + ", " for p in parts) + ")))"
