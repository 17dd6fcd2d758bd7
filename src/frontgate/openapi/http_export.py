"""ExportApi: an ``HttpApiDefinition`` to an OpenAPI 3.0.1 document, as Amazon API Gateway
exports HTTP APIs (``specification=OAS30``, ``exportVersion=1.0``).

The shape follows AWS's exports: ``info.version`` falls back to the creation time
(``2020-05-12 20:16:25UTC``); one ``servers`` entry, the API endpoint with a ``basePath``
variable whose default is the exported stage (empty for ``$default`` or no stage); each route
an operation with a ``Default response for {routeKey}``; path parameters declared once per path
(``Generated path parameter for {name}``); the ``$default`` route under ``/$default`` as
``x-amazon-apigateway-any-method`` with ``isDefaultRoute: true``. With extensions (the default)
each operation carries its ``x-amazon-apigateway-integration`` (inline, also when routes share an
integration, as AWS writes it), security schemes carry ``x-amazon-apigateway-authorizer``, and
the root ``x-amazon-apigateway-cors`` and ``x-amazon-apigateway-importexport-version: "1.0"``.

Stage variable references (``${stageVariables.x}`` in an integration URI) stay verbatim, as in
AWS's exports, so that a re-import keeps them working with the new API's stages. Importing an
export (``http_import.import_http_api``) gives back the same routes, integrations, authorizers,
CORS configuration and models."""

from __future__ import annotations

import re
from typing import Any

from frontgate.definition.httpapis import HttpApiDefinition
from frontgate.definition.model import Doc

from .document import EXT
from .exporter import api_info, model_schemas

IMPORT_EXPORT_VERSION = "1.0"
EXPORT_VERSIONS = ("1.0",)
SPECIFICATIONS = ("OAS30",)
IAM_SCHEME = "sigv4"
_VERBS = ("GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "ANY")
_PARAM_RE = re.compile(r"\{([^}/]+?)\+?\}")
_ISO_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})")
_INTEGRATION_MEMBERS = (
    ("integrationMethod", "httpMethod"),
    ("integrationUri", "uri"),
    ("connectionType", "connectionType"),
    ("connectionId", "connectionId"),
    ("credentialsArn", "credentials"),
    ("integrationSubtype", "integrationSubtype"),
    ("requestParameters", "requestParameters"),
    ("responseParameters", "responseParameters"),
    ("tlsConfig", "tlsConfig"),
    ("timeoutInMillis", "timeoutInMillis"),
    ("description", "description"),
)


def export_http_api(
    defn: HttpApiDefinition,
    *,
    endpoint: str,
    stage_name: str | None = None,
    include_extensions: bool = True,
) -> dict[str, Any]:
    """The OpenAPI 3.0.1 document of ``defn`` (the latest definition, or the deployed one of
    the stage ``stage_name``), served at ``endpoint`` (the API's ``apiEndpoint``)."""
    api = defn.api
    ext = include_extensions
    doc: Doc = {"openapi": "3.0.1", "info": api_info(api, _created)}
    base = "" if stage_name in (None, "$default") else stage_name
    server: Doc = {
        "url": endpoint.rstrip("/") + "/{basePath}",
        "variables": {"basePath": {"default": base}},
    }
    if ext and api.get("disableExecuteApiEndpoint"):
        server[EXT + "endpoint-configuration"] = {"disableExecuteApiEndpoint": True}
    doc["servers"] = [server]
    if ext and api.get("tags"):
        doc["tags"] = [{"name": k, EXT + "tag-value": v} for k, v in sorted(api["tags"].items())]
    iam_name = _iam_scheme_name(defn)
    doc["paths"] = _paths(defn, iam_name, ext)
    components: Doc = {}
    schemas = model_schemas(defn.models, "#/components/schemas/")
    if schemas:
        components["schemas"] = schemas
    schemes = _security_schemes(defn, iam_name, ext)
    if schemes:
        components["securitySchemes"] = schemes
    if components:
        doc["components"] = components
    if ext:
        if api.get("corsConfiguration"):
            doc[EXT + "cors"] = dict(api["corsConfiguration"])
        doc[EXT + "importexport-version"] = IMPORT_EXPORT_VERSION
    return doc


def _created(api: Doc) -> str:
    # AWS falls back to the creation time when the API has no version.
    match = _ISO_RE.match(str(api.get("createdDate", "")))
    return f"{match.group(1)} {match.group(2)}UTC" if match else ""


def _iam_scheme_name(defn: HttpApiDefinition) -> str:
    taken = {str(a.get("name")) for a in defn.authorizers}
    name, n = IAM_SCHEME, 1
    while name in taken:
        n += 1
        name = f"{IAM_SCHEME}{n}"
    return name


