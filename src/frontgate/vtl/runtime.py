"""What compiled templates call while they render: reading properties, calling methods
(Java's, for Python's str/dict/list), printing values the way AWS's Velocity prints them, and
Velocity's operators. The generated code (codegen.py) names these functions directly."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, Final

from frontgate.vtl.values import JavaList, JavaMap, java_double, map_text, to_json

# AWS stops a #foreach after this many iterations (reference §7, quotas).
MAX_FOREACH: Final = 1000


class Stop(Exception):
    """``#stop`` (and a ``#break`` outside any loop): the output so far is the result."""


class BreakLoop(Exception):
    """``#break`` in a macro body: leaves the loop the macro was called from."""


class VList(list[Any]):
    """A list made by the template (``[1, 2]``, ``[1..3]``): prints as Java's ArrayList."""

    def __str__(self) -> str:
        return "[" + ", ".join(text(v) for v in self) + "]"


class Deferred:
    """``#define($name)``'s value: the body, rendered each time it is printed."""

    __slots__ = ("fn", "ns")

    def __init__(self, fn: Callable[[dict[str, Any], Callable[[str], Any]], None], ns: Any):
        self.fn = fn
        self.ns = ns

    def __str__(self) -> str:
        out: list[str] = []
        self.fn(self.ns, out.append)
        return "".join(out)


# ---- printing ------------------------------------------------------------------------------


def text(v: Any) -> str:
    """A value as Java prints it inside a map or list: null as "null"."""
    if v is None:
        return "null"
    return out(v)


def out(v: Any) -> str:
    """A value as ``$ref`` prints it (a null prints as nothing: AWS)."""
    t = type(v)
    if t is str:
        return v  # type: ignore[no-any-return]
    if v is None:
        return ""
    if t is bool:
        return "true" if v else "false"
    if t is int:
        return str(v)
    if t is float:
        return java_double(v)
    if t is list or t is JavaList:
        return to_json(v)  # a JSON array (net.minidev's JSONArray prints as JSON)
    if t is dict:
        return map_text(v)  # a JSON object: Java's map
    return str(v)


# ---- reading -------------------------------------------------------------------------------


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
    return fn(o, *args)


def get(o: Any, key: Any) -> Any:
    """``$o.get(key)``, the commonest call, without the method lookup for maps."""
    t = type(o)
    if t is dict or t is JavaMap:
        return o.get(key)
    return call(o, "get", key)


def assign(o: Any, key: Any, value: Any) -> None:
    """``#set($o.key = value)`` / ``#set($o[key] = value)``."""
    if isinstance(o, dict):
        o[key] = value
    elif isinstance(o, list) and type(key) is int:
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
    got = []
    for x in it:
        if len(got) == MAX_FOREACH:
            break
        got.append(x)
    return got


def range_of(a: Any, b: Any) -> VList:
    a, b = int(a), int(b)
    return VList(range(a, b + 1) if a <= b else range(a, b - 1, -1))


# ---- operators -----------------------------------------------------------------------------


def cond(v: Any) -> bool:
    """``#if(v)``: a null is true (AWS: a missing reference reads as ""; airspeed-ext's
    recorded parity), else Python's truth."""
    return True if v is None else bool(v)


def truth(v: Any) -> bool:
    """An operand of ``&&``, ``||``: null is false."""
    return bool(v)


def negate(v: Any) -> bool:
    return False if v is None else not v


def _number(v: Any) -> bool:
    return (type(v) is int or type(v) is float) and type(v) is not bool


def eq(a: Any, b: Any) -> bool:
    """Velocity's ``==``: numbers by value, other values of different kinds by their text; a
    null equals "" (AWS's recording: ``$missing == ""`` is true)."""
    if a is None:
        return b is None or b == ""
    if b is None:
        return a == ""
    ta, tb = type(a), type(b)
    if ta is tb or (_number(a) and _number(b)):
        return bool(a == b)
    if isinstance(a, str) or isinstance(b, str) or ta is bool or tb is bool:
        return out(a) == out(b)
    return bool(a == b)


def compare(op: str, a: Any, b: Any) -> bool:
    try:
        if op == "<":
            return bool(a < b)
        if op == ">":
            return bool(a > b)
        if op == "<=":
            return bool(a <= b)
        return bool(a >= b)
    except TypeError:
        return False


