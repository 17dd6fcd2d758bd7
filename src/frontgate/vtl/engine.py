"""Compile and render mapping templates.

The engine underneath is airspeed-ext (LocalStack's maintained fork of airspeed): it already
renders a missing reference as nothing, as AWS does (plain airspeed prints ``$missing``), and
gives ``$foreach.hasNext``. Measured and chosen in docs/ARCHITECTURE.md ("Mapping templates").
Two things it lacks are added here: ``#break`` inside ``#foreach`` and AWS's limit of 1 000
iterations per ``#foreach``.

A ``Template`` is compiled when a deployment is compiled, never per request. It pickles as its
text: the worker that unpickles a stage parses each distinct text once (``compile_template`` is
cached by text), so the parsed tree is never shipped."""

from __future__ import annotations

import functools
from typing import Any, Final

import airspeed  # type: ignore[import-untyped]
from airspeed import operators

# AWS stops a #foreach after this many iterations (reference §7, quotas).
MAX_FOREACH: Final = 1000


class VtlSyntaxError(ValueError):
    """The template does not parse; the message says where."""


class VtlRenderError(RuntimeError):
    """The template failed while rendering (a method raised, a bad index, ...)."""


class _Break(operators.TemplateExecutionError):  # type: ignore[misc]
    """Raised by ``#break``; a TemplateExecutionError so airspeed lets it through unwrapped."""

    def __init__(self) -> None:
        Exception.__init__(self, "#break")


class _BreakDirective(operators._Element):  # type: ignore[misc]
    """``#break``: leaves the innermost ``#foreach``."""

    START = operators.re.compile(r"#break\b(.*)", operators.re.S + operators.re.I)

    def parse(self) -> None:
        self.identity_match(self.START)

    def evaluate_raw(self, stream: Any, namespace: Any, loader: Any) -> None:
        raise _Break


class _Foreach(operators.ForeachDirective):  # type: ignore[misc]
    """``#foreach`` with ``$foreach.count/index/hasNext/first/last`` (and Velocity's
    ``$velocityCount``), ``#break``, and AWS's iteration limit."""

    def parse(self) -> None:
        self.identity_match(self.START)
        self.require_match(self.OPEN_PAREN, "(")
        (self.loop_var_name,) = self.require_match(self.LOOP_VAR_NAME, "loop var name")
        self.require_match(self.IN, "in")
        self.value = self.next_element(operators.Value)
        self.require_match(self.CLOSE_PAREN, ")")
        # As after #if(...), #set(...) and #end: the line break ending the directive's line is
        # the directive's (AWS's pet store output has no blank line after "#foreach(...)").
        self.optional_match(operators.WHITESPACE_TO_END_OF_LINE)
        self.block = self.next_element(operators.Block)
        self.require_next_element(operators.End, "#end")

    def evaluate_raw(self, stream: Any, namespace: Any, loader: Any) -> None:
        iterable = self.value.calculate(namespace, loader)
        if iterable is None:
            return
        if hasattr(iterable, "keys"):
            iterable = iterable.keys()
        try:
            items = list(iterable)[:MAX_FOREACH]
        except TypeError:
            raise ValueError(
                f"value for ${self.loop_var_name} is not iterable in #foreach"
            ) from None
        length = len(items)
        try:
            for i, item in enumerate(items, 1):
                local = operators.LocalNamespace(namespace)
                local["velocityCount"] = i
                local["velocityHasNext"] = i < length
                local["foreach"] = {
                    "count": i,
                    "index": i - 1,
                    "hasNext": i < length,
                    "first": i == 1,
                    "last": i == length,
                }
                local[self.loop_var_name] = item
                self.block.evaluate(stream, local, loader)
        except _Break:
            pass


def _install() -> None:
    # The parser looks these names up in its module when it parses a block, so replacing them
    # there is how a directive is added. Idempotent.
    if operators.ForeachDirective is not _Foreach:
        operators.ForeachDirective = _Foreach
    if _BreakDirective not in operators.UserDefinedDirective.DIRECTIVES:
        operators.UserDefinedDirective.DIRECTIVES.append(_BreakDirective)
    # AWS compares a null reference as the empty string (recorded: `$missing == ""` is true).
    ops = operators.BinaryOperator.OPERATORS
    for name in ("==", "eq"):
        ops[name] = _equal
    for name in ("!=", "ne"):
        ops[name] = _not_equal
    # Java's Map methods on map literals (``#set($m = {})``); JSON maps are values.JavaMap.
    methods = operators.__additional_methods__.setdefault(dict, {})
    for name, fn in _MAP_METHODS.items():
        methods.setdefault(name, fn)


def _equal(a: Any, b: Any) -> bool:
    if (a is None and b == "") or (a == "" and b is None):
        return True
    return bool(a == b)


def _not_equal(a: Any, b: Any) -> bool:
    return not _equal(a, b)


_MAP_METHODS: dict[str, Any] = {
    "size": len,
    "isEmpty": lambda m: not m,
    "containsKey": lambda m, k: k in m,
    "get": lambda m, k: m.get(k),
    "remove": lambda m, k: m.pop(k, None),
    "values": lambda m: list(m.values()),
}


_install()


class Template:
    """A compiled mapping template. ``tree`` is None for text with no VTL in it (rendered as
    itself, at no cost)."""

    __slots__ = ("text", "tree")

    def __init__(self, text: str, tree: Any) -> None:
        self.text = text
        self.tree = tree

    @property
    def is_static(self) -> bool:
        return self.tree is None

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
    """Parse ``text`` once; raises VtlSyntaxError. Cached by text: a large API repeats a few
    templates many times."""
    if "$" not in text and "#" not in text:
        return Template(text, None)
    tree = airspeed.Template(text)
    try:
        tree.ensure_compiled()
    except airspeed.TemplateSyntaxError as exc:
        raise VtlSyntaxError(_syntax_message(exc)) from None
    except (RecursionError, ValueError) as exc:
        raise VtlSyntaxError(str(exc)) from None
    return Template(text, tree)


def _syntax_message(exc: Exception) -> str:
    return " ".join(str(exc).split())


def render(template: Template, namespace: dict[str, Any]) -> str:
    """The template's output for ``namespace`` (``input``, ``util``, ``context``,
    ``stageVariables``). ``#set`` on a map in the namespace (the overrides) writes into it."""
    tree = template.tree
    if tree is None:
        return template.text
    try:
        out: str = tree.merge(namespace)
    except RecursionError as exc:
        raise VtlRenderError("template recursion too deep") from exc
    except Exception as exc:
        raise VtlRenderError(f"{type(exc).__name__}: {exc}") from exc
    return out


def compile_templates(templates: dict[str, str] | None) -> dict[str, Template | None] | None:
    """A templates map (content type -> text) compiled; one that does not parse compiles to
    None (AWS's 500 when a request selects it: an imported definition can hold one, the Put
    calls refuse them). None when there are no templates."""
    if not templates:
        return None
    out: dict[str, Template | None] = {}
    for content_type, text in templates.items():
        try:
            out[content_type] = compile_template(str(text))
        except VtlSyntaxError:
            out[content_type] = None
    return out
