"""DocumentationVersion operations: a version freezes the API's documentation parts."""

from __future__ import annotations

from typing import Any

from frontgate.admin.apigateway.context import Ctx, Doc, now
from frontgate.admin.apigateway.ops.common import get_api, get_stage, need_in_api, pick, store_page
from frontgate.admin.apigateway.patch import apply_patch, rule
from frontgate.admin.apigateway.registry import operation
from frontgate.admin.errors import Conflict
from frontgate.definition import kinds

_RULES = (rule("/description", "replace", "remove"),)


def _not_found(version: str) -> str:
    return f"Documentation version not found: {version}"


@operation("CreateDocumentationVersion")
async def create_documentation_version(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    api_id, version = inp["restApiId"], inp["documentationVersion"]
    async with ctx.tx() as tx:
        await get_api(tx, ctx, api_id)
        if await tx.get(ctx.region, kinds.DOCUMENTATION_VERSION, api_id, version) is not None:
            raise Conflict(f"Documentation version already exists: {version}")
        doc: Doc = {"version": version, "createdDate": now()}
        doc.update(pick(inp, "description"))
        doc["_parts"] = await tx.list(ctx.region, kinds.DOCUMENTATION_PART, api_id)
        if inp.get("stageName"):
            stage = await get_stage(tx, ctx, api_id, inp["stageName"])
            stage["documentationVersion"] = version
            await tx.put(ctx.region, kinds.STAGE, api_id, stage["stageName"], stage)
        await tx.put(ctx.region, kinds.DOCUMENTATION_VERSION, api_id, version, doc)
    return doc


@operation("GetDocumentationVersion")
async def get_documentation_version(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    api_id, version = inp["restApiId"], inp["documentationVersion"]
    return await need_in_api(
        ctx.store, ctx, kinds.DOCUMENTATION_VERSION, api_id, version, _not_found(version)
    )


@operation("GetDocumentationVersions")
async def get_documentation_versions(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    await get_api(ctx.store, ctx, inp["restApiId"])
    return await store_page(ctx, kinds.DOCUMENTATION_VERSION, inp["restApiId"], inp)


@operation("UpdateDocumentationVersion")
async def update_documentation_version(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    api_id, version = inp["restApiId"], inp["documentationVersion"]
    async with ctx.tx() as tx:
        doc = await need_in_api(
            tx, ctx, kinds.DOCUMENTATION_VERSION, api_id, version, _not_found(version)
        )
        doc = apply_patch(doc, inp.get("patchOperations"), _RULES)
        await tx.put(ctx.region, kinds.DOCUMENTATION_VERSION, api_id, version, doc)
    return doc


@operation("DeleteDocumentationVersion")
async def delete_documentation_version(ctx: Ctx, inp: dict[str, Any]) -> None:
    api_id, version = inp["restApiId"], inp["documentationVersion"]
    async with ctx.tx() as tx:
        await need_in_api(
            tx, ctx, kinds.DOCUMENTATION_VERSION, api_id, version, _not_found(version)
        )
        await tx.delete(ctx.region, kinds.DOCUMENTATION_VERSION, api_id, version)
