"""IAM policy ``Condition`` operators, compiled once per policy into small predicates.

Supported: String*, Numeric*, Date*, Bool, IpAddress/NotIpAddress, Arn*, Null, each with the
``...IfExists`` suffix (not Null) and the ``ForAnyValue:``/``ForAllValues:`` set prefixes. Any other
operator is a ``PolicyError`` (API Gateway refuses such a policy when it is saved)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Callable
from typing import Any

# Request-context lookup: a lower-cased condition key → its value(s), or None when absent.
Lookup = Callable[[str], "str | list[str] | None"]
Predicate = Callable[[Lookup], bool]


class PolicyError(ValueError):
    """The policy document is not valid IAM policy language (or uses what we do not support)."""


def _glob(pattern: str, flags: int = 0) -> re.Pattern[str]:
    out = []
    for ch in pattern:
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
    return re.compile("".join(out), flags | re.DOTALL)


def _date(value: str) -> float:
    text = str(value).strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise PolicyError(f"Invalid date value in policy condition: {value}") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()


def _num(value: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise PolicyError(f"Invalid numeric value in policy condition: {value}") from None


def _network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(str(value).strip(), strict=False)
    except ValueError:
        raise PolicyError(f"Invalid IP address in policy condition: {value}") from None


# A matcher takes the policy values (compiled) and returns: request value → matches any of them.
Matcher = Callable[[list[str]], Callable[[str], bool]]


def _str_eq(values: list[str]) -> Callable[[str], bool]:
    allowed = frozenset(values)
    return allowed.__contains__


def _str_eq_ic(values: list[str]) -> Callable[[str], bool]:
    allowed = frozenset(v.lower() for v in values)
    return lambda v: v.lower() in allowed


def _str_like(values: list[str]) -> Callable[[str], bool]:
    pattern = re.compile("|".join(f"(?:{_glob(v).pattern})" for v in values), re.DOTALL)
    return lambda v: pattern.fullmatch(v) is not None


def _compare(parse: Callable[[str], float], test: Callable[[float, float], bool]) -> Matcher:
    def build(values: list[str]) -> Callable[[str], bool]:
        bounds = [parse(v) for v in values]

        def match(v: str) -> bool:
            try:
                got = parse(v)
            except PolicyError:
                return False
            return any(test(got, b) for b in bounds)

        return match

    return build


def _bool(values: list[str]) -> Callable[[str], bool]:
    allowed = frozenset(str(v).lower() for v in values)
    return lambda v: v.lower() in allowed


def _ip(values: list[str]) -> Callable[[str], bool]:
    nets = [_network(v) for v in values]

    def match(v: str) -> bool:
        try:
            addr = ipaddress.ip_address(v)
        except ValueError:
            return False
        return any(addr.version == n.version and addr in n for n in nets)

    return match


_OPS: dict[str, tuple[Matcher, bool]] = {  # name → (matcher, negated)
    "StringEquals": (_str_eq, False),
    "StringNotEquals": (_str_eq, True),
    "StringEqualsIgnoreCase": (_str_eq_ic, False),
    "StringNotEqualsIgnoreCase": (_str_eq_ic, True),
    "StringLike": (_str_like, False),
    "StringNotLike": (_str_like, True),
    "NumericEquals": (_compare(_num, lambda a, b: a == b), False),
    "NumericNotEquals": (_compare(_num, lambda a, b: a == b), True),
    "NumericLessThan": (_compare(_num, lambda a, b: a < b), False),
    "NumericLessThanEquals": (_compare(_num, lambda a, b: a <= b), False),
    "NumericGreaterThan": (_compare(_num, lambda a, b: a > b), False),
    "NumericGreaterThanEquals": (_compare(_num, lambda a, b: a >= b), False),
    "DateEquals": (_compare(_date, lambda a, b: a == b), False),
    "DateNotEquals": (_compare(_date, lambda a, b: a == b), True),
    "DateLessThan": (_compare(_date, lambda a, b: a < b), False),
    "DateLessThanEquals": (_compare(_date, lambda a, b: a <= b), False),
    "DateGreaterThan": (_compare(_date, lambda a, b: a > b), False),
    "DateGreaterThanEquals": (_compare(_date, lambda a, b: a >= b), False),
    "Bool": (_bool, False),
    "IpAddress": (_ip, False),
    "NotIpAddress": (_ip, True),
    "ArnEquals": (_str_like, False),
    "ArnLike": (_str_like, False),
    "ArnNotEquals": (_str_like, True),
    "ArnNotLike": (_str_like, True),
}


def _values(raw: Any) -> list[str]:
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for item in items:
        if isinstance(item, dict | list) or item is None:
            raise PolicyError("Condition values must be strings, numbers or booleans")
        out.append(str(item).lower() if isinstance(item, bool) else str(item))
    return out


def _one(op_name: str, key: str, raw: Any) -> Predicate:
    name, set_mode = op_name, ""
    if ":" in name:
        set_mode, _, name = name.partition(":")
        if set_mode not in ("ForAnyValue", "ForAllValues"):
            raise PolicyError(f"Unknown condition set operator: {op_name}")
    lkey = key.lower()
    values = _values(raw)
    if name == "Null":
        want_absent = values[0].lower() == "true"
        return lambda get: (get(lkey) is None) == want_absent
    if_exists = name.endswith("IfExists")
    base = name[: -len("IfExists")] if if_exists else name
    entry = _OPS.get(base)
    if entry is None:
        raise PolicyError(f"Unknown condition operator: {op_name}")
    matcher, negated = entry
    hit = matcher(values)

    def test(get: Lookup) -> bool:
        got = get(lkey)
        if got is None:
            # An absent key never matches; a negated operator is then satisfied.
            return if_exists or negated or set_mode == "ForAllValues"
        seq = got if isinstance(got, list) else [got]
        if set_mode == "ForAllValues":
            return all(hit(v) != negated for v in seq)
        if negated and not set_mode:
            return not any(hit(v) for v in seq)
        return any(hit(v) != negated for v in seq)

    return test


def compile_conditions(block: Any) -> tuple[Predicate, ...]:
    """A ``Condition`` element → predicates that must all hold."""
    if block is None:
        return ()
    if not isinstance(block, dict):
        raise PolicyError("Condition must be an object")
    preds: list[Predicate] = []
    for op_name, keys in block.items():
        if not isinstance(keys, dict) or not keys:
            raise PolicyError(f"Condition operator {op_name} needs a map of keys to values")
        for key, raw in keys.items():
            preds.append(_one(str(op_name), str(key), raw))
    return tuple(preds)


glob = _glob
