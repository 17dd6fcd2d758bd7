"""Model operations of HTTP and WebSocket APIs (JSON schema draft 4 models, addressed by id,
named uniquely per API) and GetModelTemplate. A schema is checked when written as the REST API's
models are (``admin/apigateway/ops/models.py``); a write moves the API's auto-deploying
stages."""

from __future__ import annotations

import re

from frontgate.admin.apigateway.ops.models import check_schema, model_template
from frontgate.admin.apigatewayv2.context import Ctx
from frontgate.admin.apigatewayv2.ops.common import get_api, need, new_id, page, redeploy
from frontgate.admin.apigatewayv2.registry import operation
from frontgate.admin.errors import BadRequest, Conflict
from frontgate.definition import kinds
from frontgate.state.store import Doc, Tx

_NAME = re.compile(r"[a-zA-Z0-9]+")
_MEMBERS = ("name", "contentType", "description", "schema")


async def _check(tx: Tx, ctx: Ctx, api_id: str, doc: Doc) -> None:
    name = doc["name"]
    if not _NAME.fullmatch(name):
        raise BadRequest("Model name must be alphanumeric")
    for other in await tx.list(ctx.region, kinds.V2_MODEL, api_id):
        if other["name"] == name and other["modelId"] != doc["modelId"]:
            raise Conflict(f"Model name {name} already exists for this API")
    check_schema(doc.get("schema"))


@operation("CreateModel")
async def create_model(ctx: Ctx, inp: Doc) -> Doc:
    api_id = inp["apiId"]
    doc: Doc = {"modelId": new_id()}
    doc.update({m: inp[m] for m in _MEMBERS if inp.get(m) is not None})
    async with ctx.tx() as tx:
        await get_api(tx, ctx, api_id)
        await _check(tx, ctx, api_id, doc)
        await tx.put(ctx.region, kinds.V2_MODEL, api_id, doc["modelId"], doc)
        await redeploy(tx, ctx, api_id)
    return doc


@operation("GetModel")
async def get_model(ctx: Ctx, inp: Doc) -> Doc:
    api_id, model_id = inp["apiId"], inp["modelId"]
    await get_api(ctx.store, ctx, api_id)
    return await need(ctx.store, ctx, kinds.V2_MODEL, api_id, model_id, "Model")


@operation("GetModels")
async def get_models(ctx: Ctx, inp: Doc) -> Doc:
    await get_api(ctx.store, ctx, inp["apiId"])
    return await page(ctx, kinds.V2_MODEL, inp["apiId"], inp)


@operation("GetModelTemplate")
async def get_model_template(ctx: Ctx, inp: Doc) -> Doc:
    api_id, model_id = inp["apiId"], inp["modelId"]
    await get_api(ctx.store, ctx, api_id)
    model = await need(ctx.store, ctx, kinds.V2_MODEL, api_id, model_id, "Model")
    return {"value": model_template(model.get("schema"))}


async def _user(tx: Tx, ctx: Ctx, api_id: str, name: str) -> str | None:
    """What names model ``name``: ``route: KEY`` or ``route response: KEY``, or None."""
    for route in await tx.list(ctx.region, kinds.V2_ROUTE, api_id):
        if name in (route.get("requestModels") or {}).values():
            return f"route: {route.get('routeKey')}"
        parent = f"{api_id}/{route['routeId']}"
        for response in await tx.list(ctx.region, kinds.V2_ROUTE_RESPONSE, parent):
            if name in (response.get("responseModels") or {}).values():
                return f"route response: {route.get('routeKey')}"
    return None


@operation("UpdateModel")
async def update_model(ctx: Ctx, inp: Doc) -> Doc:
    api_id, model_id = inp["apiId"], inp["modelId"]
    async with ctx.tx() as tx:
        await get_api(tx, ctx, api_id)
        doc = await need(tx, ctx, kinds.V2_MODEL, api_id, model_id, "Model")
        old_name = doc["name"]
        doc.update({m: inp[m] for m in _MEMBERS if inp.get(m) is not None})
        await _check(tx, ctx, api_id, doc)
        # Routes name their models: a renamed one would dangle.
        user = await _user(tx, ctx, api_id, old_name) if doc["name"] != old_name else None
        if user is not None:
            raise Conflict(f"Cannot rename model '{old_name}', is referenced in {user}")
        await tx.put(ctx.region, kinds.V2_MODEL, api_id, model_id, doc)
        await redeploy(tx, ctx, api_id)
    return doc


@operation("DeleteModel")
async def delete_model(ctx: Ctx, inp: Doc) -> None:
    api_id, model_id = inp["apiId"], inp["modelId"]
    async with ctx.tx() as tx:
        await get_api(tx, ctx, api_id)
        doc = await need(tx, ctx, kinds.V2_MODEL, api_id, model_id, "Model")
        user = await _user(tx, ctx, api_id, doc["name"])
        if user is not None:
            raise Conflict(f"Cannot delete model '{doc['name']}', is referenced in {user}")
        await tx.delete(ctx.region, kinds.V2_MODEL, api_id, model_id)
        await redeploy(tx, ctx, api_id)
