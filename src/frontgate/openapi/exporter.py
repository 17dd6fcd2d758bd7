"""GetExport: an ApiDefinition to an OpenAPI 3.0.1 or Swagger 2.0 document, and its text form."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any, Literal

import yaml

from frontgate.definition.model import ApiDefinition, Doc

from .document import AWS_MODEL_URL_RE, EXT, rewrite_refs
from .export_paths import API_KEY_SCHEME, IAM_SCHEME, PathExport, export_paths

EXPORT_TYPES = ("oas30", "swagger")
# GetExport's `extensions` values; "apigateway" implies the other two, "postman" adds nothing here.
_INTEGRATION_FLAGS = frozenset({"integrations", "apigateway"})
_AUTHORIZER_FLAGS = frozenset({"authorizers", "apigateway", "integrations"})


def export_openapi(
    defn: ApiDefinition,
    *,
    export_type: str = "oas30",
    stage_name: str | None = None,
    extensions: frozenset[str] = frozenset(),
    host: str | None = None,
    stage_variables: dict[str, str] | None = None,
    scheme: str = "https",
) -> dict[str, Any]:
    """The export document, its server at ``scheme://host``. ``stage_variables`` are accepted
    for the stage context only: ``${stageVariables.x}`` references stay verbatim, as in AWS's
    exports, so a re-import keeps them working."""
    if export_type not in EXPORT_TYPES:
        raise ValueError(f"export_type must be one of {', '.join(EXPORT_TYPES)}")
    swagger = export_type == "swagger"
    rest = defn.rest_api
    full = bool(extensions & _INTEGRATION_FLAGS)
    ctx = PathExport(defn, swagger=swagger, integrations=full)
    host = host or f"{rest['id']}.execute-api.localhost"

    doc: Doc = {"swagger": "2.0"} if swagger else {"openapi": "3.0.1"}
    doc["info"] = api_info(rest, _created)
    endpoint = _endpoint_extension(rest) if full else {}
    if swagger:
        doc["host"] = host
        doc["basePath"] = f"/{stage_name}" if stage_name else "/"
        doc["schemes"] = [scheme]
    else:
        server: Doc = {"url": f"{scheme}://{host}"}
        if stage_name:
            server = {"url": f"{scheme}://{host}/{{basePath}}"}
            server["variables"] = {"basePath": {"default": stage_name}}
        if endpoint:
            server[EXT + "endpoint-configuration"] = endpoint  # OAS3 puts it on a server
        doc["servers"] = [server]
    doc["paths"] = export_paths(ctx)

    schemes = _security_schemes(ctx, bool(extensions & _AUTHORIZER_FLAGS))
    schemas = model_schemas(defn.models, "#/definitions/" if swagger else "#/components/schemas/")
    if swagger:
        if schemes:
            doc["securityDefinitions"] = schemes
        if schemas:
            doc["definitions"] = schemas
    else:
        components: Doc = {}
        if schemas:
            components["schemas"] = schemas
        if schemes:
            components["securitySchemes"] = schemes
        doc["components"] = components  # AWS writes it even empty (recorded)
    if full:
        _api_extensions(doc, defn, endpoint if swagger else {})
    return doc


def _created(rest: Doc) -> str:
    # AWS falls back to the creation timestamp when the API has no version.
    created = datetime.datetime.fromtimestamp(rest.get("createdDate", 0), datetime.UTC)
    return created.strftime("%Y-%m-%dT%H:%M:%SZ")


def api_info(api: Doc, unversioned: Callable[[Doc], str]) -> Doc:
    """The ``info`` object of an API's export (REST or HTTP): its name, description and
    version; ``unversioned(api)`` when it has none."""
    info: Doc = {"title": api.get("name", "")}
    if api.get("description"):
        info["description"] = api["description"]
    info["version"] = str(api.get("version") or unversioned(api))
    return info


def _endpoint_extension(rest: Doc) -> Doc:
    config: Doc = rest.get("endpointConfiguration") or {}
    out: Doc = {}
    types = config.get("types") or ["EDGE"]
    if types != ["EDGE"]:
        out["types"] = list(types)
    if config.get("vpcEndpointIds"):
        out["vpcEndpointIds"] = list(config["vpcEndpointIds"])
    if rest.get("disableExecuteApiEndpoint"):
        out["disableExecuteApiEndpoint"] = True
    return out


def model_schemas(models: list[Doc], prefix: str) -> Doc:
    """Models (REST or HTTP API) as schemas by name, their references to other models (AWS's
    model URLs) made local: ``prefix`` + name."""

    def local(ref: str) -> str:
        match = AWS_MODEL_URL_RE.match(ref)
        return prefix + match.group(1) if match else ref

    out: Doc = {}
    for model in sorted(models, key=lambda m: str(m["name"])):
        try:
            schema = json.loads(model.get("schema") or "{}")
        except json.JSONDecodeError:
            schema = {}
        if isinstance(schema, dict):
            schema.pop("$schema", None)  # not a keyword OpenAPI schema objects allow
        out[str(model["name"])] = rewrite_refs(schema, local)
    return out


def _security_schemes(ctx: PathExport, with_authorizers: bool) -> Doc:
    out: Doc = {}
    if API_KEY_SCHEME in ctx.used_schemes:
        out[API_KEY_SCHEME] = {"type": "apiKey", "name": "x-api-key", "in": "header"}
    if IAM_SCHEME in ctx.used_schemes:
        out[IAM_SCHEME] = {
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
            EXT + "authtype": "awsSigv4",
        }
    for auth in ctx.defn.authorizers:
        out[auth["name"]] = _authorizer_scheme(auth, with_authorizers)
    return out


def _authorizer_scheme(auth: Doc, with_extension: bool) -> Doc:
    identity = str(auth.get("identitySource") or "")
    header_prefix = "method.request.header."
    single_header = identity.startswith(header_prefix) and "," not in identity
    # AWS writes "Unused" when the identity is not one header (REQUEST authorizers).
    scheme: Doc = {
        "type": "apiKey",
        "name": identity[len(header_prefix) :] if single_header else "Unused",
        "in": "header",
    }
    if not with_extension:
        return scheme
    cognito = auth["type"] == "COGNITO_USER_POOLS"
    scheme[EXT + "authtype"] = auth.get("authType") or (
        "cognito_user_pools" if cognito else "custom"
    )
    ext: Doc = {"type": str(auth["type"]).lower()}
    for key in (
        "authorizerUri",
        "authorizerCredentials",
        "identitySource",
        "identityValidationExpression",
        "providerARNs",
        "authorizerResultTtlInSeconds",
    ):
        if auth.get(key) not in (None, "", []):
            ext[key] = auth[key]
    scheme[EXT + "authorizer"] = ext
    return scheme


def _api_extensions(doc: Doc, defn: ApiDefinition, swagger_endpoint: Doc) -> None:
    rest = defn.rest_api
    if swagger_endpoint:
        doc[EXT + "endpoint-configuration"] = swagger_endpoint
    if defn.gateway_responses:
        doc[EXT + "gateway-responses"] = {
            g["responseType"]: {
                k: g[k] for k in ("statusCode", "responseParameters", "responseTemplates") if k in g
            }
            for g in sorted(defn.gateway_responses, key=lambda g: str(g["responseType"]))
        }
    if rest.get("binaryMediaTypes"):
        doc[EXT + "binary-media-types"] = list(rest["binaryMediaTypes"])
    if rest.get("apiKeySource", "HEADER") != "HEADER":  # the default is left out (recorded)
        doc[EXT + "api-key-source"] = rest["apiKeySource"]
    if defn.request_validators:
        doc[EXT + "request-validators"] = {
            v["name"]: {
                "validateRequestBody": bool(v.get("validateRequestBody")),
                "validateRequestParameters": bool(v.get("validateRequestParameters")),
            }
            for v in defn.request_validators
        }
    if rest.get("policy"):
        try:
            doc[EXT + "policy"] = json.loads(rest["policy"])
        except json.JSONDecodeError:
            doc[EXT + "policy"] = rest["policy"]
    if rest.get("minimumCompressionSize") is not None:
        doc[EXT + "minimum-compression-size"] = rest["minimumCompressionSize"]


def dump(doc: dict[str, Any], fmt: Literal["json", "yaml"]) -> str:
    """The export as text, keeping key order (``info`` before ``paths``, as AWS writes it)."""
    if fmt == "json":
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if fmt == "yaml":
        text: str = yaml.safe_dump(
            doc, sort_keys=False, allow_unicode=True, default_flow_style=False
        )
        return text
    raise ValueError("fmt must be 'json' or 'yaml'")
