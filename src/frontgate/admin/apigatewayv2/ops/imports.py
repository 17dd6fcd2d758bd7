"""OpenAPI in and out for HTTP APIs: ImportApi, ReimportApi, ExportApi (via
``frontgate.openapi.http_import`` / ``http_export``).

An import is checked with the same rules as the operations that write each part (route keys,
integrations, authorizers, CORS), so an imported API is one CreateRoute/CreateIntegration would have
accepted; a definition that fails them creates nothing (``BadRequestException``, AWS's
"errors" category). Warnings come back in the Api's ``warnings`` (or, with
``failOnWarnings``, as the error); members HTTP APIs ignore come back in ``importInfo``.
ReimportApi replaces routes, integrations, authorizers and models, keeps the API's id, creation
date, stages and deployments, and deploys at once to the stages with ``autoDeploy``."""

from __future__ import annotations

from typing import Any

from frontgate.admin.apigatewayv2.context import Ctx
from frontgate.admin.apigatewayv2.ops.authorizers import MAX_PER_API as MAX_AUTHORIZERS
from frontgate.admin.apigatewayv2.ops.authorizers import check_authorizer
from frontgate.admin.apigatewayv2.ops.common import (
    QUOTAS,
    check_tags,
    get_api,
    need,
    redeploy,
    view_api,
)
from frontgate.admin.apigatewayv2.ops.cors import check_cors
from frontgate.admin.apigatewayv2.ops.integration_rules import check_integration
from frontgate.admin.apigatewayv2.ops.route_keys import check_route_key
from frontgate.admin.apigatewayv2.registry import operation
from frontgate.admin.errors import ApiError, BadRequest, NotFound, TooManyRequests
from frontgate.compile.http_checks import check_http_deployable
from frontgate.definition import kinds
from frontgate.definition.httpapis import HttpApiDefinition, load_http_api, save_http_api
from frontgate.openapi import dump
from frontgate.openapi.errors import OpenApiImportError, OpenApiInputError
from frontgate.openapi.http_export import EXPORT_VERSIONS, SPECIFICATIONS, export_http_api
from frontgate.openapi.http_import import ImportedHttpApi, import_http_api
from frontgate.state.store import Doc

_ERRORS = "Errors found during import:"
_WARNINGS = "Warnings found during import:"
_OUTPUT_TYPES = {"JSON": "json", "YAML": "yaml"}
# The model's lengths of an Api's name and description.
_MAX_NAME, _MAX_DESCRIPTION = 128, 1024


def _import(inp: dict[str, Any], api_id: str | None = None) -> ImportedHttpApi:
    body = inp["body"]
    try:
        imported = import_http_api(
            body if isinstance(body, str) else bytes(body),
            api_id=api_id,
            source="body",
            fail_on_warnings=bool(inp.get("failOnWarnings")),
            base_path=inp.get("basepath") or "ignore",
        )
    except OpenApiInputError:
        raise BadRequest("Invalid OpenAPI input.") from None  # as ImportRestApi answers
    except OpenApiImportError as exc:
        where = f"{exc.where}: " if exc.where else ""
        heading = _WARNINGS if exc.detail.startswith("warning treated") else _ERRORS
        raise BadRequest(f"{heading}\n\t{where}{exc.detail}") from None
    _check(imported.definition)
    return imported


def _check(defn: HttpApiDefinition) -> None:
    """The management API's own rules for each part, as if each were created one by one."""
    for kind, docs in ((kinds.V2_ROUTE, defn.routes), (kinds.V2_INTEGRATION, defn.integrations)):
        what, limit = QUOTAS[kind]
        if len(docs) > limit:
            raise TooManyRequests(f"An API can have at most {limit} {what} (AWS's default quota)")
    if len(defn.authorizers) > MAX_AUTHORIZERS:
        raise TooManyRequests(
            "Maximum number of Authorizers for this API has been reached. Please contact AWS if "
            "you need additional Authorizers."
        )
    name, description = str(defn.api["name"]), defn.api.get("description")
    if len(name) > _MAX_NAME:
        raise BadRequest(f"{_ERRORS}\n\tinfo.title: the API name is at most {_MAX_NAME} characters")
    if description is not None and len(description) > _MAX_DESCRIPTION:
        raise BadRequest(f"{_ERRORS}\n\tinfo.description: at most {_MAX_DESCRIPTION} characters")
    for authorizer in defn.authorizers:
        # CreateAuthorizer's checks, on a copy: the stored document is the import's own.
        try:
            check_authorizer(dict(authorizer), "HTTP")
        except ApiError as exc:
            where = f"components.securitySchemes.{authorizer.get('name')}"
            raise BadRequest(f"{_ERRORS}\n\t{where}: {exc.message}") from None
    try:
        for route in defn.routes:
            check_route_key(str(route["routeKey"]), "HTTP")
        for integration in defn.integrations:
            check_integration(integration, "HTTP")
        if defn.api.get("corsConfiguration") is not None:
            defn.api["corsConfiguration"] = check_cors(defn.api["corsConfiguration"], "HTTP")
        defn.api["tags"] = check_tags(defn.api.get("tags"))
        check_http_deployable(defn)
    except ApiError as exc:
        raise BadRequest(f"{_ERRORS}\n\t{exc.message}") from None
    except ValueError as exc:
        raise BadRequest(f"{_ERRORS}\n\t{exc}") from None


