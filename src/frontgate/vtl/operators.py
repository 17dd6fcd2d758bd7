"""Velocity's operators as compiled templates apply them: ``==`` across kinds, arithmetic
on Java's numbers (integer division truncates), ``#if``'s truth."""

from __future__ import annotations

import math
from typing import Any

from frontgate.vtl.limits import text
from frontgate.vtl.values import out


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
        return bool(a == "")
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
        return text(out(a) + out(b))  # Velocity 1.7 concatenates
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
