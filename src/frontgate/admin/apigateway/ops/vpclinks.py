"""VpcLink operations. There is no VPC here: a link is stored and reported AVAILABLE, and its
``targetArns`` are for the data plane to resolve (e.g. to host:port targets) if it chooses."""

from __future__ import annotations

from typing import Any

from frontgate import ids
from frontgate.admin.apigateway.context import Ctx, Doc
from frontgate.admin.apigateway.ops.common import arn_tags, need, pick, store_page
from frontgate.admin.apigateway.patch import apply_patch, rule
from frontgate.admin.apigateway.registry import operation
from frontgate.admin.errors import BadRequest, NotFound
from frontgate.definition import kinds

_NOT_FOUND = "Invalid Vpc Link identifier specified"  # AWS's capitals (recorded)
_RULES = (rule("/name"), rule("/description", "replace", "remove"))


@operation("CreateVpcLink")
async def create_vpc_link(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    if not inp.get("name"):
        raise BadRequest("Name cannot be empty")
    if not inp["targetArns"]:
        raise BadRequest("VPC link target ARNs must be non-empty")
    for arn in inp["targetArns"]:
        parts = arn.split(":", 5)
        if len(parts) < 6 or parts[0] != "arn" or not all(parts[1:3]) or not parts[5]:
            raise BadRequest(f"Invalid ARN. ARN is not well formed {arn}")
    doc: Doc = {
        "id": ids.short_id(),
        "status": "AVAILABLE",
        "statusMessage": "Your vpc link is ready for use",
    }
    doc.update(pick(inp, "name", "description", "targetArns"))
    if inp.get("tags"):
        doc["tags"] = arn_tags(inp)
    async with ctx.tx() as tx:
        await tx.put(ctx.region, kinds.VPC_LINK, "", doc["id"], doc)
    return doc


@operation("GetVpcLink")
async def get_vpc_link(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    return await need(ctx.store, ctx, kinds.VPC_LINK, "", inp["vpcLinkId"], _NOT_FOUND)


@operation("GetVpcLinks")
async def get_vpc_links(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    return await store_page(ctx, kinds.VPC_LINK, "", inp)


@operation("UpdateVpcLink")
async def update_vpc_link(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    async with ctx.tx() as tx:
        doc = await need(tx, ctx, kinds.VPC_LINK, "", inp["vpcLinkId"], _NOT_FOUND)
        doc = apply_patch(doc, inp.get("patchOperations"), _RULES)
        await tx.put(ctx.region, kinds.VPC_LINK, "", doc["id"], doc)
    return doc


@operation("DeleteVpcLink")
async def delete_vpc_link(ctx: Ctx, inp: dict[str, Any]) -> None:
    async with ctx.tx() as tx:
        if not await tx.delete(ctx.region, kinds.VPC_LINK, "", inp["vpcLinkId"]):
            raise NotFound(_NOT_FOUND)
