"""RouteResponse operations. Route responses are a WebSocket API feature (they send the
integration's answer back to the client of a two-way route); AWS supports ``$default`` as the
only route response key. An HTTP API has none: its routes answer with the integration's
response, so a route response on one is refused rather than stored and never used."""

from __future__ import annotations

from frontgate.admin.apigatewayv2.context import Ctx
from frontgate.admin.apigatewayv2.ops.common import get_api, need, new_id, page, redeploy
from frontgate.admin.apigatewayv2.registry import operation
from frontgate.admin.errors import BadRequest, Conflict
from frontgate.definition import kinds
from frontgate.state.store import Doc, Tx

_MEMBERS = ("routeResponseKey", "modelSelectionExpression", "responseModels", "responseParameters")


async def _route(tx: Tx, ctx: Ctx, api_id: str, route_id: str) -> str:
    """The route's parent key for its responses, after checking the API and the route."""
    api = await get_api(tx, ctx, api_id)
    if api.get("protocolType") != "WEBSOCKET":
        raise BadRequest("Route responses are supported only for WebSocket APIs")
    await need(tx, ctx, kinds.V2_ROUTE, api_id, route_id, "Route")
    return f"{api_id}/{route_id}"


async def _check(tx: Tx, ctx: Ctx, api_id: str, parent: str, doc: Doc) -> None:
    if doc["routeResponseKey"] != "$default":
        raise BadRequest(
            f"Invalid route response key {doc['routeResponseKey']}: $default is the only "
            "supported route response key"
        )
    for other in await tx.list(ctx.region, kinds.V2_ROUTE_RESPONSE, parent):
        if (
            other["routeResponseKey"] == doc["routeResponseKey"]
            and other["routeResponseId"] != doc["routeResponseId"]
        ):
            raise Conflict(
                f"RouteResponse key {doc['routeResponseKey']} already exists for this route"
            )
    models = {m["name"] for m in await tx.list(ctx.region, kinds.V2_MODEL, api_id)}
    for name in (doc.get("responseModels") or {}).values():
        if name not in models:
            raise BadRequest(f"Invalid model identifier specified: {name}")


@operation("CreateRouteResponse")
async def create_route_response(ctx: Ctx, inp: Doc) -> Doc:
    api_id = inp["apiId"]
    doc: Doc = {"routeResponseId": new_id()}
    doc.update({m: inp[m] for m in _MEMBERS if inp.get(m) is not None})
    async with ctx.tx() as tx:
        parent = await _route(tx, ctx, api_id, inp["routeId"])
        await _check(tx, ctx, api_id, parent, doc)
        await tx.put(ctx.region, kinds.V2_ROUTE_RESPONSE, parent, doc["routeResponseId"], doc)
        await redeploy(tx, ctx, api_id)
    return doc


@operation("GetRouteResponse")
async def get_route_response(ctx: Ctx, inp: Doc) -> Doc:
    async with ctx.tx() as tx:
        parent = await _route(tx, ctx, inp["apiId"], inp["routeId"])
        rr_id = inp["routeResponseId"]
        return await need(tx, ctx, kinds.V2_ROUTE_RESPONSE, parent, rr_id, "RouteResponse")


@operation("GetRouteResponses")
async def get_route_responses(ctx: Ctx, inp: Doc) -> Doc:
    async with ctx.tx() as tx:
        parent = await _route(tx, ctx, inp["apiId"], inp["routeId"])
    return await page(ctx, kinds.V2_ROUTE_RESPONSE, parent, inp)


@operation("UpdateRouteResponse")
async def update_route_response(ctx: Ctx, inp: Doc) -> Doc:
    api_id, rr_id = inp["apiId"], inp["routeResponseId"]
    async with ctx.tx() as tx:
        parent = await _route(tx, ctx, api_id, inp["routeId"])
        doc = await need(tx, ctx, kinds.V2_ROUTE_RESPONSE, parent, rr_id, "RouteResponse")
        doc.update({m: inp[m] for m in _MEMBERS if inp.get(m) is not None})
        await _check(tx, ctx, api_id, parent, doc)
        await tx.put(ctx.region, kinds.V2_ROUTE_RESPONSE, parent, rr_id, doc)
        await redeploy(tx, ctx, api_id)
    return doc


@operation("DeleteRouteResponse")
async def delete_route_response(ctx: Ctx, inp: Doc) -> None:
    rr_id = inp["routeResponseId"]
    async with ctx.tx() as tx:
        parent = await _route(tx, ctx, inp["apiId"], inp["routeId"])
        await need(tx, ctx, kinds.V2_ROUTE_RESPONSE, parent, rr_id, "RouteResponse")
        await tx.delete(ctx.region, kinds.V2_ROUTE_RESPONSE, parent, rr_id)
        await redeploy(tx, ctx, inp["apiId"])
