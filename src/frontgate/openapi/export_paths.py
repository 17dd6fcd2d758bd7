"""Resources and methods to OpenAPI ``paths`` (operations, parameters, responses, integrations)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from frontgate.definition.model import ApiDefinition, Doc

from .document import EXT

VERB_ORDER = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY")
API_KEY_SCHEME = "api_key"  # the scheme name AWS's exports use
IAM_SCHEME = "sigv4"
_PARAM_IN = {"path": "path", "querystring": "query", "header": "header"}


@dataclass
class PathExport:
    """Options and lookups shared by every operation of one export."""

    defn: ApiDefinition
    swagger: bool
    integrations: bool
    used_schemes: set[str] = field(default_factory=set)

    def schema_ref(self, name: str) -> Doc:
        prefix = "#/definitions/" if self.swagger else "#/components/schemas/"
        return {"$ref": prefix + name}


def export_paths(ctx: PathExport) -> Doc:
    paths: Doc = {}
    for res in sorted(ctx.defn.resources, key=lambda r: str(r["path"])):
        methods: Doc = res.get("resourceMethods") or {}
        if not methods:
            continue  # AWS exports only resources with methods; import recreates the rest
        item: Doc = {}
        for verb in sorted(methods, key=lambda v: VERB_ORDER.index(v) if v in VERB_ORDER else 99):
            key = EXT + "any-method" if verb == "ANY" else verb.lower()
            item[key] = _operation(ctx, methods[verb], res["id"])
        paths[res["path"]] = item
    return paths


def _operation(ctx: PathExport, method: Doc, resource_id: str) -> Doc:
    op: Doc = {}
    if method.get("operationName"):
        op["operationId"] = method["operationName"]
    params = _parameters(ctx, method.get("requestParameters") or {})
    request_models: dict[str, str] = method.get("requestModels") or {}
    integration: Doc = method.get("methodIntegration") or {}
    # Swagger: AWS lists the content types of the request models and the integration's request
    # templates as ``consumes``, of the response models and response templates as ``produces``.
    consumes = [*request_models, *(integration.get("requestTemplates") or {})]
    if ctx.swagger and consumes:
        op["consumes"] = list(dict.fromkeys(consumes))
    if ctx.swagger and request_models:
        name = request_models.get("application/json") or next(iter(request_models.values()))
        body = {"in": "body", "name": name, "required": True, "schema": ctx.schema_ref(name)}
        params.append(body)
    if params:
        op["parameters"] = params
    if not ctx.swagger and request_models:
        content = {ct: {"schema": ctx.schema_ref(m)} for ct, m in request_models.items()}
        op["requestBody"] = {"content": content, "required": True}
    responses = method.get("methodResponses") or {}
    if ctx.swagger:
        produces = [ct for r in responses.values() for ct in r.get("responseModels") or {}]
        for resp in (integration.get("integrationResponses") or {}).values():
            produces += list(resp.get("responseTemplates") or {})
        if produces:
            op["produces"] = list(dict.fromkeys(produces))
    op["responses"] = {code: _response(ctx, r) for code, r in sorted(responses.items())} or {
        "default": {"description": "Default response"}  # OpenAPI requires at least one
    }
    security = _security(ctx, method)
    if security:
        op["security"] = security
    if ctx.integrations:
        validator = _name_of(ctx.defn.request_validators, method.get("requestValidatorId"))
        if validator:
            op[EXT + "request-validator"] = validator
        if integration:
            op[EXT + "integration"] = export_integration(integration, resource_id)
    return op


def _parameters(ctx: PathExport, request_parameters: dict[str, bool]) -> list[Doc]:
    out: list[Doc] = []
    order = list(_PARAM_IN)
    entries = []
    for key, required in request_parameters.items():
        parts = key.split(".", 3)
        if len(parts) == 4 and parts[2] in _PARAM_IN:
            entries.append((order.index(parts[2]), parts[3], _PARAM_IN[parts[2]], bool(required)))
    # Grouped by location, in the method's own order within one (AWS keeps the document's).
    for _, name, where, required in sorted(entries, key=lambda e: e[0]):
        param: Doc = {"name": name, "in": where, "required": required or where == "path"}
        if ctx.swagger:
            param["type"] = "string"
        else:
            if not param["required"]:
                del param["required"]  # OpenAPI 3 exports say only ``required: true`` (recorded)
            param["schema"] = {"type": "string"}
        out.append(param)
    return out


def _response(ctx: PathExport, resp: Doc) -> Doc:
    out: Doc = {"description": f"{resp.get('statusCode', '')} response".strip()}
    headers: Doc = {}
    for key in resp.get("responseParameters") or {}:
        if key.startswith("method.response.header."):
            name = key[len("method.response.header.") :]
            headers[name] = {"type": "string"} if ctx.swagger else {"schema": {"type": "string"}}
    if headers:
        out["headers"] = headers
    models: dict[str, str] = resp.get("responseModels") or {}
    if models and ctx.swagger:
        out["schema"] = ctx.schema_ref(
            models.get("application/json") or next(iter(models.values()))
        )
    elif not ctx.swagger:  # OpenAPI 3: ``content: {}`` when there is no model (recorded)
        out["content"] = {ct: {"schema": ctx.schema_ref(m)} for ct, m in models.items()}
    return out


def _security(ctx: PathExport, method: Doc) -> list[Doc]:
    out: list[Doc] = []
    kind = method.get("authorizationType", "NONE")
    if kind == "AWS_IAM":
        out.append({IAM_SCHEME: []})
        ctx.used_schemes.add(IAM_SCHEME)
    elif kind in ("CUSTOM", "COGNITO_USER_POOLS"):
        name = _name_of(ctx.defn.authorizers, method.get("authorizerId"))
        if name:
            out.append({name: list(method.get("authorizationScopes") or [])})
    if method.get("apiKeyRequired"):
        out.append({API_KEY_SCHEME: []})
        ctx.used_schemes.add(API_KEY_SCHEME)
    return out


def _name_of(docs: list[Doc], doc_id: Any) -> str | None:
    return next((str(d["name"]) for d in docs if doc_id and d.get("id") == doc_id), None)


def export_integration(integration: Doc, resource_id: str) -> Doc:
    """The ``x-amazon-apigateway-integration`` object; enums in lower case as AWS exports them."""
    out: Doc = {"type": str(integration["type"]).lower()}
    for key in ("httpMethod", "uri", "credentials", "connectionId"):
        if integration.get(key):
            out[key] = integration[key]
    if integration.get("connectionType", "INTERNET") != "INTERNET":
        out["connectionType"] = integration["connectionType"]
    responses: Doc = {}
    for status, resp in sorted((integration.get("integrationResponses") or {}).items()):
        entry: Doc = {"statusCode": resp.get("statusCode", status)}
        for key in ("responseParameters", "responseTemplates"):
            if resp.get(key):
                entry[key] = resp[key]
        if resp.get("contentHandling"):
            entry["contentHandling"] = resp["contentHandling"]
        responses[resp.get("selectionPattern") or "default"] = entry
    if responses:
        out["responses"] = responses
    for key in ("requestParameters", "requestTemplates"):
        if integration.get(key):
            out[key] = integration[key]
    out["passthroughBehavior"] = str(
        integration.get("passthroughBehavior", "WHEN_NO_MATCH")
    ).lower()
    if integration.get("timeoutInMillis", 29000) != 29000:  # the default is left out (recorded)
        out["timeoutInMillis"] = integration["timeoutInMillis"]
    if integration.get("cacheNamespace") not in (None, resource_id):
        out["cacheNamespace"] = integration["cacheNamespace"]  # only a non-default namespace
    if integration.get("cacheKeyParameters"):
        out["cacheKeyParameters"] = integration["cacheKeyParameters"]
    for key in ("contentHandling", "tlsConfig"):
        if integration.get(key):
            out[key] = integration[key]
    return out
