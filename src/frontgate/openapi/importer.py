"""ImportRestApi/PutRestApi: an OpenAPI 3 or Swagger 2 text to a fresh, complete ApiDefinition."""

from __future__ import annotations

import json
import time
from typing import Any

from frontgate import ids
from frontgate.compile.checks import (
    DefinitionError,
    check_declared_definition,
    check_definition,
)
from frontgate.definition.model import ApiDefinition, Doc

from .document import (
    EXT,
    base_path_of,
    detect_version,
    obj_at,
    operation_verb,
    parse,
    resolve,
    str_map,
)
from .errors import Findings, OpenApiImportError
from .merge import merge_definitions
from .models import ModelRegistry
from .operations import OpContext, build_method
from .resources import ResourceTree, join_path, split_path
from .security import read_schemes

__all__ = ["OpenApiImportError", "import_openapi", "merge_definitions"]

GATEWAY_RESPONSE_TYPES = frozenset(
    {
        "ACCESS_DENIED",
        "API_CONFIGURATION_ERROR",
        "AUTHORIZER_CONFIGURATION_ERROR",
        "AUTHORIZER_FAILURE",
        "BAD_REQUEST_PARAMETERS",
        "BAD_REQUEST_BODY",
        "DEFAULT_4XX",
        "DEFAULT_5XX",
        "EXPIRED_TOKEN",
        "INTEGRATION_FAILURE",
        "INTEGRATION_TIMEOUT",
        "INVALID_API_KEY",
        "INVALID_SIGNATURE",
        "MISSING_AUTHENTICATION_TOKEN",
        "QUOTA_EXCEEDED",
        "REQUEST_TOO_LARGE",
        "RESOURCE_NOT_FOUND",
        "THROTTLED",
        "UNAUTHORIZED",
        "UNSUPPORTED_MEDIA_TYPE",
        "WAF_FILTERED",
    }
)
ENDPOINT_TYPES = ("EDGE", "REGIONAL", "PRIVATE")
MAX_COMPRESSION_SIZE = 10_485_760  # AWS: "must be between 0 and 10485760".
_BASE_PATH_MODES = ("ignore", "prepend", "split")


def import_openapi(
    text: str | bytes,
    *,
    source: str = "<input>",
    fail_on_warnings: bool = False,
    base_path: str = "ignore",
) -> ApiDefinition:
    """Build a new API from a definition; raises OpenApiImportError and returns nothing partial.

    ``base_path`` follows ImportRestApi's ``basepath`` parameter: ``ignore`` drops the declared
    base path, ``prepend`` puts it in front of every path, ``split`` drops its first segment
    and prepends the rest.
    """
    findings = Findings(source, fail_on_warnings)
    if base_path not in _BASE_PATH_MODES:
        raise findings.error(f"base_path must be one of {', '.join(_BASE_PATH_MODES)}")
    doc = parse(text, findings)
    version = detect_version(doc, findings)
    api_id, root_id = ids.rest_api_id(), ids.rest_api_id()
    oas3 = version == "oas3"
    components = obj_at(doc.get("components"), findings, "components") if oas3 else {}

    models = ModelRegistry(api_id, findings)
    if oas3:
        models.add_named(components.get("schemas"), "components.schemas")
    else:
        models.add_named(doc.get("definitions"), "definitions")
    schemes_where = "components.securitySchemes" if oas3 else "securityDefinitions"
    raw_schemes = components.get("securitySchemes") if oas3 else doc.get("securityDefinitions")
    schemes = read_schemes(raw_schemes, findings, schemes_where)
    validators = _validators(doc, findings)
    default_validator = doc.get(EXT + "request-validator")
    ctx = OpContext(
        root=doc,
        version=version,
        findings=findings,
        schemes=schemes,
        models=models,
        validators={v["name"]: v["id"] for v in validators},
        default_validator=str(default_validator) if default_validator is not None else None,
        security=doc.get("security"),
        consumes=_str_list(doc.get("consumes")),
        produces=_str_list(doc.get("produces")),
    )
    tree = ResourceTree(root_id, source)
    _import_paths(doc, ctx, tree, _prefix(doc, version, base_path, findings))

    defn = ApiDefinition(
        rest_api=_rest_api(doc, api_id, root_id, findings),
        resources=tree.resources(),
        models=models.documents(),
        authorizers=list(schemes.authorizers.values()),
        request_validators=validators,
        gateway_responses=_gateway_responses(doc, findings),
    )
    try:
        # The checks the management API makes when each method is put (AWS's messages).
        check_definition(defn)
        check_declared_definition(defn)
    except DefinitionError as exc:
        raise findings.error(str(exc), exc.where or None) from None
    defn.warnings = findings.finish()
    return defn


def _prefix(doc: Doc, version: str, mode: str, findings: Findings) -> list[str]:
    if mode == "ignore":
        return []
    declared = base_path_of(doc, version)
    try:
        parts = split_path(declared or "/")
    except ValueError as exc:
        raise findings.error(f"base path {declared!r}: {exc}") from None
    return parts if mode == "prepend" else parts[1:]


