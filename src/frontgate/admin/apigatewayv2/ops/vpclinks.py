"""VPC link operations of apigatewayv2 (VPC links V2, for HTTP APIs' private integrations).
There is no VPC here: a link is stored as AWS reports a ready one (``vpcLinkStatus``
AVAILABLE, ``vpcLinkVersion`` V2), its subnets and security groups as given. Private
integrations through a link are not served (docs/COMPATIBILITY.md). These are not the REST API's
VPC links (``admin/apigateway/ops/vpclinks.py``), as on AWS: each service lists its own."""

from __future__ import annotations

import re

from frontgate.admin.apigatewayv2.context import Ctx
from frontgate.admin.apigatewayv2.ops.common import check_tags, need, new_id, page
from frontgate.admin.apigatewayv2.ops.tags import check_count
from frontgate.admin.apigatewayv2.registry import operation
from frontgate.admin.errors import BadRequest, NotFound
from frontgate.definition import kinds
from frontgate.definition.httpapis import now_iso
from frontgate.state.store import Doc

_SUBNET = re.compile(r"subnet-[0-9a-zA-Z]{1,64}")
_GROUP = re.compile(r"sg-[0-9a-zA-Z]{1,64}")
MAX_SUBNETS = 10  # AWS's quota "Subnets per VPC link"


def _check(doc: Doc) -> None:
    subnets = doc.get("subnetIds") or []
    if not subnets:
        raise BadRequest("SubnetIds must contain at least one subnet")
    if len(subnets) > MAX_SUBNETS:
        raise BadRequest(f"A VPC link can have at most {MAX_SUBNETS} subnets")
    for subnet in subnets:
        if not _SUBNET.fullmatch(subnet):
            raise BadRequest(f"Invalid subnet identifier specified: {subnet}")
    for group in doc.get("securityGroupIds") or []:
        if not _GROUP.fullmatch(group):
            raise BadRequest(f"Invalid security group identifier specified: {group}")


@operation("CreateVpcLink")
async def create_vpc_link(ctx: Ctx, inp: Doc) -> Doc:
    doc: Doc = {
        "vpcLinkId": new_id(),
        "name": inp["name"],
        "subnetIds": list(inp["subnetIds"]),
        "securityGroupIds": list(inp.get("securityGroupIds") or []),
        "createdDate": now_iso(),
        "vpcLinkStatus": "AVAILABLE",
        "vpcLinkStatusMessage": "VPC link is ready to route traffic",
        "vpcLinkVersion": "V2",
        "tags": check_count(check_tags(inp.get("tags"))),
    }
    _check(doc)
    async with ctx.tx() as tx:
        await tx.put(ctx.region, kinds.V2_VPC_LINK, "", doc["vpcLinkId"], doc)
    return doc


@operation("GetVpcLink")
async def get_vpc_link(ctx: Ctx, inp: Doc) -> Doc:
    link_id = inp["vpcLinkId"]
    return await need(ctx.store, ctx, kinds.V2_VPC_LINK, "", link_id, "VpcLink")


@operation("GetVpcLinks")
async def get_vpc_links(ctx: Ctx, inp: Doc) -> Doc:
    return await page(ctx, kinds.V2_VPC_LINK, "", inp)


@operation("UpdateVpcLink")
async def update_vpc_link(ctx: Ctx, inp: Doc) -> Doc:
    link_id = inp["vpcLinkId"]
    async with ctx.tx() as tx:
        doc = await need(tx, ctx, kinds.V2_VPC_LINK, "", link_id, "VpcLink")
        if inp.get("name") is not None:
            doc["name"] = inp["name"]
        await tx.put(ctx.region, kinds.V2_VPC_LINK, "", link_id, doc)
    return doc


@operation("DeleteVpcLink")
async def delete_vpc_link(ctx: Ctx, inp: Doc) -> Doc:
    link_id = inp["vpcLinkId"]
    async with ctx.tx() as tx:
        await need(tx, ctx, kinds.V2_VPC_LINK, "", link_id, "VpcLink")
        # AWS refuses to delete a link an integration still routes through.
        for api in await tx.list(ctx.region, kinds.V2_API):
            for integ in await tx.list(ctx.region, kinds.V2_INTEGRATION, str(api["apiId"])):
                if (
                    integ.get("connectionType") == "VPC_LINK"
                    and integ.get("connectionId") == link_id
                ):
                    raise BadRequest(
                        f"Cannot delete vpc link '{link_id}': it is used by integration "
                        f"'{integ.get('integrationId')}' of API '{api['apiId']}'"
                    )
        if not await tx.delete(ctx.region, kinds.V2_VPC_LINK, "", link_id):
            raise NotFound(f"Invalid VpcLink identifier specified {link_id}")
    return {}