def add(a: Any, b: Any) -> Any:
    if _number(a) and _number(b):
        return a + b
    if isinstance(a, str) or isinstance(b, str):
        return out(a) + out(b)  # Velocity 1.7 concatenates
    return None


def sub(a: Any, b: Any) -> Any:
    return a - b if _number(a) and _number(b) else None


def mul(a: Any, b: Any) -> Any:
    return a * b if _number(a) and _number(b) else None


def div(a: Any, b: Any) -> Any:
    """Java's division: integers truncate toward zero; by zero is null (Velocity logs it)."""
    if not (_number(a) and _number(b)) or b == 0:
        return None
    if type(a) is int and type(b) is int:
        q = abs(a) // abs(b)
        return q if (a >= 0) == (b >= 0) else -q
    return a / b


def mod(a: Any, b: Any) -> Any:
    if not (_number(a) and _number(b)) or b == 0:
        return None
    return math.fmod(a, b) if type(a) is float or type(b) is float else int(math.fmod(a, b))


def neg(a: Any) -> Any:
    return -a if _number(a) else None


# ---- Java's methods on Python's types -----------------------------------------------------


def _index_of(s: str, sub: Any, start: int = 0) -> int:
    return s.find(out(sub), start)


def _split(s: str, pattern: Any, limit: int = 0) -> VList:
    parts = re.split(out(pattern), s, maxsplit=max(limit - 1, 0))
    if limit == 0:
        while parts and parts[-1] == "":
            parts.pop()
    return VList(parts)


def _list_remove(lst: list[Any], x: Any) -> Any:
    if type(x) is int:
        return lst.pop(x)
    if x in lst:
        lst.remove(x)
        return True
    return False


STRING_METHODS: Final[dict[str, Callable[..., Any]]] = {
    "length": len,
    "isEmpty": lambda s: not s,
    "contains": lambda s, x: out(x) in s,
    "startsWith": lambda s, x, i=0: s.startswith(out(x), i),
    "endsWith": lambda s, x: s.endswith(out(x)),
    "indexOf": _index_of,
    "lastIndexOf": lambda s, x: s.rfind(out(x)),
    "substring": lambda s, a, b=None: s[a:b],
    "charAt": lambda s, i: s[i],
    "toLowerCase": str.lower,
    "toUpperCase": str.upper,
    "trim": str.strip,
    "replace": lambda s, a, b: s.replace(out(a), out(b)),
    "replaceAll": lambda s, p, r: re.sub(out(p), re.sub(r"\$(\d)", r"\\\1", out(r)), s),
    "replaceFirst": lambda s, p, r: re.sub(out(p), re.sub(r"\$(\d)", r"\\\1", out(r)), s, 1),
    "matches": lambda s, p: re.fullmatch(out(p), s) is not None,
    "split": _split,
    "equals": lambda s, x: s == x,
    "equalsIgnoreCase": lambda s, x: isinstance(x, str) and s.lower() == x.lower(),
    "concat": lambda s, x: s + out(x),
    "toString": lambda s: s,
}
MAP_METHODS: Final[dict[str, Callable[..., Any]]] = {
    "size": len,
    "isEmpty": lambda m: not m,
    "get": lambda m, k: m.get(k),
    "containsKey": lambda m, k: k in m,
    "containsValue": lambda m, v: v in m.values(),
    "keySet": lambda m: JavaList(m.keys()),
    "values": lambda m: JavaList(m.values()),
    "entrySet": lambda m: JavaList(JavaMap(key=k, value=v) for k, v in m.items()),
    "put": lambda m, k, v: (m.get(k), m.__setitem__(k, v))[0],
    "putAll": lambda m, other: m.update(other),
    "remove": lambda m, k: m.pop(k, None),
    "toString": out,
}
LIST_METHODS: Final[dict[str, Callable[..., Any]]] = {
    "size": len,
    "isEmpty": lambda lst: not lst,
    "get": lambda lst, i: lst[i],
    "contains": lambda lst, x: x in lst,
    "add": lambda lst, x: (lst.append(x), True)[1],
    "set": lambda lst, i, x: (lst[i], lst.__setitem__(i, x))[0],
    "remove": _list_remove,
    "indexOf": lambda lst, x: lst.index(x) if x in lst else -1,
    "toString": out,
}
OBJECT_METHODS: Final[dict[str, Callable[..., Any]]] = {
    "toString": out,
    "equals": eq,
    "intValue": lambda v: int(v),
    "doubleValue": lambda v: float(v),
}
