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
from typing import TYPE_CHECKING, Any, Final
from xml.sax.saxutils import escape as _xml_escape

from frontgate.observe.context_vars import lookup, tokens

if TYPE_CHECKING:
    from frontgate.http.message import Response
    from frontgate.pipeline.context import Context

_json_str: Callable[[str], str] = json.encoder.encode_basestring


class _Clf:
    """``$context.requestTime`` (CLF) of the current second."""

    __slots__ = ("second", "text")

    def __init__(self) -> None:
        self.second = -1
        self.text = ""


_CLF = _Clf()


def clf_time(wall: float) -> str:
    """A wall-clock time in CLF (``25/Nov/2026:16:44:00 +0000``): one strftime per second,
    shared by every request, message and event in it."""
    second = int(wall)
    clf = _CLF
    if clf.second != second:
        clf.text = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(second))
        clf.second = second
    return clf.text


def request_time(c: Context) -> str:
    """``$context.requestTime`` for access logs, Lambda events and the global access log alike."""
    return clf_time(c.start_wall)


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
    if c.domain_path is not None:
        return c.domain_path  # a custom domain name: the path as sent, base path kept
    if c.http_api and c.stage_name == "$default":
        return c.path  # an HTTP API's $default stage has no segment in the path
    return "/" + c.stage_name + c.path if c.stage_name else c.request.target.partition("?")[0]


def _base_path(c: Context) -> str | None:
    """``$context.customDomain.basePathMatched``: the key of the custom domain's mapping that
    served the request (``(none)`` for the empty key); None off a custom domain. Looked up
    again from the snapshot: only a format that names it pays."""
    if c.domain_path is None:
        return None
    host = (_header(c, "host") or "").rsplit(":", 1)[0].lower()
    domain = c.snapshot.domains.get(host)
    found = domain.match(tuple(c.domain_path[1:].split("/"))) if domain is not None else None
    return None if found is None else str(found.base_path)


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
    if not found:
        return None
    if c.http_api and key not in found:
        # HTTP APIs keep a Lambda authorizer's context under "lambda" (payload 2.0's shape);
        # ``principalId`` (IAM-policy answers) sits beside it.
        inner = found.get("lambda")
        return inner.get(key) if isinstance(inner, dict) else None
    return found.get(key)


def _claim(c: Context, key: str) -> Any:
    claims = _auth(c, "claims")
    if claims is None and c.http_api and c.authorizer:
        jwt = c.authorizer.get("jwt")  # HTTP API JWT authorizers: {"jwt": {"claims", "scopes"}}
        claims = jwt.get("claims") if isinstance(jwt, dict) else None
    return claims.get(key) if isinstance(claims, dict) else None


def _dash(v: Any) -> Any:
    return "-" if v is None else v


def _text(v: Any) -> str:
    """A non-string value as AWS prints it: booleans (a Lambda authorizer's context values)
    as ``true``/``false``, not Python's ``True``."""
    if v is True:
        return "true"
    if v is False:
        return "false"
    return str(v)


def _in_json_string(v: Any) -> str:
    return "-" if v is None else _json_str(v if isinstance(v, str) else _text(v))[1:-1]


