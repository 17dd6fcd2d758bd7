"""Compile an access-log format into one Python function per deployment: the literal text becomes
a ``%`` template and each ``$context`` variable an inlined expression, so a request costs one
tuple and one C-level format — the format is never parsed per request.

JSON and XML layouts (told by their first character) get their values escaped so every line stays
valid; an unquoted JSON value is written as a JSON literal (``null`` for a missing one)."""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape as _xml_escape

from frontgate.observe.context_vars import lookup, tokens

if TYPE_CHECKING:
    from frontgate.http.message import Response
    from frontgate.pipeline.context import Context

Formatter = Callable[["Context", "Response", int], str]

_json_str: Callable[[str], str] = json.encoder.encode_basestring


class _Clf:
    """``$context.requestTime`` (CLF) of the current second."""

    __slots__ = ("second", "text")

    def __init__(self) -> None:
        self.second = -1
        self.text = ""


_CLF = _Clf()


def request_time(c: Context) -> str:
    """``$context.requestTime`` (``25/Nov/2026:16:44:00 +0000``), for access logs, Lambda events
    and the global access log alike: one strftime per second, shared by every request in it."""
    second = int(c.start_wall)
    clf = _CLF
    if clf.second != second:
        clf.text = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(second))
        clf.second = second
    return clf.text


_request_time = request_time  # the name the compiled formats use (see _HELPERS)


def _header(c: Context, name: str) -> str | None:
    for k, v in c.request.headers:
        if k.lower() == name:
            return v
    return None


def _prefix(c: Context) -> str | None:
    host = _header(c, "host")
    return host.split(".", 1)[0] if host else None


def _path(c: Context) -> str:
    return "/" + c.stage_name + c.path if c.stage_name else c.request.target.partition("?")[0]


def _protocol(c: Context) -> str:
    # AWS logs HTTP/1.1 whatever the client spoke (reference §6.3).
    return "HTTP/1.1"


def _quoted(text: str | None) -> str | None:
    return None if text is None else json.dumps(text)


def _integration_error(c: Context) -> str | None:
    return c.error if c.integration_latency is not None and c.integration_status is None else None


def _xray(c: Context) -> str | None:
    trace = c.trace
    return None if trace is None else trace.xray_root


def _identity(c: Context, key: str) -> Any:
    # AWS_IAM and Cognito authorization fill ``ctx.identity``; otherwise these are null.
    found = c.identity
    return found.get(key) if found else None


def _auth(c: Context, key: str) -> Any:
    found = c.authorizer
    return found.get(key) if found else None


def _claim(c: Context, key: str) -> Any:
    claims = _auth(c, "claims")
    return claims.get(key) if isinstance(claims, dict) else None


def _dash(v: Any) -> Any:
    return "-" if v is None else v


def _in_json_string(v: Any) -> str:
    return "-" if v is None else _json_str(v if isinstance(v, str) else str(v))[1:-1]


def _json_literal(v: Any) -> str:
    if v is None:
        return "null"
    return str(v) if isinstance(v, int) else _json_str(str(v))


def _in_xml(v: Any) -> str:
    return "-" if v is None else _xml_escape(str(v), {'"': "&quot;"})


_HELPERS: dict[str, Any] = {
    name: value for name, value in globals().items() if name.startswith("_") and callable(value)
}


def _quoted_positions(fmt: str, starts: list[int]) -> list[bool]:
    """For a JSON layout: is each position inside a string literal?"""
    out: list[bool] = []
    inside = escaped = False
    pos = 0
    for start in starts:
        for ch in fmt[pos:start]:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                inside = not inside
        pos = start
        out.append(inside)
    return out


def compile_format(fmt: str) -> Formatter:
    """Raises ValueError for an unknown variable (UpdateStage refuses those first)."""
    if fmt.endswith("\n"):
        fmt = fmt[:-1]
    found = tokens(fmt)
    layout = fmt.lstrip()[:1]
    quoted = _quoted_positions(fmt, [s for s, _e, _n in found]) if layout == "{" else []
    template = ""
    exprs: list[str] = []
    pos = 0
    for i, (start, end, name) in enumerate(found):
        var = lookup(name)
        if var is None:
            raise ValueError(f"unknown access-log variable $context.{name}")
        template += fmt[pos:start].replace("%", "%%")
        pos = end
        in_string = layout == "{" and quoted[i]
        if var.expr == "None":
            # Always null: AWS's "-" (JSON's null outside a string) goes into the template.
            template += "null" if layout == "{" and not in_string else "-"
            continue
        template += "%s"
        if layout == "{" and not in_string:
            exprs.append(f"_json_literal({var.expr})")
        elif var.escape and layout in ("{", "<"):
            exprs.append(f"{'_in_json_string' if in_string else '_in_xml'}({var.expr})")
        else:
            exprs.append(f"_dash({var.expr})" if var.nullable else var.expr)
    template += fmt[pos:].replace("%", "%%")
    namespace = {**_HELPERS, "_T": template}
    source = f"lambda c, r, l: _T % ({''.join(e + ', ' for e in exprs)})"
    fn: Formatter = eval(source, namespace)  # source: our table only
    return fn


# An expression that reads the response (``r``) or the response latency (``l``): access-log only.
_NEEDS_RESPONSE = re.compile(r"\b[rl]\b")


@functools.lru_cache(maxsize=4096)
def context_getter(name: str) -> Callable[[Context], Any] | None:
    """``$context.<name>`` as a function of the request context, from the same table access logs
    compile from — for parameter mappings, authorizer identity sources and gateway-response
    templates. None for an unknown name; variables that exist only once the response does
    (``status``, ``responseLength``…) read as null before it."""
    var = lookup(name)
    if var is None:
        return None
    if _NEEDS_RESPONSE.search(var.expr):
        return lambda _c: None
    getter: Callable[[Context], Any] = eval(f"lambda c: {var.expr}", dict(_HELPERS))
    return getter
