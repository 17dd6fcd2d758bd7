"""TagResource, UntagResource and GetTags on apigatewayv2 resource ARNs. A resource's tags live
in its own document's ``tags`` member, so GetApi, GetStage, GetDomainName and GetVpcLink show
what TagResource wrote. A custom domain name is one document for both API Gateway services:
tags written through either show in both."""

from __future__ import annotations

from frontgate.admin.apigatewayv2.context import Ctx
from frontgate.admin.apigatewayv2.ops.common import check_tags
from frontgate.admin.apigatewayv2.registry import operation
from frontgate.admin.errors import BadRequest, NotFound
from frontgate.definition import kinds
from frontgate.state.store import Doc, Tx

# First path segment of a taggable resource's ARN -> its kind (parent "").
MAX_TAGS = 50
_TOP = {"apis": kinds.V2_API, "domainnames": kinds.DOMAIN_NAME, "vpclinks": kinds.V2_VPC_LINK}


def check_count(tags: dict[str, str]) -> dict[str, str]:
    """AWS's limit of tags on one resource (also for the tags a Create* takes)."""
    if len(tags) > MAX_TAGS:
        raise BadRequest(f"Too many tags: a resource can have at most {MAX_TAGS}")
    return tags


def locate(ctx: Ctx, arn: str) -> tuple[str, str, str]:
    """``arn:aws:apigateway:{region}::/{apis|domainnames|vpclinks}/{id}`` or
    ``…::/apis/{apiId}/stages/{stageName}`` -> (kind, parent, id)."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "apigateway" or parts[4]:
        raise BadRequest(f"Invalid resource ARN specified: {arn}")
    if parts[3] != ctx.region:
        raise NotFound(f"Invalid resource ARN specified: {arn}")
    segs = parts[5].strip("/").split("/")
    if len(segs) == 2 and segs[0] in _TOP and segs[1]:
        name = segs[1].lower() if segs[0] == "domainnames" else segs[1]
        return _TOP[segs[0]], "", name
    if len(segs) == 4 and segs[0] == "apis" and segs[2] == "stages" and segs[3]:
        return kinds.V2_STAGE, segs[1], segs[3]
    raise BadRequest(f"Invalid resource ARN specified: {arn}")


async def _doc(ctx: Ctx, tx: Tx, arn: str) -> tuple[tuple[str, str, str], Doc]:
    where = locate(ctx, arn)
    doc = await tx.get(ctx.region, *where)
    if doc is None or _private_domain(where[0], doc):
        raise NotFound(f"Invalid resource ARN specified: {arn}")
    return where, doc


def _private_domain(kind: str, doc: Doc) -> bool:
    # A private custom domain is addressed by name and id (REST API only), never by name alone.
    types = (doc.get("endpointConfiguration") or {}).get("types") or []
    return kind == kinds.DOMAIN_NAME and "PRIVATE" in types


@operation("TagResource")
async def tag_resource(ctx: Ctx, inp: Doc) -> Doc:
    async with ctx.tx() as tx:
        where, doc = await _doc(ctx, tx, inp["resource-arn"])
        doc["tags"] = check_count(
            check_tags({**(doc.get("tags") or {}), **(inp.get("tags") or {})})
        )
        await tx.put(ctx.region, *where, doc)
    return {}


@operation("UntagResource")
async def untag_resource(ctx: Ctx, inp: Doc) -> None:
    async with ctx.tx() as tx:
        where, doc = await _doc(ctx, tx, inp["resource-arn"])
        gone = set(inp["tagKeys"])
        doc["tags"] = {k: v for k, v in (doc.get("tags") or {}).items() if k not in gone}
        await tx.put(ctx.region, *where, doc)


@operation("GetTags")
async def get_tags(ctx: Ctx, inp: Doc) -> Doc:
    async with ctx.tx() as tx:
        _, doc = await _doc(ctx, tx, inp["resource-arn"])
    return {"tags": doc.get("tags") or {}}
