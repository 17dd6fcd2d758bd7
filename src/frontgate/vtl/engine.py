"""Compile and render mapping templates with Frontgate's own VTL engine.

Template text is parsed (parser.py) and turned into the source of one Python function
(codegen.py), compiled with ``compile()`` once per distinct text; rendering calls it. Why not
airspeed-ext (the Velocity port LocalStack uses, and this module's engine before): rendering
the issue's 10-line template took it 75 to 130 µs by walking its parse tree, six times a static
MOCK's whole request (docs/ARCHITECTURE.md "Mapping templates", docs/BENCHMARKS.md).

A ``Template`` is compiled when a deployment is compiled, never per request. It pickles as its
text: the worker that unpickles a stage compiles each distinct text once (``compile_template``
is cached by text), so no code object is shipped."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from frontgate.vtl import limits, operators, runtime
from frontgate.vtl.codegen import generate
from frontgate.vtl.errors import VtlRenderError
from frontgate.vtl.expressions import VtlSyntaxError
from frontgate.vtl.inputs import Input
from frontgate.vtl.parser import parse
from frontgate.vtl.runtime import MAX_FOREACH, render
from frontgate.vtl.util import Util, escape_javascript
from frontgate.vtl.values import JavaMap, VList, out

__all__ = [
    "MAX_FOREACH",
    "Template",
    "VtlRenderError",
    "VtlSyntaxError",
    "compile_template",
    "compile_templates",
    "render",
]

RenderFn = Callable[[dict[str, Any], Callable[[str], Any]], None]


def _collect(fn: RenderFn, ns: dict[str, Any]) -> str:
    out: list[str] = []
    saved = limits.redirect(out)
    try:
        fn(ns, out.append)
    finally:
        limits.restore(saved)
    return limits.text("".join(out))  # type: ignore[no-any-return]


# What generated code sees as globals (codegen.py names them).
_GLOBALS: dict[str, Any] = {
    "__builtins__": {"len": len, "enumerate": enumerate, "zip": zip, "str": str},
    "_out": out,
    "_prop": runtime.prop,
    "_call": runtime.call,
    "_index": runtime.index,
    "_get": runtime.get,
    "_Input": Input,
    "_Util": Util,
    "_esc": escape_javascript,
    "_dict": dict,
    "_assign": runtime.assign,
    "_items": runtime.items,
    "_range": runtime.range_of,
    "_cond": operators.cond,
    "_truth": operators.truth,
    "_negate": operators.negate,
    "_neg": operators.neg,
    "_eq": operators.eq,
    "_compare": operators.compare,
    "_add": operators.add,
    "_sub": operators.sub,
    "_mul": operators.mul,
    "_div": operators.div,
    "_mod": operators.mod,
    "_VList": VList,
    "_JavaMap": JavaMap,
    "_Deferred": runtime.Deferred,
    "_Stop": runtime.Stop,
    "_BreakLoop": runtime.BreakLoop,
    "_collect": _collect,
    "_looped": limits.looped,
    "_text": limits.text,
}


class Template:
    """A compiled mapping template. ``fn`` is None for text with no VTL in it (rendered as
    itself, at no cost); ``names`` are the variables it reads or sets (``input``,
    ``context``...), so that the caller builds only those."""

    __slots__ = ("fn", "names", "source", "text")

    def __init__(
        self, text: str, fn: RenderFn | None, names: frozenset[str], source: str = ""
    ) -> None:
        self.text = text
        self.fn = fn
        self.names = names
        self.source = source

    @property
    def is_static(self) -> bool:
        return self.fn is None

    def __reduce__(self) -> tuple[Any, ...]:
        return (compile_template, (self.text,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Template) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return f"Template({self.text!r})"


@functools.lru_cache(maxsize=4096)
def compile_template(text: str) -> Template:
    """Parse and compile ``text`` once; raises VtlSyntaxError. Cached by text: a large API
    repeats a few templates many times."""
    if "$" not in text and "#" not in text:
        return Template(text, None, frozenset())
    body, macros = parse(text)
    try:
        source, names = generate(body, macros)
        code = compile(source, "<mapping template>", "exec")
    except (RecursionError, SyntaxError, MemoryError):
        # Python's own limits (about 20 nested blocks): AWS would take such a template.
        raise VtlSyntaxError("the template nests too deeply") from None
    scope = dict(_GLOBALS)
    exec(code, scope)
    return Template(text, scope["render"], names, source)


def compile_templates(templates: dict[str, str] | None) -> dict[str, Template | None] | None:
    """A templates map (content type -> text) compiled; one that does not parse compiles to
    None (AWS's 500 when a request selects it: an imported definition can hold one, the Put
    calls refuse them). None when there are no templates."""
    if not templates:
        return None
    out: dict[str, Template | None] = {}
    for content_type, text in templates.items():
        try:
            out[content_type] = compile_template(str(text or ""))
        except VtlSyntaxError:
            out[content_type] = None
    return out