def _json_literal(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return _text(v)
    return str(v) if isinstance(v, int) else _json_str(str(v))


def _in_xml(v: Any) -> str:
    return "-" if v is None else _xml_escape(_text(v), {'"': "&quot;"})


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


# Modes: how a value goes into the template's "%s".
_RAW: Final = 0  # as is (ids, numbers, fixed words)
_DASH: Final = 1  # "-" for null
_JSON_LITERAL: Final = 2  # JSON outside a string: a number, a quoted string or null
_IN_JSON: Final = 3  # inside a JSON string: escaped, "-" for null
_IN_XML: Final = 4  # XML text: escaped, "-" for null

# The variables common formats use, run by compiled code (``_value``); any other runs its table
# expression through an eval'd getter. Keys of identity/authorizer lookups ride in ``keys``.
_OP_OTHER: Final = 0
_OPS: Final[dict[str, int]] = {
    "requestId": 1,
    "extendedRequestId": 2,
    "identity.sourceIp": 3,
    "requestTime": 4,
    "requestTimeEpoch": 5,
    "httpMethod": 6,
    "resourcePath": 7,
    "resourceId": 8,
    "status": 9,
    "protocol": 10,
    "responseLength": 11,
    "responseLatency": 12,
    "integrationLatency": 13,
    "integration.latency": 13,
    "integrationStatus": 14,
    "integration.status": 14,
    "integration.integrationStatus": 14,
    "apiId": 15,
    "stage": 16,
    "path": 17,
    "domainName": 18,
    "identity.userAgent": 19,
    "error.message": 20,
    "error.responseType": 21,
    "accountId": 22,
    "deploymentId": 23,
}
_OP_IDENTITY: Final = 24  # identity.<key>
_OP_AUTHORIZER: Final = 25  # authorizer.principalId and authorizer.<key>
_IDENTITY_KEYS: Final = frozenset(
    ("caller", "user", "userArn", "accessKey", "accountId", "cognitoIdentityId",
     "cognitoIdentityPoolId", "cognitoAuthenticationType", "cognitoAuthenticationProvider",
     "principalOrgId", "vpcId", "vpceId")
)  # fmt: skip


def _value(op: int, key: str, c: Context, r: Response, l: int) -> object:  # noqa: E741
    """The value of one compiled variable (see ``context_vars.VARIABLES`` for each meaning)."""
    if op == 1:
        return c.request_id
    if op == 2:
        return c.extended_request_id
    if op == 3:
        return c.request.client_addr[0]
    if op == 4:
        return request_time(c)
    if op == 5:
        return int(c.start_wall * 1000)
    if op == 6:
        return c.request.method
    if op == 7:
        return c.method.resource_path if c.method is not None else None
    if op == 8:
        return c.method.resource_id if c.method is not None else None
    if op == 9:
        return r.status
    if op == 10:
        return "HTTP/1.1"
    if op == 11:
        return len(r.body)
    if op == 12:
        return l
    if op == 13:
        return c.integration_latency
    if op == 14:
        return c.integration_status
    if op == 15:
        return c.api_id or None
    if op == 16:
        return c.stage_name or None
    if op == 17:
        return _path(c)
    if op == 18:
        return _header(c, "host")
    if op == 19:
        return _header(c, "user-agent")
    if op == 20:
        return c.error
    if op == 21:
        return c.error_response_type
    if op == 22:
        return c.stage.account_id if c.stage is not None else None
    if op == 23:
        return c.stage.deployment_id if c.stage is not None else None
    if op == _OP_IDENTITY:
        return _identity(c, key)
    return _auth(c, key)


class AccessFormat:
    """A compiled access-log format: the literal text around the variables, each variable an
    opcode run by compiled code (or, for rare ones, an eval'd getter), joined once.
    ``format(c, r, l)`` is the line for a request (``l``: response latency, ms)."""

    __slots__ = ("getters", "keys", "literals", "modes", "ops", "source")

    def __init__(
        self,
        literals: list[str],
        ops: list[int],
        keys: list[str],
        modes: list[int],
        getters: list[Callable[[Context, Response, int], Any] | None],
    ) -> None:
        self.literals = literals  # one more than ops: the text before, between and after them
        self.ops = ops
        self.keys = keys
        self.modes = modes
        self.getters = getters
        self.source = ""  # the format text compile_format read (its getters are eval'd lambdas)

    def __reduce__(self) -> tuple[Any, ...]:
        # Shipped as its format text (snapshot.image): recompiling it is cheap and exact.
        return (compile_format, (self.source,))

    def format(self, c: Context, r: Response, l: int) -> str:  # noqa: E741
        # A join, not a "%" template: the C formatter re-parses the template every call.
        literals = self.literals
        parts: list[str] = [literals[0]]
        ops = self.ops
        modes = self.modes
        for i in range(len(ops)):
            op = ops[i]
            if op == _OP_OTHER:
                getter = self.getters[i]
                assert getter is not None
                v: Any = getter(c, r, l)
            else:
                v = _value(op, self.keys[i], c, r, l)
            mode = modes[i]
            if mode == _JSON_LITERAL:
                text = _json_literal(v)
            elif mode == _IN_JSON:
                text = _in_json_string(v)
            elif mode == _IN_XML:
                text = _in_xml(v)
            elif isinstance(v, str):
                text = v
            elif v is None and mode == _DASH:
                text = "-"
            else:
                text = _text(v)
            parts.append(text)
            parts.append(literals[i + 1])
        return "".join(parts)


def _op_for(name: str) -> tuple[int, str]:
    op = _OPS.get(name)
    if op is not None:
        return op, ""
    if name.startswith("identity.") and name[9:] in _IDENTITY_KEYS:
        return _OP_IDENTITY, name[9:]
    if name.startswith("authorizer.") and name.count(".") == 1:
        return _OP_AUTHORIZER, name[11:]  # _auth(c, key), in the table and its family alike
    return _OP_OTHER, ""


def compile_format(fmt: str) -> AccessFormat:
    """Raises ValueError for an unknown variable (UpdateStage refuses those first)."""
    source = fmt
    if fmt.endswith("\n"):
        fmt = fmt[:-1]
    found = tokens(fmt)
    layout = fmt.lstrip()[:1]
    quoted = _quoted_positions(fmt, [s for s, _e, _n in found]) if layout == "{" else []
    literals: list[str] = []
    text = ""  # the literal text since the last variable
    ops: list[int] = []
    keys: list[str] = []
    modes: list[int] = []
    getters: list[Callable[[Context, Response, int], Any] | None] = []
    pos = 0
    for i, (start, end, name) in enumerate(found):
        var = lookup(name)
        if var is None:
            raise ValueError(f"unknown access-log variable $context.{name}")
        text += fmt[pos:start]
        pos = end
        in_string = layout == "{" and quoted[i]
        if var.expr == "None":
            # Always null: AWS's "-" (JSON's null outside a string) is literal text.
            text += "null" if layout == "{" and not in_string else "-"
            continue
        literals.append(text)
        text = ""
        if layout == "{" and not in_string:
            modes.append(_JSON_LITERAL)
        elif var.escape and layout in ("{", "<"):
            modes.append(_IN_JSON if in_string else _IN_XML)
        else:
            modes.append(_DASH if var.nullable else _RAW)
        op, key = _op_for(name)
        ops.append(op)
        keys.append(key)
        getter: Callable[[Context, Response, int], Any] | None = None
        if op == _OP_OTHER:
            getter = eval(f"lambda c, r, l: {var.expr}", dict(_HELPERS))  # source: our table
        getters.append(getter)
    literals.append(text + fmt[pos:])
    compiled = AccessFormat(literals, ops, keys, modes, getters)
    compiled.source = source
    return compiled


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
