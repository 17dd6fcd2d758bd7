"""Java's methods on the Python values templates hold: ``String`` for str, ``Map`` for dict,
``List`` for list, and a few every object has (``toString``, ``equals``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

from frontgate.vtl.operators import eq
from frontgate.vtl.values import JavaList, JavaMap, VList, out


def _group_refs(replacement: Any) -> str:
    # Java writes a group reference "$1", Python "\\1".
    return re.sub(r"\$(\d)", r"\\\1", out(replacement))


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
    "replaceAll": lambda s, p, r: re.sub(out(p), _group_refs(r), s),
    "replaceFirst": lambda s, p, r: re.sub(out(p), _group_refs(r), s, count=1),
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
    "keySet": lambda m: VList(m.keys()),  # Java prints a key set as [a, b]
    "values": lambda m: VList(m.values()),
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
