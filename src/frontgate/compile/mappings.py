"""Parse AWS mapping expressions (``method.request.path.id``, ``'static'``, ``stageVariables.x``)
once, at compile time, into ``(kind, name)`` sources the request path reads directly.

The same parser checks them at write time (``frontgate.compile.checks``), so what the management
API accepts is exactly what compiles: AWS refuses a bad expression at the Put call with
``Invalid mapping expression specified: Validation Result: warnings : [], errors : [...]``."""

from __future__ import annotations

import re
from collections.abc import Callable

from frontgate.snapshot.snapshot import ParamMapping, Source

_STAGE_VAR = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")
# AWS: a parameter name in a mapping matches ^[a-zA-Z0-9._$-]+$.
_PARAM_NAME = re.compile(r"[a-zA-Z0-9._$-]+")
_STAGE_VAR_NAME = re.compile(r"[A-Za-z0-9_]+")

_PREFIXES: tuple[tuple[str, str], ...] = (
    ("method.request.path.", "path"),
    ("method.request.querystring.", "query"),
    ("method.request.multivaluequerystring.", "multiquery"),
    ("method.request.header.", "header"),
    ("method.request.multivalueheader.", "multiheader"),
    ("method.request.body.", "body"),
    ("integration.response.header.", "intheader"),
    ("integration.response.multivalueheader.", "intmultiheader"),
    ("integration.response.body.", "intbody"),
    ("context.", "context"),
)
# Kinds whose name is a parameter name (the others are JSONPaths or context variables).
_NAMED = frozenset(("path", "query", "multiquery", "header", "multiheader", "intheader"))
_ALWAYS = frozenset(("static", "context", "stagevar"))
_METHOD_REQUEST = frozenset(("path", "query", "multiquery", "header", "multiheader", "body"))
_INTEGRATION_RESPONSE = frozenset(("intheader", "intmultiheader", "intbody"))

# What each mapping target may read, by the target's prefix (AWS's parameter-mapping tables):
# the integration request reads the method request; a method response header reads the
# integration response; a gateway response reads the method request.
SOURCES: dict[str, frozenset[str]] = {
    "integration.request.": _ALWAYS | _METHOD_REQUEST,
    "method.response.": _ALWAYS | _INTEGRATION_RESPONSE,
    "gatewayresponse.": _ALWAYS | (_METHOD_REQUEST - {"body"}),
}
_TARGETS: dict[str, tuple[str, ...]] = {
    "integration.request.": ("path", "querystring", "header"),
    "method.response.": ("header",),
    "gatewayresponse.": ("path", "querystring", "header"),
}
METHOD_REQUEST_LOCATIONS = (
    "path",
    "querystring",
    "multivaluequerystring",
    "header",
    "multivalueheader",
)


class MappingError(ValueError):
    """Mapping expressions AWS would refuse; ``str()`` is AWS's whole message, listing each
    refused expression (a Java list: ``[a, b]``)."""

    def __init__(
        self, expr: str, *more: str, problem: str = "Invalid mapping expression specified"
    ) -> None:
        self.exprs = (expr, *more)
        self.details = [f"{problem}: {e}" for e in self.exprs]
        super().__init__(
            "Invalid mapping expression specified: Validation Result: warnings : [], "
            f"errors : [{', '.join(self.details)}]"
        )


def _source(expr: str) -> tuple[str, str]:
    """``(kind, name)`` of a source expression, stage variables left unresolved."""
    expr = expr.strip()
    if len(expr) >= 2 and expr[0] == "'" and expr[-1] == "'":
        return ("static", expr[1:-1])
    if expr == "method.request.body":
        return ("body", "")
    if expr == "integration.response.body":
        return ("intbody", "")
    if expr.startswith("stageVariables."):
        name = expr[len("stageVariables.") :]
        if _STAGE_VAR_NAME.fullmatch(name):
            return ("stagevar", name)
        raise MappingError(expr)
    for prefix, kind in _PREFIXES:
        if expr.startswith(prefix):
            name = expr[len(prefix) :]
            if not name or (kind in _NAMED and not _PARAM_NAME.fullmatch(name)):
                raise MappingError(expr)
            return (kind, name)
    raise MappingError(expr)


