"""Parse AWS mapping expressions (``method.request.path.id``, ``'static'``, ``stageVariables.x``)
once, at compile time, into ``(kind, name)`` sources the request path reads directly."""

from __future__ import annotations

import re

from frontgate.compile.snapshot import ParamMapping, Source

_STAGE_VAR = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")

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


class MappingError(ValueError):
    """A mapping expression AWS would refuse."""


def parse_source(expr: str, stage_vars: dict[str, str]) -> Source:
    expr = expr.strip()
    if len(expr) >= 2 and expr[0] == "'" and expr[-1] == "'":
        return ("static", expr[1:-1])
    if expr == "method.request.body":
        return ("body", "")
    if expr == "integration.response.body":
        return ("intbody", "")
    if expr.startswith("stageVariables."):
        # Stage variables are fixed per stage, so they are resolved here, not per request.
        return ("static", stage_vars.get(expr[len("stageVariables.") :], ""))
    for prefix, kind in _PREFIXES:
        if expr.startswith(prefix):
            return (kind, expr[len(prefix) :])
    raise MappingError(f"Invalid mapping expression specified: {expr}")


def parse_target(key: str, prefix: str) -> tuple[str, str]:
    """``integration.request.header.x-user`` → ("header", "x-user") for ``prefix``
    ``integration.request.``; ``method.response.header.X`` → ("header", "X")."""
    if not key.startswith(prefix):
        raise MappingError(f"Invalid mapping expression specified: {key}")
    loc, _, name = key[len(prefix) :].partition(".")
    if loc not in ("path", "querystring", "header") or not name:
        raise MappingError(f"Invalid mapping expression specified: {key}")
    return loc, name


def compile_mappings(
    mapping: dict[str, str] | None, prefix: str, stage_vars: dict[str, str]
) -> tuple[ParamMapping, ...]:
    out: list[ParamMapping] = []
    for key, expr in (mapping or {}).items():
        loc, name = parse_target(key, prefix)
        out.append(ParamMapping(loc, name, parse_source(str(expr), stage_vars)))
    return tuple(out)


def substitute_stage_variables(text: str, stage_vars: dict[str, str]) -> str:
    return _STAGE_VAR.sub(lambda m: stage_vars.get(m.group(1), ""), text)
