"""Resource operations: the path tree of a REST API."""

from __future__ import annotations

import re
from typing import Any

from frontgate import ids
from frontgate.admin.apigateway.context import Ctx, Doc, Reader
from frontgate.admin.apigateway.ops.common import get_api, get_resource, store_page
from frontgate.admin.apigateway.patch import parse_ops
from frontgate.admin.apigateway.registry import operation
from frontgate.admin.errors import BadRequest, Conflict, NotFound
from frontgate.definition import kinds
from frontgate.state.store import Tx

_PATH_PART = re.compile(r"[a-zA-Z0-9._:@\-]+|\{[a-zA-Z0-9._\-]+\+?\}")
_PATH_PART_ERROR = (
    "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end "
    "and an optional plus sign before the closing brace."
)


def is_variable(part: str | None) -> bool:
    return part is not None and part.startswith("{") and part.endswith("}")


def is_greedy(part: str | None) -> bool:
    return part is not None and part.endswith("+}")


def child_path(parent: Doc, part: str) -> str:
    return str(parent["path"]).rstrip("/") + "/" + part


def view(resource: Doc, embed: bool) -> Doc:
    """Without ``embed=methods`` AWS lists each method as an empty object."""
    if embed or not resource.get("resourceMethods"):
        return resource
    return {**resource, "resourceMethods": {verb: {} for verb in resource["resourceMethods"]}}


async def check_placement(
    r: Reader, ctx: Ctx, api_id: str, parent: Doc, part: str, self_id: str | None = None
) -> None:
    """AWS's rules for a path part under ``parent``: valid, unique, one variable sibling."""
    if not _PATH_PART.fullmatch(part):
        raise BadRequest(_PATH_PART_ERROR)
    if is_greedy(parent.get("pathPart")):
        raise BadRequest(
            f"Cannot create a child of a resource with a greedy path variable: {parent['pathPart']}"
        )
    for sib in await r.list(ctx.region, kinds.RESOURCE, api_id):
        if sib.get("parentId") != parent["id"] or sib["id"] == self_id:
            continue
        if sib["pathPart"] == part:
            raise Conflict(f"Another resource with the same parent already has this name: {part}")
        if is_variable(part) and is_variable(sib["pathPart"]):
            raise BadRequest(
                f"A sibling ({sib['pathPart']}) of this resource already has a variable path "
                "part -- only one is allowed"
            )


@operation("CreateResource")
async def create_resource(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    api_id, part = inp["restApiId"], inp["pathPart"]
    async with ctx.tx() as tx:
        parent = await get_resource(tx, ctx, api_id, inp["parentId"])
        await check_placement(tx, ctx, api_id, parent, part)
        res = {
            "id": ids.short_id(),
            "parentId": parent["id"],
            "pathPart": part,
            "path": child_path(parent, part),
        }
        await tx.put(ctx.region, kinds.RESOURCE, api_id, res["id"], res)
    return res


@operation("GetResource")
async def get_resource_op(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    res = await get_resource(ctx.store, ctx, inp["restApiId"], inp["resourceId"])
    return view(res, "methods" in (inp.get("embed") or []))


@operation("GetResources")
async def get_resources(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    await get_api(ctx.store, ctx, inp["restApiId"])
    embed = "methods" in (inp.get("embed") or [])

    async def item(res: Doc) -> Doc:
        return view(res, embed)

    return await store_page(ctx, kinds.RESOURCE, inp["restApiId"], inp, item)


async def _reroot(tx: Tx, ctx: Ctx, api_id: str, res: Doc, all_res: list[Doc]) -> None:
    """Recompute ``path`` for ``res``'s descendants after a rename or move."""
    by_parent: dict[str, list[Doc]] = {}
    for r in all_res:
        by_parent.setdefault(r.get("parentId", ""), []).append(r)
    stack = [res]
    while stack:
        node = stack.pop()
        for child in by_parent.get(node["id"], []):
            child["path"] = child_path(node, child["pathPart"])
            await tx.put(ctx.region, kinds.RESOURCE, api_id, child["id"], child)
            stack.append(child)


@operation("UpdateResource")
async def update_resource(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    api_id = inp["restApiId"]
    async with ctx.tx() as tx:
        res = await get_resource(tx, ctx, api_id, inp["resourceId"])
        all_res = await tx.list(ctx.region, kinds.RESOURCE, api_id)
        by_id = {r["id"]: r for r in all_res}
        parent_id, part = res.get("parentId"), res.get("pathPart")
        for op in parse_ops(inp.get("patchOperations")):
            if op.path not in ("/parentId", "/pathPart"):
                raise BadRequest(
                    f"Invalid patch path  '{op.path}' specified for op '{op.op}'. "
                    "Must be one of: [/parentId, /pathPart]"
                )
            if op.op != "replace":
                raise BadRequest(
                    f"Invalid patch path  '{op.path}' specified for op '{op.op}'. "
                    "Please choose supported operations"
                )
            if res["path"] == "/":
                raise BadRequest(f"Root resource cannot update its {op.path[1:]}.")
            if op.path == "/parentId":
                if op.value not in by_id:
                    raise NotFound("Invalid Resource identifier specified")
                node: Doc | None = by_id[op.value]
                while node is not None:  # the new parent must not be in our own subtree
                    if node["id"] == res["id"]:
                        raise BadRequest("Resources cannot be cyclical.")
                    node = by_id.get(node.get("parentId", ""))
                parent_id = op.value
            else:
                part = op.value or ""
        parent = by_id[parent_id or ""]
        await check_placement(tx, ctx, api_id, parent, part or "", self_id=res["id"])
        res.update(parentId=parent_id, pathPart=part, path=child_path(parent, part or ""))
        await tx.put(ctx.region, kinds.RESOURCE, api_id, res["id"], res)
        by_id[res["id"]] = res
        await _reroot(tx, ctx, api_id, res, list(by_id.values()))
    return view(res, False)


@operation("DeleteResource")
async def delete_resource(ctx: Ctx, inp: dict[str, Any]) -> None:
    api_id = inp["restApiId"]
    async with ctx.tx() as tx:
        res = await get_resource(tx, ctx, api_id, inp["resourceId"])
        if res["path"] == "/":
            raise BadRequest("Cannot delete the root resource")
        all_res = await tx.list(ctx.region, kinds.RESOURCE, api_id)
        doomed = {res["id"]}
        changed = True
        while changed:  # the whole subtree goes with it
            changed = False
            for r in all_res:
                if r.get("parentId") in doomed and r["id"] not in doomed:
                    doomed.add(r["id"])
                    changed = True
        for rid in doomed:
            await tx.delete(ctx.region, kinds.RESOURCE, api_id, rid)
