"""One OpenAPI operation to an API Gateway method document (request, responses, integration)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from frontgate.definition.model import Doc

from .document import EXT, obj_at, resolve, str_map
from .errors import Findings
from .models import ModelRegistry
from .security import Schemes, apply_security

INTEGRATION_TYPES = ("HTTP", "HTTP_PROXY", "AWS", "AWS_PROXY", "MOCK")
HTTP_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY")
PASSTHROUGH = ("WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER")
CONTENT_HANDLING = ("CONVERT_TO_BINARY", "CONVERT_TO_TEXT")
DEFAULT_TIMEOUT_MS = 29_000  # AWS's default and, without a quota increase, its maximum.
MAX_TIMEOUT_MS = 300_000  # The ceiling AWS allows with a raised regional quota.
_STATUS_RE = re.compile(r"^[1-5][0-9][0-9]$")
_PARAM_LOCATIONS = {"path": "path", "query": "querystring", "header": "header"}


@dataclass
class OpContext:
    """Everything an operation may refer to outside itself."""

    root: Doc
    version: str
    findings: Findings
    schemes: Schemes
    models: ModelRegistry
    validators: dict[str, str]  # validator name -> id
    default_validator: str | None = None
    security: Any = None
    consumes: list[str] = field(default_factory=list)
    produces: list[str] = field(default_factory=list)


def build_method(
    ctx: OpContext, verb: str, op: Doc, shared_params: list[Any], resource_id: str, path: str
) -> Doc:
    """The method document for ``op``; ``verb`` is the upper-case method (``ANY`` included)."""
    where = f"paths.{path}.{'x-amazon-apigateway-any-method' if verb == 'ANY' else verb.lower()}"
    hint = str(op.get("operationId") or verb.title() + "".join(_camel(path)))
    method: Doc = {"httpMethod": verb}
    apply_security(method, op.get("security", ctx.security), ctx.schemes, ctx.findings, where)
    method["requestParameters"], body_model = _parameters(ctx, op, shared_params, hint, where)
    for name in re.findall(r"\{([^}+]+)\+?\}", path):
        # AWS declares every path template variable, listed in the document or not (recorded).
        method["requestParameters"].setdefault(f"method.request.path.{name}", True)
    method["requestModels"] = _request_models(ctx, op, body_model, hint, where)
    validator = op.get(EXT + "request-validator", ctx.default_validator)
    if validator is not None:
        if validator not in ctx.validators:
            raise ctx.findings.error(f"unknown request validator {validator!r}", where)
        method["requestValidatorId"] = ctx.validators[validator]
    if op.get("operationId"):
        method["operationName"] = str(op["operationId"])
    method["methodResponses"] = _method_responses(ctx, op, hint, where)
    raw = op.get(EXT + "integration")
    if raw is None:
        # AWS imports such an operation as a method with no integration, and warns.
        ctx.findings.warn(f"no {EXT}integration; the method is imported without one", where)
    else:
        integration = build_integration(raw, resource_id, ctx.findings, where)
        for status in integration["integrationResponses"]:
            if status not in method["methodResponses"]:
                ctx.findings.warn(f"integration response {status} has no method response", where)
        method["methodIntegration"] = integration
        _drop_empty(integration, "requestParameters", "requestTemplates", "integrationResponses")
    return _drop_empty(method, "requestParameters", "requestModels", "methodResponses")


def _drop_empty(doc: Doc, *keys: str) -> Doc:
    """AWS leaves out the maps an import leaves empty (recorded GetMethod/GetIntegration)."""
    for key in keys:
        if doc.get(key) == {}:
            del doc[key]
    return doc


def _camel(path: str) -> list[str]:
    return [p.strip("{}+").title() for p in path.split("/") if p]


def _parameters(
    ctx: OpContext, op: Doc, shared: list[Any], hint: str, where: str
) -> tuple[dict[str, bool], str | None]:
    """requestParameters, plus the model of a Swagger ``in: body`` parameter if there is one."""
    merged: dict[tuple[str, str], Doc] = {}
    own = op.get("parameters") or []
    if not isinstance(own, list):
        raise ctx.findings.error("parameters must be a list", where)
    for raw in [*shared, *own]:  # operation-level entries override path-level ones
        param = obj_at(resolve(ctx.root, raw, ctx.findings, where), ctx.findings, where)
        if not param.get("name") or not param.get("in"):
            raise ctx.findings.error("a parameter has no 'name' or no 'in'", where)
        merged[(str(param["in"]), str(param["name"]))] = param
    out: dict[str, bool] = {}
    body_model: str | None = None
    for (location, name), param in merged.items():
        if location in _PARAM_LOCATIONS:
            required = location == "path" or bool(param.get("required", False))
            out[f"method.request.{_PARAM_LOCATIONS[location]}.{name}"] = required
        elif location == "body":
            body_model = ctx.models.model_for(param.get("schema"), hint + "Request", where)
        else:
            ctx.findings.warn(
                f"parameter {name!r} in {location!r} is not supported; ignored", where
            )
    return out, body_model


def _request_models(
    ctx: OpContext, op: Doc, body_model: str | None, hint: str, where: str
) -> dict[str, str]:
    if ctx.version == "swagger2":
        if body_model is None:
            return {}
        types = op.get("consumes") or ctx.consumes or ["application/json"]
        return {str(t): body_model for t in types}
    body = obj_at(
        resolve(ctx.root, op.get("requestBody"), ctx.findings, where), ctx.findings, where
    )
    out: dict[str, str] = {}
    for content_type, media in obj_at(body.get("content"), ctx.findings, where).items():
        schema = obj_at(media, ctx.findings, where).get("schema")
        name = ctx.models.model_for(schema, hint + "Request", where)
        if name is not None:
            out[content_type] = name
    return out


def _method_responses(ctx: OpContext, op: Doc, hint: str, where: str) -> dict[str, Doc]:
    out: dict[str, Doc] = {}
    for code, raw in obj_at(op.get("responses"), ctx.findings, where).items():
        if code == "default":
            continue  # a method response needs a concrete status code; AWS drops "default"
        if not _STATUS_RE.match(code):
            ctx.findings.warn(f"response {code!r} is not a status code; ignored", where)
            continue
        resp = obj_at(resolve(ctx.root, raw, ctx.findings, where), ctx.findings, where)
        headers = obj_at(resp.get("headers"), ctx.findings, where)
        doc: Doc = {
            "statusCode": code,
            "responseParameters": {f"method.response.header.{h}": False for h in headers},
        }
        models: dict[str, str] = {}
        if ctx.version == "swagger2":
            name = ctx.models.model_for(resp.get("schema"), f"{hint}Response{code}", where)
            if name is not None:
                types = op.get("produces") or ctx.produces or ["application/json"]
                models = {str(t): name for t in types}
        else:
            for content_type, media in obj_at(resp.get("content"), ctx.findings, where).items():
                schema = obj_at(media, ctx.findings, where).get("schema")
                name = ctx.models.model_for(schema, f"{hint}Response{code}", where)
                if name is not None:
                    models[content_type] = name
        if models:
            doc["responseModels"] = models
        out[code] = _drop_empty(doc, "responseParameters")
    return out


def build_integration(raw: Any, resource_id: str, findings: Findings, where: str) -> Doc:
    """The methodIntegration document for an ``x-amazon-apigateway-integration`` object."""
    name = EXT + "integration"
    raw = obj_at(raw, findings, where)
    kind = str(raw.get("type") or "").upper()
    if not kind:
        raise findings.error(f"{name} has no 'type'", where)
    if kind not in INTEGRATION_TYPES:
        allowed = ", ".join(INTEGRATION_TYPES)
        raise findings.error(f"{name} type {raw['type']!r} is not one of {allowed}", where)
    doc: Doc = {"type": kind}
    for key in ("httpMethod", "uri"):
        value = raw.get(key)
        if value and kind == "MOCK":
            continue  # AWS drops a MOCK's httpMethod and uri on import (recorded)
        if value:
            doc[key] = str(value).upper() if key == "httpMethod" else str(value)
        elif kind != "MOCK":
            raise findings.error(f"{name} has no {key!r} (required for type {kind})", where)
    if doc.get("httpMethod", "GET") not in HTTP_METHODS:
        raise findings.error(f"{name} httpMethod {doc['httpMethod']!r} is not valid", where)
    doc["requestParameters"] = str_map(raw.get("requestParameters"), findings, where)
    doc["requestTemplates"] = str_map(raw.get("requestTemplates"), findings, where)
    # AWS exports these enums in lower case ("when_no_match"); the API stores upper case.
    doc["passthroughBehavior"] = _enum(raw, "passthroughBehavior", PASSTHROUGH, findings, where)
    doc["passthroughBehavior"] = doc["passthroughBehavior"] or "WHEN_NO_MATCH"
    timeout = raw.get("timeoutInMillis", DEFAULT_TIMEOUT_MS)
    if isinstance(timeout, str) and timeout.isdigit():
        timeout = int(timeout)
    if not isinstance(timeout, int) or isinstance(timeout, bool):
        raise findings.error(f"{name} timeoutInMillis must be an integer", where)
    if not 50 <= timeout <= MAX_TIMEOUT_MS:
        raise findings.error(f"{name} timeoutInMillis must be 50-{MAX_TIMEOUT_MS}", where)
    doc["timeoutInMillis"] = timeout
    connection = _enum(raw, "connectionType", ("INTERNET", "VPC_LINK"), findings, where)
    if connection or kind in ("HTTP", "HTTP_PROXY"):
        doc["connectionType"] = connection or "INTERNET"  # AWS names it for HTTP types only
    if raw.get("connectionId"):
        doc["connectionId"] = str(raw["connectionId"])
    elif connection == "VPC_LINK":
        raise findings.error(f"{name} has no 'connectionId' (required for VPC_LINK)", where)
    if raw.get("credentials"):
        doc["credentials"] = str(raw["credentials"])
    doc["cacheNamespace"] = str(raw.get("cacheNamespace") or resource_id)
    keys = raw.get("cacheKeyParameters") or []
    if not isinstance(keys, list):
        raise findings.error(f"{name} cacheKeyParameters must be a list", where)
    doc["cacheKeyParameters"] = [str(k) for k in keys]
    handling = _enum(raw, "contentHandling", CONTENT_HANDLING, findings, where)
    if handling:
        doc["contentHandling"] = handling
    if isinstance(raw.get("tlsConfig"), dict):
        skip = raw["tlsConfig"].get("insecureSkipVerification", False)
        if not isinstance(skip, bool):  # "maybe" must not read as true
            raise findings.error(
                f"{name} tlsConfig.insecureSkipVerification must be true or false", where
            )
        doc["tlsConfig"] = {"insecureSkipVerification": skip}
    doc["integrationResponses"] = _integration_responses(raw, findings, where)
    return doc


def _enum(raw: Doc, key: str, allowed: tuple[str, ...], findings: Findings, where: str) -> str:
    value = raw.get(key)
    if value is None or value == "":
        return ""
    upper = str(value).upper()
    if upper not in allowed:
        detail = f"{EXT}integration {key} {value!r} is not one of {', '.join(allowed)}"
        raise findings.error(detail, where)
    return upper


def _integration_responses(raw: Doc, findings: Findings, where: str) -> dict[str, Doc]:
    """The extension keys responses by selection pattern; AWS keys them by status code."""
    out: dict[str, Doc] = {}
    at = f"{EXT}integration.responses"
    for pattern, resp in obj_at(raw.get("responses"), findings, where).items():
        resp = obj_at(resp, findings, where)
        status = resp.get("statusCode")
        if status is None or str(status) == "":
            raise findings.error(f"{at}.{pattern} has no 'statusCode'", where)
        status = str(status)
        if status in out:
            findings.warn(f"{at}: two patterns map to status {status}; the later one wins", where)
        doc: Doc = {
            "statusCode": status,
            "selectionPattern": None if pattern == "default" else pattern,
            "responseParameters": str_map(resp.get("responseParameters"), findings, where),
            "responseTemplates": str_map(resp.get("responseTemplates"), findings, where),
        }
        handling = _enum(resp, "contentHandling", CONTENT_HANDLING, findings, where)
        if handling:
            doc["contentHandling"] = handling
        out[status] = _drop_empty(doc, "responseParameters", "responseTemplates")
    return out
