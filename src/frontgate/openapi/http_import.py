"""ImportApi/ReimportApi: an OpenAPI 3.0 text (JSON or YAML) to a complete ``HttpApiDefinition``,
as Amazon API Gateway imports HTTP APIs.

* ``info.title`` -> ``name``; ``info.version``/``info.description`` -> ``version``/``description``;
* each path and method -> a route ``METHOD /path`` (``x-amazon-apigateway-any-method`` -> ``ANY``;
  the path ``/$default`` -> the ``$default`` route);
* ``x-amazon-apigateway-integration`` -> the route's integration (``http_integrations``);
* ``securitySchemes`` and ``security`` -> authorizers and route authorization (``http_security``);
* ``x-amazon-apigateway-cors`` -> ``corsConfiguration``; ``components.schemas`` -> models;
  root ``tags`` with ``x-amazon-apigateway-tag-value`` -> the API's tags;
  ``x-amazon-apigateway-endpoint-configuration.disableExecuteApiEndpoint`` (on a server).

AWS sorts what it finds into errors (nothing is created), warnings (the import goes on unless
``failOnWarnings``) and info (a property valid in OpenAPI that HTTP APIs ignore, such as
``requestBody``). HTTP APIs take OpenAPI 3.0 only: a Swagger 2.0 document is an error."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from frontgate import ids
from frontgate.definition.httpapis import HttpApiDefinition, now_iso
from frontgate.definition.model import Doc

from .document import EXT, base_path_of, obj_at, operation_verb, parse, resolve
from .errors import Findings, OpenApiImportError
from .http_integrations import IntegrationReader
from .http_security import HttpSchemes, read_http_schemes, route_security
from .models import ModelRegistry

__all__ = ["ImportedHttpApi", "OpenApiImportError", "import_http_api"]

ROUTE_SELECTION = "$request.method $request.path"  # as AWS answers for HTTP APIs
DEFAULT_PATH = "/$default"
IMPORT_EXPORT_VERSION = "1.0"
# Operation members HTTP APIs do not use; AWS reports them as info, not warnings.
_INFO_MEMBERS = ("requestBody", EXT + "request-validator")
_BASE_PATH_MODES = ("ignore", "prepend", "split")
_SEGMENT_RE = re.compile(r"^(?:\{[A-Za-z0-9._-]+\+?\}|[A-Za-z0-9._~:@!$&'()*,;=-]+)$")
_CORS_LISTS = ("allowOrigins", "allowMethods", "allowHeaders", "exposeHeaders")
MAX_CORS_AGE = 86_400


@dataclass
class ImportedHttpApi:
    """The imported definition, with AWS's ``warnings`` and ``importInfo`` lists."""

    definition: HttpApiDefinition
    warnings: list[str] = field(default_factory=list)
    info: list[str] = field(default_factory=list)


def import_http_api(
    text: str | bytes,
    *,
    api_id: str | None = None,
    source: str = "body",
    fail_on_warnings: bool = False,
    base_path: str = "ignore",
) -> ImportedHttpApi:
    """Build an HTTP API from a definition; raises ``OpenApiImportError`` (``OpenApiInputError``
    for a text that is no OpenAPI document) and returns nothing partial.

    ``api_id`` keeps an existing API's id (ReimportApi). ``base_path`` is ImportApi's
    ``basepath``: ``ignore`` drops the base path the servers declare, ``prepend`` puts it in
    front of every route's path, ``split`` drops its first segment and prepends the rest."""
    findings = Findings(source, fail_on_warnings)
    if base_path not in _BASE_PATH_MODES:
        raise findings.error(f"basepath must be one of {', '.join(_BASE_PATH_MODES)}")
    doc = parse(text, findings)
    _check_version(doc, findings)
    api_id = api_id or ids.rest_api_id()
    info: list[str] = []
    components = obj_at(doc.get("components"), findings, "components")
    models = ModelRegistry(api_id, findings)
    models.add_named(components.get("schemas"), "components.schemas")
    schemes = read_http_schemes(
        components.get("securitySchemes"), findings, "components.securitySchemes"
    )
    integrations = IntegrationReader(doc, findings, info)
    prefix = _prefix(doc, base_path, findings)
    routes = _routes(doc, prefix, schemes, integrations, findings, info)
    defn = HttpApiDefinition(
        api=_api(doc, api_id, findings),
        routes=routes,
        integrations=integrations.documents,
        authorizers=list(schemes.authorizers.values()),
        models=[_v2_model(m) for m in models.documents()],
    )
    warnings = findings.finish()
    return ImportedHttpApi(definition=defn, warnings=warnings, info=info)