def _paths(defn: HttpApiDefinition, iam_name: str, ext: bool) -> Doc:
    integrations = {str(i["integrationId"]): i for i in defn.integrations}
    authorizers = {str(a["authorizerId"]): a for a in defn.authorizers}
    by_path: dict[str, dict[str, Doc]] = {}
    for route in defn.routes:
        key = str(route["routeKey"])
        if key == "$default":
            path, verb = "/$default", "ANY"
        else:
            verb, _, path = key.partition(" ")
        op: Doc = {}
        if key == "$default":
            op["isDefaultRoute"] = True
        if route.get("operationName"):
            op["operationId"] = route["operationName"]
        op["responses"] = {"default": {"description": f"Default response for {key}"}}
        security = _security(route, authorizers, iam_name)
        if security is not None:
            op["security"] = security
        target = str(route.get("target") or "")
        integration = integrations.get(target.removeprefix("integrations/"))
        if ext and integration is not None:
            op[EXT + "integration"] = integration_extension(integration)
        by_path.setdefault(path, {})[verb] = op
    out: Doc = {}
    for path in sorted(by_path):
        item: Doc = {}
        for verb in sorted(by_path[path], key=_verb_order):
            name = EXT + "any-method" if verb == "ANY" else verb.lower()
            item[name] = by_path[path][verb]
        params = _PARAM_RE.findall(path)
        if params:
            item["parameters"] = [
                {
                    "name": name,
                    "in": "path",
                    "description": f"Generated path parameter for {name}",
                    "required": True,
                    "schema": {"type": "string"},
                }
                for name in params
            ]
        out[path] = item
    return out


def _verb_order(verb: str) -> int:
    return _VERBS.index(verb) if verb in _VERBS else len(_VERBS)


def _security(route: Doc, authorizers: dict[str, Doc], iam_name: str) -> list[Doc] | None:
    kind = route.get("authorizationType", "NONE")
    if kind == "AWS_IAM":
        return [{iam_name: []}]
    if kind in ("JWT", "CUSTOM"):
        authorizer = authorizers.get(str(route.get("authorizerId")))
        if authorizer is not None:
            return [{str(authorizer["name"]): list(route.get("authorizationScopes") or [])}]
    return None


def integration_extension(integration: Doc) -> Doc:
    """One integration as ``x-amazon-apigateway-integration``."""
    out: Doc = {
        "payloadFormatVersion": integration.get("payloadFormatVersion", "1.0"),
        "type": str(integration.get("integrationType", "")).lower(),
    }
    for member, name in _INTEGRATION_MEMBERS:
        value = integration.get(member)
        if value not in (None, "", {}):
            out[name] = value
    return out


def _security_schemes(defn: HttpApiDefinition, iam_name: str, ext: bool) -> Doc:
    out: Doc = {}
    for auth in defn.authorizers:
        out[str(auth["name"])] = _authorizer_scheme(auth, ext)
    if any(r.get("authorizationType") == "AWS_IAM" for r in defn.routes):
        iam: Doc = {"type": "apiKey", "name": "Authorization", "in": "header"}
        if ext:
            iam[EXT + "authtype"] = "awsSigv4"
        out[iam_name] = iam
    return out


def _authorizer_scheme(auth: Doc, ext: bool) -> Doc:
    sources = [str(s) for s in auth.get("identitySource") or []]
    if auth.get("authorizerType") == "JWT":
        scheme: Doc = {"type": "oauth2", "flows": {}}
        if ext:
            scheme[EXT + "authorizer"] = {
                "identitySource": ", ".join(sources),
                "jwtConfiguration": dict(auth.get("jwtConfiguration") or {}),
                "type": "jwt",
            }
        return scheme
    header = "$request.header."
    single = len(sources) == 1 and sources[0].startswith(header)
    # AWS names the header when the identity is one header, "Unused" otherwise.
    scheme = {"type": "apiKey", "name": sources[0][len(header) :] if single else "Unused"}
    scheme["in"] = "header"
    if ext:
        body: Doc = {}
        if sources:
            body["identitySource"] = ", ".join(sources)
        for member, name in (
            ("authorizerUri", "authorizerUri"),
            ("authorizerCredentialsArn", "authorizerCredentials"),
            ("authorizerPayloadFormatVersion", "authorizerPayloadFormatVersion"),
            ("authorizerResultTtlInSeconds", "authorizerResultTtlInSeconds"),
            ("enableSimpleResponses", "enableSimpleResponses"),
        ):
            if auth.get(member) is not None:
                body[name] = auth[member]
        body["type"] = "request"
        scheme[EXT + "authorizer"] = body
    return scheme