def _import_paths(doc: Doc, ctx: OpContext, tree: ResourceTree, prefix: list[str]) -> None:
    findings = ctx.findings
    seen: dict[str, str] = {}  # resource path -> the path key that produced it
    for key, raw_item in obj_at(doc.get("paths"), findings, "paths").items():
        if key.startswith("x-"):
            continue
        where = f"paths.{key}"
        try:
            parts = prefix + split_path(key)
        except ValueError as exc:
            raise findings.error(str(exc), where) from None
        resource_path = join_path(parts)
        if resource_path in seen:
            detail = f"path {key!r} and {seen[resource_path]!r} are the same resource"
            raise findings.error(f"{detail} {resource_path}", where)
        seen[resource_path] = key
        item = obj_at(resolve(doc, raw_item, findings, where), findings, where)
        resource = tree.ensure(parts, where)
        shared = item.get("parameters") or []
        if not isinstance(shared, list):
            raise findings.error("parameters must be a list", where)
        methods: dict[str, Doc] = {}
        for name, op in item.items():
            verb = operation_verb(name, findings, where, "API Gateway supports")
            if verb is None:
                continue
            op_doc = obj_at(op, findings, f"{where}.{name}")
            methods[verb] = build_method(ctx, verb, op_doc, shared, resource["id"], key)
        if methods:
            resource["resourceMethods"] = methods


def _rest_api(doc: Doc, api_id: str, root_id: str, findings: Findings) -> Doc:
    info = obj_at(doc.get("info"), findings, "info")
    title = info.get("title")
    if not title:
        raise findings.error("info.title is required (it becomes the API name)", "info")
    rest: Doc = {"id": api_id, "name": str(title)}
    if info.get("description"):
        rest["description"] = str(info["description"])
    if info.get("version") is not None:
        rest["version"] = str(info["version"])
    rest["createdDate"] = int(time.time())
    key_source = str(doc.get(EXT + "api-key-source") or "HEADER").upper()
    if key_source not in ("HEADER", "AUTHORIZER"):
        raise findings.error("must be HEADER or AUTHORIZER", EXT + "api-key-source")
    rest["apiKeySource"] = key_source
    if doc.get(EXT + "binary-media-types"):
        rest["binaryMediaTypes"] = _str_list(doc[EXT + "binary-media-types"])
    endpoint = _endpoint_extension(doc, findings)
    types = endpoint.get("types") or ["EDGE"]
    types = [str(t).upper() for t in (types if isinstance(types, list) else [types])]
    if len(types) != 1 or types[0] not in ENDPOINT_TYPES:
        detail = f"types must be one of {', '.join(ENDPOINT_TYPES)}"
        raise findings.error(detail, EXT + "endpoint-configuration")
    config: Doc = {"types": types, "ipAddressType": str(endpoint.get("ipAddressType") or "ipv4")}
    if endpoint.get("vpcEndpointIds"):
        config["vpcEndpointIds"] = _str_list(endpoint["vpcEndpointIds"])
    rest["endpointConfiguration"] = config
    rest["disableExecuteApiEndpoint"] = bool(endpoint.get("disableExecuteApiEndpoint", False))
    rest["rootResourceId"] = root_id
    policy = doc.get(EXT + "policy")
    if isinstance(policy, dict | list):
        rest["policy"] = json.dumps(policy)
    elif isinstance(policy, str) and policy:
        rest["policy"] = policy
    size = doc.get(EXT + "minimum-compression-size")
    if size is not None:
        if (
            not isinstance(size, int)
            or isinstance(size, bool)
            or not 0 <= size <= MAX_COMPRESSION_SIZE
        ):
            detail = f"must be an integer between 0 and {MAX_COMPRESSION_SIZE}"
            raise findings.error(detail, EXT + "minimum-compression-size")
        rest["minimumCompressionSize"] = size
    return rest  # no ``tags``: ImportRestApi answers without them (recorded)


def _endpoint_extension(doc: Doc, findings: Findings) -> Doc:
    """Swagger puts it at the top level, OpenAPI 3 on a server object; either is accepted."""
    name = EXT + "endpoint-configuration"
    if name in doc:
        return obj_at(doc[name], findings, name)
    servers = doc.get("servers")
    for server in servers if isinstance(servers, list) else []:
        if isinstance(server, dict) and name in server:
            return obj_at(server[name], findings, f"servers.{name}")
    return {}


def _validators(doc: Doc, findings: Findings) -> list[Doc]:
    name = EXT + "request-validators"
    out: list[Doc] = []
    for vname, raw in obj_at(doc.get(name), findings, name).items():
        cfg = obj_at(raw, findings, f"{name}.{vname}")
        out.append(
            {
                "id": ids.short_id(),
                "name": vname,
                "validateRequestBody": bool(cfg.get("validateRequestBody", False)),
                "validateRequestParameters": bool(cfg.get("validateRequestParameters", False)),
            }
        )
    default = doc.get(EXT + "request-validator")
    if default is not None and default not in {v["name"] for v in out}:
        raise findings.error(f"unknown request validator {default!r}", EXT + "request-validator")
    return out


def _gateway_responses(doc: Doc, findings: Findings) -> list[Doc]:
    name = EXT + "gateway-responses"
    out: list[Doc] = []
    for rtype, raw in obj_at(doc.get(name), findings, name).items():
        where = f"{name}.{rtype}"
        if rtype not in GATEWAY_RESPONSE_TYPES:
            raise findings.error(f"unknown gateway response type {rtype!r}", name)
        cfg = obj_at(raw, findings, where)
        resp: Doc = {"responseType": rtype}
        if cfg.get("statusCode") is not None:
            resp["statusCode"] = str(cfg["statusCode"])
        resp["responseParameters"] = str_map(cfg.get("responseParameters"), findings, where)
        resp["responseTemplates"] = str_map(cfg.get("responseTemplates"), findings, where)
        resp["defaultResponse"] = False
        out.append(resp)
    return out


def _str_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)] if value else []