def _check_version(doc: Doc, findings: Findings) -> None:
    openapi = doc.get("openapi")
    if isinstance(openapi, float) and openapi == 3.0:
        openapi = "3.0"  # YAML reads an unquoted 3.0 as a number
    if isinstance(openapi, str) and openapi.startswith("3.0"):
        pass
    elif isinstance(openapi, str) and openapi.startswith("3."):
        raise findings.error(f"OpenAPI {openapi} is not supported; use OpenAPI 3.0")
    elif "swagger" in doc:
        raise findings.error(
            f"swagger {doc['swagger']} is not supported: HTTP APIs support only OpenAPI 3.0"
        )
    else:
        raise findings.unreadable("not an OpenAPI document: expected 'openapi: 3.0.x'")
    version = doc.get(EXT + "importexport-version")
    if version is not None and str(version) != IMPORT_EXPORT_VERSION:
        raise findings.error(
            f"{EXT}importexport-version {version!r} is not supported; the only supported "
            f"value is {IMPORT_EXPORT_VERSION}"
        )


def _prefix(doc: Doc, mode: str, findings: Findings) -> list[str]:
    if mode == "ignore":
        return []
    declared = base_path_of(doc, "oas3")
    parts = [p for p in declared.split("/") if p]
    for part in parts:
        if not _SEGMENT_RE.match(part) or part.startswith("{"):
            raise findings.error(f"base path {declared!r} is not a valid path prefix", "servers")
    return parts if mode == "prepend" else parts[1:]


def _route_path(key: str, prefix: list[str], findings: Findings, where: str) -> str:
    if not key.startswith("/"):
        raise findings.error("a path must start with '/'", where)
    parts = [p for p in key.split("/") if p]
    for i, part in enumerate(parts):
        if not _SEGMENT_RE.match(part):
            raise findings.error(f"invalid path segment {part!r}", where)
        if part.endswith("+}") and i != len(parts) - 1:
            raise findings.error("a greedy path variable must be the last segment", where)
    return "/" + "/".join(prefix + parts)


def _routes(
    doc: Doc,
    prefix: list[str],
    schemes: HttpSchemes,
    integrations: IntegrationReader,
    findings: Findings,
    info: list[str],
) -> list[Doc]:
    routes: dict[str, Doc] = {}
    root_security = doc.get("security")
    for key, raw_item in obj_at(doc.get("paths"), findings, "paths").items():
        if key.startswith("x-"):
            continue
        where = f"paths.{key}"
        item = obj_at(resolve(doc, raw_item, findings, where), findings, where)
        default = key == DEFAULT_PATH
        path = "" if default else _route_path(key, prefix, findings, where)
        for name, raw_op in item.items():
            at = f"{where}.{name}"
            verb = operation_verb(name, findings, where, "HTTP APIs support")
            if verb is None:
                continue
            if default and verb != "ANY":
                findings.warn(f"the {DEFAULT_PATH} route takes only {EXT}any-method; ignored", at)
                continue
            route_key = "$default" if default else f"{verb} {path}"
            if route_key in routes:
                raise findings.error(f"duplicate route {route_key!r}", at)
            op = obj_at(raw_op, findings, at)
            routes[route_key] = _route(route_key, op, root_security, schemes, integrations, at)
            for member in _INFO_MEMBERS:
                if member in op:
                    info.append(f"{at}: {member!r} is not supported by HTTP APIs; ignored")
    return list(routes.values())


