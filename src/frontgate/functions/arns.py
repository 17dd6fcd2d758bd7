"""Lambda and execute-api ARNs: building, parsing (the integration URI once, at compile time) and
IAM's ``ArnLike`` matching for resource-policy conditions."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_FUNCTION_ARN = re.compile(
    r"arn:(?P<partition>aws[a-zA-Z-]*):lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"function:(?P<name>[A-Za-z0-9_.-]+)(?::(?P<qualifier>[A-Za-z0-9$_.-]+))?"
)
_PARTIAL_ARN = re.compile(r"(?P<account>\d{12}):(?P<name>[A-Za-z0-9_-]+)")
_INTEGRATION_URI = re.compile(
    r"arn:aws[a-zA-Z-]*:apigateway:[a-z0-9-]+:lambda:path/\d{4}-\d{2}-\d{2}/functions/"
    r"(?P<function>.+?)/invocations/?"
)


@dataclass(frozen=True, slots=True)
class FunctionRef:
    """A function as a caller names it; ``region``/``account`` are None when not given."""

    name: str
    region: str | None = None
    account: str | None = None
    qualifier: str | None = None


def function_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:lambda:{region}:{account}:function:{name}"


def parse_function(ident: str) -> FunctionRef:
    """A FunctionName member: a name, a full ARN (optionally qualified) or ``account:name``."""
    m = _FUNCTION_ARN.fullmatch(ident)
    if m is not None:
        return FunctionRef(m["name"], m["region"], m["account"], m["qualifier"])
    m = _PARTIAL_ARN.fullmatch(ident)
    if m is not None:
        return FunctionRef(m["name"], None, m["account"])
    name, _, qualifier = ident.partition(":")
    return FunctionRef(name, None, None, qualifier or None)


@functools.lru_cache(maxsize=4096)
def integration_function(uri: str) -> str | None:
    """The function ARN inside an AWS_PROXY integration URI, or None when it names none."""
    m = _INTEGRATION_URI.fullmatch(uri)
    return m["function"] if m is not None else None


def execute_api_arn(
    region: str, account: str, api_id: str, stage: str, verb: str, path: str
) -> str:
    """The SourceArn API Gateway presents to Lambda: the resource path template, not the request
    path (``.../dev/GET/pets/{id}``), as the console's generated permissions expect."""
    return f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{verb}{path}"


@functools.lru_cache(maxsize=4096)
def _wildcard(pattern: str) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL)


def arn_like(pattern: str, arn: str) -> bool:
    """IAM ``ArnLike``: the six colon-separated parts match one by one, ``*``/``?`` wildcards
    inside a part; the resource part may itself contain colons."""
    want = pattern.split(":", 5)
    got = arn.split(":", 5)
    if len(want) != 6 or len(got) != 6:
        return _wildcard(pattern).fullmatch(arn) is not None
    return all(_wildcard(w).fullmatch(g) is not None for w, g in zip(want, got, strict=True))