def _answer(ctx: Ctx, api: Doc, imported: ImportedHttpApi) -> Doc:
    out = view_api(ctx, api)
    if imported.warnings:
        out["warnings"] = imported.warnings
    if imported.info:
        out["importInfo"] = imported.info
    return out


@operation("ImportApi")
async def import_api(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    imported = _import(inp)
    defn = imported.definition
    api = defn.api
    api["ipAddressType"] = "ipv4"
    api["apiEndpoint"] = ctx.api_endpoint(defn.api_id, "HTTP")
    async with ctx.tx() as tx:
        await save_http_api(tx, ctx.region, defn)
    return _answer(ctx, api, imported)


@operation("ReimportApi")
async def reimport_api(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    api_id = inp["apiId"]
    await get_api(ctx.store, ctx, api_id)  # an unknown API is a 404 before the body is read
    imported = _import(inp, api_id=api_id)
    defn = imported.definition
    async with ctx.tx() as tx:
        existing = await get_api(tx, ctx, api_id)
        if existing.get("protocolType") != "HTTP":
            raise BadRequest("ReimportApi is supported only for HTTP APIs")
        api = defn.api
        # The API stays the same resource: its id, creation date and tags are its own.
        for member in ("createdDate", "ipAddressType", "apiEndpoint"):
            if member in existing:
                api[member] = existing[member]
        api["tags"] = {**(existing.get("tags") or {}), **api.get("tags", {})}
        await save_http_api(tx, ctx.region, defn, replace=True)
        await redeploy(tx, ctx, api_id)
    return _answer(ctx, api, imported)


@operation("ExportApi")
async def export_api(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    api_id = inp["apiId"]
    spec = inp["specification"]
    if spec not in SPECIFICATIONS:
        raise BadRequest(f"Invalid specification {spec!r}: the only supported value is OAS30")
    output = inp.get("outputType")
    if output not in _OUTPUT_TYPES:
        raise BadRequest(f"Invalid outputType {output!r}: must be JSON or YAML")
    version = inp.get("exportVersion")
    if version is not None and version not in EXPORT_VERSIONS:
        raise BadRequest(f"Invalid exportVersion {version!r}: the only supported value is 1.0")
    api = await get_api(ctx.store, ctx, api_id)
    if api.get("protocolType") != "HTTP":
        raise BadRequest("ExportApi is supported only for HTTP APIs")
    stage_name = inp.get("stageName")
    if stage_name is None:
        defn = await load_http_api(ctx.store, ctx.region, api_id)
        if defn is None:
            raise NotFound(f"Invalid API identifier specified {ctx.account_id}:{api_id}")
    else:
        defn = await _deployed(ctx, api_id, stage_name)
    doc = export_http_api(
        defn,
        endpoint=view_api(ctx, api)["apiEndpoint"],
        stage_name=stage_name,
        include_extensions=inp.get("includeExtensions", True) is not False,
    )
    fmt = _OUTPUT_TYPES[output]
    ctx.headers.append(("Content-Type", "application/octet-stream"))
    ctx.headers.append(
        ("Content-Disposition", f'attachment; filename="oas30_{doc["info"]["version"]}.{fmt}"')
    )
    return {"body": dump(doc, "json" if fmt == "json" else "yaml").encode()}


async def _deployed(ctx: Ctx, api_id: str, stage_name: str) -> HttpApiDefinition:
    """The definition a stage serves: the frozen copy of its deployment."""
    stage = await need(ctx.store, ctx, kinds.V2_STAGE, api_id, stage_name, "stage")
    deployment_id = stage.get("deploymentId")
    if not deployment_id:
        raise BadRequest(f"Stage {stage_name} has no deployment to export")
    snap = await ctx.store.get(ctx.region, kinds.V2_SNAPSHOT, api_id, str(deployment_id))
    if snap is None:
        raise NotFound(f"Invalid Deployment identifier specified {deployment_id}")
    defn = HttpApiDefinition.from_snapshot(snap)
    # The deployment froze the API document of its time; its endpoint and name are today's.
    current = await get_api(ctx.store, ctx, api_id)
    defn.api = {**defn.api, "apiEndpoint": current.get("apiEndpoint")}
    return defn