def parse_source(expr: str, stage_vars: dict[str, str]) -> Source:
    kind, name = _source(expr)
    if kind == "stagevar":
        # Stage variables are fixed per stage, so they are resolved here, not per request.
        return ("static", stage_vars.get(name, ""))
    return (kind, name)


def check_source(expr: object, prefix: str) -> tuple[str, str]:
    """Refuse what a target under ``prefix`` may not read; ``(kind, name)`` of the rest."""
    if not isinstance(expr, str):
        raise MappingError(_text(expr))
    kind, name = _source(expr)
    if kind not in SOURCES.get(prefix, SOURCES["integration.request."]):
        raise MappingError(expr.strip())
    return kind, name


def parse_target(key: str, prefix: str) -> tuple[str, str]:
    """``integration.request.header.x-user`` → ("header", "x-user") for ``prefix``
    ``integration.request.``; ``method.response.header.X`` → ("header", "X")."""
    if not key.startswith(prefix):
        raise MappingError(key)
    loc, _, name = key[len(prefix) :].partition(".")
    if loc not in _TARGETS.get(prefix, ("path", "querystring", "header")):
        raise MappingError(key)
    if not _PARAM_NAME.fullmatch(name):
        raise MappingError(key)
    return loc, name


def parse_method_parameter(key: object) -> tuple[str, str]:
    """A method request parameter (``method.request.querystring.q``): (location, name)."""
    text = _text(key)
    loc, _, name = text.removeprefix("method.request.").partition(".")
    if (
        not text.startswith("method.request.")
        or loc not in METHOD_REQUEST_LOCATIONS
        or not _PARAM_NAME.fullmatch(name)
    ):
        raise MappingError(text)
    return loc, name


def parse_response_parameter(key: object) -> str:
    """A method response parameter (``method.response.header.X``): the header name."""
    text = _text(key)
    return parse_target(text, "method.response.")[1]


def parse_identity_sources(text: object) -> list[tuple[str, str]]:
    """A REQUEST authorizer's ``identitySource``: comma-separated request headers, query
    strings, stage variables and context variables; ``(kind, name)`` of each."""
    out: list[tuple[str, str]] = []
    refused: list[str] = []
    for raw in _text(text).split(",") if text else ():
        src = raw.strip()
        try:
            kind, name = _source(src)
        except MappingError:
            kind, name = "", ""
        if kind in ("header", "query", "stagevar", "context"):
            out.append((kind, name))
        else:
            refused.append(src)
    if refused:
        raise MappingError(*refused)
    return out


def check_mappings(mapping: object, prefix: str) -> None:
    """Write-time check of a ``requestParameters``/``responseParameters`` map."""
    if mapping is None:
        return
    if not isinstance(mapping, dict):
        raise MappingError(_text(mapping))
    refused: list[str] = []
    for key, expr in mapping.items():
        try:
            parse_target(_text(key), prefix)
            check_source(expr, prefix)
        except MappingError as exc:
            refused += exc.exprs
    if refused:
        raise MappingError(*refused)


def check_each(keys: object, parse: Callable[[object], object]) -> None:
    """Every key of a parameter map through ``parse``; one error listing all refused keys."""
    refused: list[str] = []
    for key in keys if isinstance(keys, dict) else ():
        try:
            parse(key)
        except MappingError as exc:
            refused += exc.exprs
    if refused:
        raise MappingError(*refused)


def compile_mappings(
    mapping: dict[str, str] | None, prefix: str, stage_vars: dict[str, str]
) -> tuple[ParamMapping, ...]:
    out: list[ParamMapping] = []
    for key, expr in (mapping or {}).items():
        loc, name = parse_target(key, prefix)
        check_source(expr, prefix)
        out.append(ParamMapping(loc, name, parse_source(str(expr), stage_vars)))
    return tuple(out)


def substitute_stage_variables(text: str, stage_vars: dict[str, str]) -> str:
    return _STAGE_VAR.sub(lambda m: stage_vars.get(m.group(1), ""), text)


def _text(value: object) -> str:
    """How AWS prints a value in its message (JSON's ``true``, not Python's ``True``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)
