"""OpenAPI in and out: ImportRestApi, PutRestApi, GetExport (via ``frontgate.openapi``), and
the SDK-type listing (no SDK generators are offered)."""

from __future__ import annotations

from typing import Any, Literal

from frontgate.admin.apigateway.context import Ctx, Doc, now
from frontgate.admin.apigateway.ops.common import get_api, get_stage, with_tags
from frontgate.admin.apigateway.ops.restapis import validate_endpoint
from frontgate.admin.apigateway.registry import operation
from frontgate.admin.errors import BadRequest, NotFound
from frontgate.compile.checks import DefinitionError, check_definition
from frontgate.definition import kinds
from frontgate.definition.model import ApiDefinition
from frontgate.definition.restapis import load_api, save_api
from frontgate.openapi import (
    OpenApiImportError,
    OpenApiInputError,
    dump,
    export_openapi,
    import_openapi,
    merge_definitions,
)


def _import(inp: dict[str, Any]) -> ApiDefinition:
    params = inp.get("parameters") or {}
    try:
        defn = import_openapi(
            bytes(inp["body"]),
            source="body",
            fail_on_warnings=bool(inp.get("failOnWarnings")),
            base_path=params.get("basepath", "ignore"),
        )
    except OpenApiInputError:
        raise BadRequest("Invalid OpenAPI input.") from None  # AWS's whole answer (recorded)
    except OpenApiImportError as exc:
        where = f"{exc.where}: " if exc.where else ""
        raise BadRequest(f"Errors found during import:\n\t{where}{exc.detail}") from None
    types = params.get("endpointConfigurationTypes")
    if types:
        conf = defn.rest_api.get("endpointConfiguration") or {}
        defn.rest_api["endpointConfiguration"] = validate_endpoint({**conf, "types": [types]})
    defn.rest_api.setdefault("endpointConfiguration", validate_endpoint(None))
    defn.rest_api.setdefault("apiKeySource", "HEADER")
    defn.rest_api.setdefault("disableExecuteApiEndpoint", False)
    defn.rest_api.setdefault("createdDate", now())
    return defn


def _answer(defn: ApiDefinition) -> Doc:
    out = dict(defn.rest_api)
    if defn.warnings:
        out["warnings"] = defn.warnings
    return out


@operation("ImportRestApi")
async def import_rest_api(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    defn = _import(inp)
    async with ctx.tx() as tx:
        await save_api(tx, ctx.region, defn)
    return _answer(defn)


@operation("PutRestApi")
async def put_rest_api(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    incoming = _import(inp)
    async with ctx.tx() as tx:
        await get_api(tx, ctx, inp["restApiId"])
        existing = await load_api(tx, ctx.region, inp["restApiId"])
        try:
            merged = merge_definitions(
                existing or ApiDefinition(rest_api={}), incoming, inp.get("mode") or "merge"
            )
        except OpenApiImportError as exc:
            raise BadRequest(f"Errors found during import:\n\t{exc.detail}") from None
        try:
            check_definition(merged)  # a merge can pair a mapping with another method
        except DefinitionError as exc:
            where = f"{exc.where}: " if exc.where else ""
            raise BadRequest(f"Errors found during import:\n\t{where}{exc}") from None
        await save_api(tx, ctx.region, merged, replace=True)
    merged.warnings = merged.warnings or incoming.warnings
    return with_tags(_answer(merged))  # as GetRestApi (recorded)


@operation("GetExport")
async def get_export(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    api_id, stage_name, kind = inp["restApiId"], inp["stageName"], inp["exportType"]
    stage = await get_stage(ctx.store, ctx, api_id, stage_name)
    if kind not in ("oas30", "swagger"):
        raise BadRequest(f"No such export type: {kind}")
    snap = await ctx.store.get(ctx.region, kinds.SNAPSHOT, api_id, stage["deploymentId"])
    if snap is None:
        raise NotFound("Invalid Deployment identifier specified")
    defn = ApiDefinition.from_snapshot(snap)
    params = inp.get("parameters") or {}
    extensions = frozenset(e.strip() for e in params.get("extensions", "").split(",") if e.strip())
    # The invoke URL of the data plane's plain-HTTP listener (as the banner prints it).
    host = f"{api_id}.execute-api.{ctx.settings.data_plane_domain}"
    if ctx.settings.data_plane_port != 80:
        host += f":{ctx.settings.data_plane_port}"
    doc = export_openapi(
        defn,
        export_type=kind,
        stage_name=stage_name,
        extensions=extensions,
        host=host,
        stage_variables=stage.get("variables"),
        scheme="http",
    )
    accept = (inp.get("accepts") or "application/json").lower()
    fmt: Literal["json", "yaml"] = "yaml" if "yaml" in accept else "json"
    version = doc["info"]["version"]  # the file is named after the exported version
    return {
        "body": dump(doc, fmt).encode(),
        # Recorded from AWS: the export comes as an attachment, typed octet-stream.
        "contentType": "application/octet-stream",
        "contentDisposition": f'attachment; filename="{kind}_{version}.{fmt}"',
    }


@operation("GetSdkTypes")
async def get_sdk_types(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    return {"items": []}  # no SDK generators are offered


@operation("GetSdkType")
async def get_sdk_type(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    raise NotFound(f"Invalid SDK type specified: {inp['id']}")