def _route(
    route_key: str,
    op: Doc,
    root_security: Any,
    schemes: HttpSchemes,
    integrations: IntegrationReader,
    where: str,
) -> Doc:
    findings = integrations.findings
    route: Doc = {"routeId": ids.short_id(7), "routeKey": route_key, "apiKeyRequired": False}
    security = op.get("security", root_security)
    route_security(route, security, schemes, findings, where)
    if isinstance(op.get("operationId"), str) and op["operationId"]:
        route["operationName"] = op["operationId"]
    if EXT + "integration" in op:
        integration = integrations.read(op[EXT + "integration"], f"{where}.{EXT}integration")
        if integration is not None:
            route["target"] = f"integrations/{integration['integrationId']}"
    return route


def _api(doc: Doc, api_id: str, findings: Findings) -> Doc:
    info = obj_at(doc.get("info"), findings, "info")
    title = info.get("title")
    if not isinstance(title, str | int | float) or isinstance(title, bool) or title == "":
        raise findings.error("info.title is required (it becomes the API name)", "info")
    api: Doc = {
        "apiId": api_id,
        "name": str(title),
        "protocolType": "HTTP",
        "routeSelectionExpression": ROUTE_SELECTION,
        "apiKeySelectionExpression": "$request.header.x-api-key",
        "createdDate": now_iso(),
        "disableExecuteApiEndpoint": _disable_execute_api(doc, findings),
    }
    if info.get("description"):
        api["description"] = str(info["description"])
    if info.get("version") not in (None, ""):
        api["version"] = str(info["version"])
    cors = _cors(doc.get(EXT + "cors"), findings)
    if cors is not None:
        api["corsConfiguration"] = cors
    tags = _tags(doc.get("tags"), findings)
    if tags:
        api["tags"] = tags
    return api


def _disable_execute_api(doc: Doc, findings: Findings) -> bool:
    name = EXT + "endpoint-configuration"
    configs = [doc.get(name)] + [
        s.get(name) for s in doc.get("servers") or [] if isinstance(s, dict)
    ]
    for config in configs:
        if config is not None:
            value = obj_at(config, findings, name).get("disableExecuteApiEndpoint", False)
            if not isinstance(value, bool):
                raise findings.error("disableExecuteApiEndpoint must be a boolean", name)
            return value
    return False


def _cors(raw: Any, findings: Findings) -> Doc | None:
    where = EXT + "cors"
    if raw is None:
        return None
    cors: Doc = {}
    for key, value in obj_at(raw, findings, where).items():
        if key in _CORS_LISTS:
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise findings.error(f"{key} must be a list of strings", where)
            cors[key] = list(value)
        elif key == "allowCredentials":
            if not isinstance(value, bool):
                raise findings.error("allowCredentials must be a boolean", where)
            cors[key] = value
        elif key == "maxAge":
            if not isinstance(value, int) or isinstance(value, bool):
                raise findings.error("maxAge must be an integer", where)
            if not -1 <= value <= MAX_CORS_AGE:
                raise findings.error(f"maxAge must be between -1 and {MAX_CORS_AGE}", where)
            cors[key] = value
        else:
            findings.warn(f"{key!r} is not a CORS configuration property; ignored", where)
    if cors.get("allowCredentials") and "*" in cors.get("allowOrigins", []):
        # CreateApi's rule: a wildcard origin cannot be combined with credentials.
        raise findings.error("allowCredentials cannot be true when allowOrigins includes *", where)
    return cors


def _tags(raw: Any, findings: Findings) -> dict[str, str]:
    tags: dict[str, str] = {}
    if not isinstance(raw, list):
        return tags
    for tag in raw:
        if isinstance(tag, dict) and EXT + "tag-value" in tag and isinstance(tag.get("name"), str):
            tags[tag["name"]] = str(tag[EXT + "tag-value"])
    return tags


def _v2_model(model: Doc) -> Doc:
    """A REST-shaped model from ``ModelRegistry`` in apigatewayv2's shape."""
    out: Doc = {"modelId": model["id"], "name": model["name"]}
    for key in ("contentType", "description", "schema"):
        if key in model:
            out[key] = model[key]
    return out
