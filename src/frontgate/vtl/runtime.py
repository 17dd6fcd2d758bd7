"""What compiled templates call while they render: reading properties, calling methods
(Java's for Python's str/dict/list, methods.py), walking ``#foreach``, and the control flow of
``#stop``/``#break``/``#define``. The generated code (codegen.py) names these functions
directly; printing is values.out, the operators are operators.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from frontgate.vtl import limits
from frontgate.vtl.errors import VtlRenderError
from frontgate.vtl.limits import MAX_RANGE, RenderLimitError, redirect, restore, text
from frontgate.vtl.methods import LIST_METHODS, MAP_METHODS, OBJECT_METHODS, STRING_METHODS
from frontgate.vtl.values import JavaList, JavaMap, VList

# AWS stops a #foreach after this many iterations (reference §7, quotas).
MAX_FOREACH: Final = 1000


class Stop(Exception):
    """``#stop`` (and a ``#break`` outside any loop): the output so far is the result."""


class BreakLoop(Exception):
    """``#break`` in a macro body: leaves the loop the macro was called from."""


class Deferred:
    """``#define($name)``'s value: the body, rendered each time it is printed."""

    __slots__ = ("fn", "ns")

    def __init__(self, fn: Callable[[dict[str, Any], Callable[[str], Any]], None], ns: Any):
        self.fn = fn
        self.ns = ns

    def __str__(self) -> str:
        out: list[str] = []
        saved = redirect(out)
        try:
            self.fn(self.ns, out.append)
        finally:
            restore(saved)
        return text("".join(out))  # type: ignore[no-any-return]


def prop(o: Any, name: str) -> Any:
    """``$o.name``: a map's entry, else the object's attribute (no methods), else Java's getter
    (``getName()``, ``isName()``); null when there is none."""
    if isinstance(o, dict):
        try:
            return o[name]
        except KeyError:
            return None
    if o is None or name[0] == "_":
        return None
    v = getattr(o, name, None)
    if v is not None and not callable(v):
        return v
    cap = name[0].upper() + name[1:]
    for getter in ("get" + cap, "is" + cap):
        if _method(o, getter) is not None:
            return call(o, getter)
    return None


def index(o: Any, key: Any) -> Any:
    """``$o[key]``: null when there is no such entry or position."""
    if o is None:
        return None
    try:
        if isinstance(o, list) and type(key) is not int:
            return None
        return o[key]
    except (KeyError, IndexError, TypeError):
        return None


def _method(o: Any, name: str) -> Callable[..., Any] | None:
    """The function ``f(o, *args)`` that ``o.name(...)`` runs, None when there is none."""
    table = None
    if isinstance(o, str):
        table = STRING_METHODS
    elif isinstance(o, dict):
        table = MAP_METHODS
    elif isinstance(o, list):
        table = LIST_METHODS
    if table is not None:
        fn = table.get(name)
        if fn is not None:
            return fn
    elif name[0] != "_":
        m = getattr(type(o), name, None)
        if m is not None and callable(m):
            return m  # type: ignore[no-any-return]
    return OBJECT_METHODS.get(name)


def call(o: Any, name: str, *args: Any) -> Any:
    """``$o.name(args)``: Java's method for strings, maps and lists, else the object's own;
    null when there is none (or ``o`` is null)."""
    t = type(o)
    if t is str:
        fn = STRING_METHODS.get(name)
    elif t is dict or t is JavaMap:
        fn = MAP_METHODS.get(name)
    elif t is list or t is JavaList:
        fn = LIST_METHODS.get(name)
    elif o is None:
        return None
    else:
        fn = _method(o, name)
    if fn is None:
        fn = OBJECT_METHODS.get(name)
        if fn is None:
            return None
    return text(fn(o, *args))


def get(o: Any, key: Any) -> Any:
    """``$o.get(key)``, the commonest call, without the method lookup for maps."""
    t = type(o)
    if t is dict or t is JavaMap:
        return o.get(key)
    return call(o, "get", key)


def assign(o: Any, key: Any, value: Any) -> None:
    """``#set($o.key = value)`` / ``#set($o[key] = value)``."""
    if isinstance(o, dict) or (isinstance(o, list) and type(key) is int):
        o[key] = value
    # Velocity logs and goes on for anything else; so does this.


def items(v: Any, var: str) -> list[Any]:
    """What ``#foreach`` walks: a map's keys... at most MAX_FOREACH of them."""
    if v is None:
        return []
    if isinstance(v, list):
        return v[:MAX_FOREACH]
    if isinstance(v, dict):
        v = v.keys()
    elif isinstance(v, str):
        raise ValueError(f"value for ${var} is not iterable in #foreach")
    try:
        it = iter(v)
    except TypeError:
        raise ValueError(f"value for ${var} is not iterable in #foreach") from None
    got: list[Any] = []
    for x in it:
        if len(got) == MAX_FOREACH:
            break
        got.append(x)
    return got


def range_of(a: Any, b: Any) -> VList:
    a, b = int(a), int(b)
    if abs(b - a) >= MAX_RANGE:
        raise RenderLimitError(f"a range of more than {MAX_RANGE} elements")
    return VList(range(a, b + 1) if a <= b else range(a, b - 1, -1))


def render(template: Any, namespace: dict[str, Any], owned: bool = False) -> str:
    """The output of ``template`` (an engine.Template) for ``namespace`` (``input``,
    ``util``, ``context``, ``stageVariables``). ``#set`` on a map in the namespace (the
    overrides) writes into it; ``#set($x = ...)`` does not change the caller's dict, unless
    ``owned`` says the caller made the dict for this render alone (then it is not copied)."""
    fn = template.fn
    if fn is None:
        return template.text  # type: ignore[no-any-return]
    chunks: list[str] = []
    limits.start(chunks)
    try:
        try:
            fn(namespace if owned else dict(namespace), chunks.append)
        except (Stop, BreakLoop):
            pass
        limits.looped(0)  # what was written since the last loop, measured before the join
    except RecursionError as exc:
        raise VtlRenderError("template recursion too deep") from exc
    except Exception as exc:
        raise VtlRenderError(f"{type(exc).__name__}: {exc}") from exc
    return "".join(chunks)
