"""BasePathMapping operations: which API stage a custom domain's base path serves."""

from __future__ import annotations

from typing import Any

from frontgate import ids
from frontgate.admin.apigateway.context import Ctx, Doc, Reader
from frontgate.admin.apigateway.ops.common import need, store_page
from frontgate.admin.apigateway.ops.domains import NOT_FOUND as DOMAIN_NOT_FOUND
from frontgate.admin.apigateway.patch import apply_patch, rule
from frontgate.admin.apigateway.registry import operation
from frontgate.admin.errors import BadRequest, Conflict, NotFound
from frontgate.definition import kinds

NONE = "(none)"  # AWS's name for the empty base path
_NOT_FOUND = "Invalid base path mapping identifier specified"
# AWS spells the API member "/restapiId" in this patch path.
_RULES = (
    rule("/basePath"),
    rule("/restapiId", key=("restApiId",)),
    rule("/stage", "replace", "remove"),
)


async def _check_target(r: Reader, ctx: Ctx, doc: Doc) -> None:
    if await r.get(ctx.region, kinds.REST_API, "", doc["restApiId"]) is None:
        raise BadRequest("Invalid REST API identifier specified")
    stage = doc.get("stage")
    if stage and await r.get(ctx.region, kinds.STAGE, doc["restApiId"], stage) is None:
        raise BadRequest("Invalid stage identifier specified")
    base = doc["basePath"]
    if base != NONE and (base.startswith("/") or not base.strip()):
        raise BadRequest(f"Invalid base path specified: {base}")


@operation("CreateBasePathMapping")
async def create_base_path_mapping(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    domain = inp["domainName"].lower()
    doc: Doc = {"basePath": inp.get("basePath") or NONE, "restApiId": inp["restApiId"]}
    # The id apigatewayv2 knows this mapping by (GetApiMapping): one record for both services.
    doc["apiMappingId"] = ids.short_id(7)
    if inp.get("stage"):
        doc["stage"] = inp["stage"]
    async with ctx.tx() as tx:
        await need(tx, ctx, kinds.DOMAIN_NAME, "", domain, DOMAIN_NOT_FOUND)
        await _check_target(tx, ctx, doc)
        if await tx.get(ctx.region, kinds.BASE_PATH_MAPPING, domain, doc["basePath"]):
            raise Conflict("Base path already exists for this domain name")
        await tx.put(ctx.region, kinds.BASE_PATH_MAPPING, domain, doc["basePath"], doc)
    return doc


@operation("GetBasePathMapping")
async def get_base_path_mapping(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    domain = inp["domainName"].lower()
    await need(ctx.store, ctx, kinds.DOMAIN_NAME, "", domain, DOMAIN_NOT_FOUND)
    return await need(ctx.store, ctx, kinds.BASE_PATH_MAPPING, domain, inp["basePath"], _NOT_FOUND)


@operation("GetBasePathMappings")
async def get_base_path_mappings(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    domain = inp["domainName"].lower()
    await need(ctx.store, ctx, kinds.DOMAIN_NAME, "", domain, DOMAIN_NOT_FOUND)
    return await store_page(ctx, kinds.BASE_PATH_MAPPING, domain, inp)


@operation("UpdateBasePathMapping")
async def update_base_path_mapping(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    domain = inp["domainName"].lower()
    async with ctx.tx() as tx:
        await need(tx, ctx, kinds.DOMAIN_NAME, "", domain, DOMAIN_NOT_FOUND)
        old = await need(tx, ctx, kinds.BASE_PATH_MAPPING, domain, inp["basePath"], _NOT_FOUND)
        doc = apply_patch(old, inp.get("patchOperations"), _RULES)
        doc["basePath"] = doc.get("basePath") or NONE
        await _check_target(tx, ctx, doc)
        if doc["basePath"] != old["basePath"]:
            if await tx.get(ctx.region, kinds.BASE_PATH_MAPPING, domain, doc["basePath"]):
                raise Conflict("Base path already exists for this domain name")
            await tx.delete(ctx.region, kinds.BASE_PATH_MAPPING, domain, old["basePath"])
        await tx.put(ctx.region, kinds.BASE_PATH_MAPPING, domain, doc["basePath"], doc)
    return doc


@operation("DeleteBasePathMapping")
async def delete_base_path_mapping(ctx: Ctx, inp: dict[str, Any]) -> None:
    domain = inp["domainName"].lower()
    async with ctx.tx() as tx:
        await need(tx, ctx, kinds.DOMAIN_NAME, "", domain, DOMAIN_NOT_FOUND)
        if not await tx.delete(ctx.region, kinds.BASE_PATH_MAPPING, domain, inp["basePath"]):
            raise NotFound(_NOT_FOUND)
