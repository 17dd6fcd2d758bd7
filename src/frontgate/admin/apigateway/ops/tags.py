"""TagResource/UntagResource/GetTags by ARN; tags live in the tagged document's ``tags``."""

from __future__ import annotations

from typing import Any

from frontgate.admin.apigateway.context import Ctx, Doc
from frontgate.admin.apigateway.ops.common import arn_tags
from frontgate.admin.apigateway.registry import operation
from frontgate.admin.errors import BadRequest, NotFound
from frontgate.definition import kinds
from frontgate.state.store import Tx

# First path segment of a taggable resource's ARN -> its kind.
_TOP = {
    "restapis": kinds.REST_API,
    "apikeys": kinds.API_KEY,
    "usageplans": kinds.USAGE_PLAN,
    "domainnames": kinds.DOMAIN_NAME,
    "clientcertificates": kinds.CLIENT_CERTIFICATE,
    "vpclinks": kinds.VPC_LINK,
}
MAX_TAGS = 50


def locate(ctx: Ctx, arn: str) -> tuple[str, str, str]:
    """``arn:aws:apigateway:{region}::/{collection}/{id}[/stages/{name}]`` -> (kind, parent, id)."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "apigateway":
        raise BadRequest(f"Invalid ARN specified: {arn}")
    if parts[3] != ctx.region:
        raise NotFound(f"Invalid resource ARN specified: {arn}")
    segs = parts[5].strip("/").split("/")
    if len(segs) == 2 and segs[0] in _TOP:
        return _TOP[segs[0]], "", segs[1]
    if len(segs) == 4 and segs[0] == "restapis" and segs[2] == "stages":
        return kinds.STAGE, segs[1], segs[3]
    raise BadRequest(f"Invalid ARN specified: {arn}")


async def _doc(ctx: Ctx, tx: Tx, arn: str) -> tuple[tuple[str, str, str], Doc]:
    where = locate(ctx, arn)
    doc = await tx.get(ctx.region, *where)
    if doc is None:
        raise NotFound(f"Invalid resource ARN specified: {arn}")
    return where, doc


@operation("TagResource")
async def tag_resource(ctx: Ctx, inp: dict[str, Any]) -> None:
    async with ctx.tx() as tx:
        where, doc = await _doc(ctx, tx, inp["resourceArn"])
        tags = {**(doc.get("tags") or {}), **arn_tags(inp)}
        if len(tags) > MAX_TAGS:
            raise BadRequest(f"Too many tags: at most {MAX_TAGS} are allowed")
        doc["tags"] = tags
        await tx.put(ctx.region, *where, doc)


@operation("UntagResource")
async def untag_resource(ctx: Ctx, inp: dict[str, Any]) -> None:
    async with ctx.tx() as tx:
        where, doc = await _doc(ctx, tx, inp["resourceArn"])
        doc["tags"] = {k: v for k, v in (doc.get("tags") or {}).items() if k not in inp["tagKeys"]}
        await tx.put(ctx.region, *where, doc)


@operation("GetTags")
async def get_tags(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    doc = await ctx.store.get(ctx.region, *locate(ctx, inp["resourceArn"]))
    if doc is None:
        raise NotFound(f"Invalid resource ARN specified: {inp['resourceArn']}")
    return {"tags": doc.get("tags") or {}}
