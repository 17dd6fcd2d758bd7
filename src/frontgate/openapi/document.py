"""Parsing an OpenAPI/Swagger text into a plain dict, plus the small helpers the importer shares."""

from __future__ import annotations

import datetime
import json
import re
from typing import Any
from urllib.parse import urlsplit

import yaml

from frontgate import safejson
from frontgate.definition.model import Doc

from .errors import Findings

EXT = "x-amazon-apigateway-"
# AWS stores model cross-references as absolute URLs; OpenAPI documents use local pointers.
AWS_MODEL_URL = "https://apigateway.amazonaws.com/restapis/{api_id}/models/{name}"
AWS_MODEL_URL_RE = re.compile(r"^https://apigateway\.amazonaws\.com/restapis/[^/]+/models/([^/]+)$")
LOCAL_SCHEMA_RE = re.compile(r"^#/(?:components/schemas|definitions)/([^/]+)$")


def parse(text: str | bytes, findings: Findings) -> Doc:
    """JSON when the text starts with ``{`` (better error positions), YAML otherwise."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise findings.unreadable(f"definition is not UTF-8 text: {exc}") from None
    stripped = text.lstrip("\ufeff \t\r\n")
    data: Any
    try:
        data = safejson.loads(stripped) if stripped.startswith("{") else _yaml(text, findings)
    except safejson.JsonError as exc:
        raise findings.unreadable(str(exc)) from None
    except json.JSONDecodeError as exc:
        # A YAML flow mapping also starts with "{"; report the JSON error only if YAML fails too.
        try:
            data = yaml.safe_load(text)
        except (yaml.YAMLError, RecursionError):
            msg = f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            raise findings.unreadable(msg) from None
    if safejson.too_deep(data):
        raise findings.unreadable(str(safejson.depth_error()))
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise findings.unreadable(f"definition must be a JSON/YAML object, got {kind}")
    normalised: Doc = _plain(data)
    return normalised


def _yaml(text: str, findings: Findings) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise findings.unreadable(_yaml_message(exc)) from None
    except RecursionError:
        raise findings.unreadable(str(safejson.depth_error())) from None


def _yaml_message(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is not None:
        return f"invalid YAML at line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return f"invalid YAML: {problem}"


def _plain(value: Any) -> Any:
    """Make YAML output JSON-shaped: unquoted ``200:`` keys become "200", dates become strings."""
    if isinstance(value, dict):
        return {_key(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _key(key: Any) -> str:
    if isinstance(key, bool):
        return str(key).lower()
    return str(key)


def detect_version(doc: Doc, findings: Findings) -> str:
    """``"oas3"`` or ``"swagger2"``; anything else is refused."""
    openapi = doc.get("openapi")
    if isinstance(openapi, str) and openapi.startswith("3."):
        return "oas3"
    # YAML reads an unquoted 2.0 as a float.
    if str(doc.get("swagger")) == "2.0":
        return "swagger2"
    raise findings.unreadable(
        "not an OpenAPI document: expected 'openapi: 3.x' or 'swagger: \"2.0\"'"
    )


def resolve(root: Doc, obj: Any, findings: Findings, where: str) -> Any:
    """Follow local ``$ref`` pointers (``#/a/b``) until a non-reference object is reached."""
    seen: set[str] = set()
    while isinstance(obj, dict) and isinstance(obj.get("$ref"), str):
        ref: str = obj["$ref"]
        if ref in seen:
            raise findings.error(f"circular $ref {ref!r}", where)
        seen.add(ref)
        if not ref.startswith("#/"):
            raise findings.error(f"only local $ref values are supported, got {ref!r}", where)
        target: Any = root
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or part not in target:
                raise findings.error(f"$ref {ref!r} points to nothing", where)
            target = target[part]
        obj = target
    return obj


def schema_ref_name(schema: Any) -> str | None:
    """The model name a ``$ref`` schema points to, for local and AWS-style references."""
    if not isinstance(schema, dict) or not isinstance(schema.get("$ref"), str):
        return None
    ref = schema["$ref"]
    match = LOCAL_SCHEMA_RE.match(ref) or AWS_MODEL_URL_RE.match(ref)
    return match.group(1) if match else None


def rewrite_refs(value: Any, repl: Any) -> Any:
    """Copy ``value`` with each ``$ref`` string passed through ``repl``."""
    if isinstance(value, dict):
        return {
            k: (repl(v) if k == "$ref" and isinstance(v, str) else rewrite_refs(v, repl))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [rewrite_refs(v, repl) for v in value]
    return value


def obj_at(value: Any, findings: Findings, where: str) -> Doc:
    """``value`` when it is an object (``None`` reads as empty), else an import error."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise findings.error(f"expected an object, got {type(value).__name__}", where)
    return value


_OPERATION_KEYS = ("get", "put", "post", "delete", "options", "head", "patch")
_PATH_ITEM_IGNORED = ("parameters", "summary", "description", "servers")


def operation_verb(name: str, findings: Findings, where: str, supported_by: str) -> str | None:
    """The method a path item's member ``name`` declares (``ANY`` for
    ``x-amazon-apigateway-any-method``), or None for a member that is no operation (with a
    warning "not a method {supported_by}", unless OpenAPI or an ``x-`` extension defines it)."""
    if name == EXT + "any-method":
        return "ANY"
    if name in _OPERATION_KEYS:
        return name.upper()
    if name not in _PATH_ITEM_IGNORED and not name.startswith("x-"):
        findings.warn(f"{name!r} is not a method {supported_by}; ignored", where)
    return None


def str_map(value: Any, findings: Findings, where: str) -> dict[str, str]:
    """A string-to-string map such as requestParameters or requestTemplates."""
    out: dict[str, str] = {}
    for key, item in obj_at(value, findings, where).items():
        if not isinstance(item, str):
            raise findings.error(f"value of {key!r} must be a string", where)
        out[key] = item
    return out


def base_path_of(doc: Doc, version: str) -> str:
    """The path prefix the definition declares (Swagger ``basePath``, OAS3 first server URL)."""
    if version == "swagger2":
        raw = doc.get("basePath")
        return raw if isinstance(raw, str) else ""
    servers = doc.get("servers")
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], dict):
        return ""
    server = servers[0]
    url = server.get("url")
    if not isinstance(url, str):
        return ""
    variables = server.get("variables")
    if isinstance(variables, dict):
        for name, var in variables.items():
            if isinstance(var, dict) and "default" in var:
                url = url.replace("{" + name + "}", str(var["default"]))
    path = urlsplit(url).path if "://" in url else url
    base_var = variables.get("basePath") if isinstance(variables, dict) else None
    if not path.strip("/") and isinstance(base_var, dict) and "default" in base_var:
        # AWS: a basePath variable is the base path even when the URL does not use it.
        path = str(base_var["default"])
    parts = [p for p in path.split("/") if p]
    return "/" + "/".join(parts) if parts else ""
