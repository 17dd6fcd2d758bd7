"""Model operations of HTTP and WebSocket APIs (JSON schema draft 4 models, addressed by id,
named uniquely per API) and GetModelTemplate. A schema is checked when written as the REST API's
models are (``admin/apigateway/ops/models.py``); a write moves the API's auto-deploying
stages."""

from __future__ import annotations

import re

from frontgate import ids
from frontgate.admin.apigateway.ops.models import check_schema, model_template
from frontgate.admin.apigatewayv2.context import Ctx
from frontgate.admin.apigatewayv2.ops._res_common import (
    after_change,
    need,
    need_api,
    page,
    wire_operation,
)
from frontgate.admin.errors import BadRequest, Conflict
from frontgate.definition import kinds
from frontgate.state.store import Doc, Tx

_NAME = re.compile(r"[a-zA-Z0-9]+")
_MEMBERS = ("name", "contentType", "description", "schema")


def not_found(model_id: str) -> str:
    return f"Invalid Model identifier specified {model_id}"


async def _check(tx: Tx, ctx: Ctx, api_id: str, doc: Doc) -> None:
    name = doc["name"]
    if not _NAME.fullmatch(name):
        raise BadRequest("Model name must be alphanumeric")
    for other in await tx.list(ctx.region, kinds.V2_MODEL, api_id):
        if other["name"] == name and other["modelId"] != doc["modelId"]:
            raise Conflict(f"Model name {name} already exists for this API")
    check_schema(doc.get("schema"))


@wire_operation("CreateModel")
async def create_model(ctx: Ctx, inp: Doc) -> Doc:
    api_id = inp["apiId"]
    doc: Doc = {"modelId": ids.short_id()}
    doc.update({m: inp[m] for m in _MEMBERS if inp.get(m) is not None})
    async with ctx.tx() as tx:
        await need_api(tx, ctx, api_id)
        await _check(tx, ctx, api_id, doc)
        await tx.put(ctx.region, kinds.V2_MODEL, api_id, doc["modelId"], doc)
        await after_change(tx, ctx, api_id)
    return doc


@wire_operation("GetModel")
async def get_model(ctx: Ctx, inp: Doc) -> Doc:
    api_id, model_id = inp["apiId"], inp["modelId"]
    await need_api(ctx.store, ctx, api_id)
    return await need(ctx.store, ctx, kinds.V2_MODEL, api_id, model_id, not_found(model_id))


@wire_operation("GetModels")
async def get_models(ctx: Ctx, inp: Doc) -> Doc:
    await need_api(ctx.store, ctx, inp["apiId"])
    return await page(ctx, kinds.V2_MODEL, inp["apiId"], inp)


@wire_operation("GetModelTemplate")
async def get_model_template(ctx: Ctx, inp: Doc) -> Doc:
    api_id, model_id = inp["apiId"], inp["modelId"]
    await need_api(ctx.store, ctx, api_id)
    model = await need(ctx.store, ctx, kinds.V2_MODEL, api_id, model_id, not_found(model_id))
    return {"value": model_template(model.get("schema"))}


def _referenced(route: Doc, name: str) -> bool:
    return name in (route.get("requestModels") or {}).values()


@wire_operation("UpdateModel")
async def update_model(ctx: Ctx, inp: Doc) -> Doc:
    api_id, model_id = inp["apiId"], inp["modelId"]
    async with ctx.tx() as tx:
        await need_api(tx, ctx, api_id)
        doc = await need(tx, ctx, kinds.V2_MODEL, api_id, model_id, not_found(model_id))
        old_name = doc["name"]
        doc.update({m: inp[m] for m in _MEMBERS if inp.get(m) is not None})
        await _check(tx, ctx, api_id, doc)
        if doc["name"] != old_name:  # routes name their models: a renamed one would dangle
            for route in await tx.list(ctx.region, kinds.V2_ROUTE, api_id):
                if _referenced(route, old_name):
                    raise Conflict(
                        f"Cannot rename model '{old_name}', is referenced in route: "
                        f"{route.get('routeKey')}"
                    )
        await tx.put(ctx.region, kinds.V2_MODEL, api_id, model_id, doc)
        await after_change(tx, ctx, api_id)
    return doc


@wire_operation("DeleteModel")
async def delete_model(ctx: Ctx, inp: Doc) -> None:
    api_id, model_id = inp["apiId"], inp["modelId"]
    async with ctx.tx() as tx:
        await need_api(tx, ctx, api_id)
        doc = await need(tx, ctx, kinds.V2_MODEL, api_id, model_id, not_found(model_id))
        for route in await tx.list(ctx.region, kinds.V2_ROUTE, api_id):
            if _referenced(route, doc["name"]):
                raise Conflict(
                    f"Cannot delete model '{doc['name']}', is referenced in route: "
                    f"{route.get('routeKey')}"
                )
        await tx.delete(ctx.region, kinds.V2_MODEL, api_id, model_id)
        await after_change(tx, ctx, api_id)
