"""Route operations: CreateRoute, GetRoute, GetRoutes, UpdateRoute, DeleteRoute,
DeleteRouteRequestParameter. Every write re-deploys the API's ``autoDeploy`` stages."""

from __future__ import annotations

import re
from typing import Any

from frontgate.admin.apigatewayv2.context import Ctx
from frontgate.admin.apigatewayv2.ops.common import (
    check_quota,
    get_api,
    need,
    new_id,
    page,
    redeploy,
)
from frontgate.admin.apigatewayv2.ops.route_keys import check_route_key
from frontgate.admin.apigatewayv2.registry import operation
from frontgate.admin.errors import BadRequest, Conflict, NotFound
from frontgate.definition import kinds
from frontgate.state.store import Doc, Tx

_MEMBERS = (
    "routeKey",
    "target",
    "authorizationType",
    "authorizerId",
    "authorizationScopes",
    "apiKeyRequired",
    "requestParameters",
    "requestModels",
    "modelSelectionExpression",
    "routeResponseSelectionExpression",
    "operationName",
)
# The authorizer type each authorization type takes.
_AUTHORIZER_TYPE = {"JWT": "JWT", "CUSTOM": "REQUEST"}
_ROUTE_PARAMETER = re.compile(r"route\.request\.(header|querystring)\.[^\s]+")


async def _check_route(tx: Tx, ctx: Ctx, api: Doc, route: Doc) -> None:
    """AWS's checks of a route's members against the API (``route`` is the whole route)."""
    api_id = api["apiId"]
    protocol = api["protocolType"]
    route["routeKey"] = check_route_key(route["routeKey"], protocol)
    for other in await tx.list(ctx.region, kinds.V2_ROUTE, api_id):
        if other["routeId"] != route.get("routeId") and other["routeKey"] == route["routeKey"]:
            raise Conflict(f"Route with key {route['routeKey']} already exists for this API")
    target = route.get("target")
    if target is not None:
        integration_id = target.removeprefix("integrations/")
        if not target.startswith("integrations/") or not integration_id:
            raise BadRequest(
                f"Invalid target {target!r}: a route's target is integrations/{{integrationId}}"
            )
        if await tx.get(ctx.region, kinds.V2_INTEGRATION, api_id, integration_id) is None:
            raise BadRequest(
                f"Invalid target {target!r}: Invalid Integration identifier specified "
                f"{integration_id}"
            )
    auth_type = route.setdefault("authorizationType", "NONE")
    if protocol == "HTTP" and auth_type not in ("NONE", "JWT", "AWS_IAM", "CUSTOM"):
        raise BadRequest(f"Invalid authorization type {auth_type}")
    if protocol != "HTTP" and auth_type not in ("NONE", "AWS_IAM", "CUSTOM"):
        raise BadRequest(
            f"Invalid authorization type {auth_type}: WebSocket APIs take NONE, AWS_IAM or CUSTOM"
        )
    if protocol != "HTTP" and auth_type != "NONE" and route["routeKey"] != "$connect":
        # A WebSocket client is authorized once, on the handshake.
        raise BadRequest("Currently, authorization is restricted to the $connect route only")
    authorizer_id = route.get("authorizerId")
    if auth_type in _AUTHORIZER_TYPE:
        if authorizer_id is None:
            raise BadRequest(f"An authorizer ID is required for authorization type {auth_type}")
        authorizer = await need(tx, ctx, kinds.V2_AUTHORIZER, api_id, authorizer_id, "Authorizer")
        if authorizer.get("authorizerType") != _AUTHORIZER_TYPE[auth_type]:
            raise BadRequest(
                f"Authorization type {auth_type} requires an authorizer of type "
                f"{_AUTHORIZER_TYPE[auth_type]}; authorizer {authorizer_id} is of type "
                f"{authorizer.get('authorizerType')}"
            )
    elif authorizer_id is not None:
        raise BadRequest(f"An authorizer ID cannot be set for authorization type {auth_type}")
    if route.get("authorizationScopes") and auth_type != "JWT":
        raise BadRequest("Authorization scopes are supported only for JWT authorizers")
    if len(route.get("authorizationScopes") or ()) > 10:
        raise BadRequest("A route can have at most 10 authorization scopes")
    if protocol == "HTTP" and route.get("apiKeyRequired"):
        raise BadRequest("API keys are not supported for HTTP APIs")
    route.setdefault("apiKeyRequired", False)
    models = route.get("requestModels") or {}
    if models:
        # The data plane validates messages against these: a missing model would not compile.
        known = {m.get("name") for m in await tx.list(ctx.region, kinds.V2_MODEL, api_id)}
        for name in models.values():
            if name not in known:
                raise BadRequest(f"Invalid model specified: {name} is not a model of this API")
    for key in route.get("requestParameters") or {}:
        if not _ROUTE_PARAMETER.fullmatch(key):
            raise BadRequest(
                f"Invalid request parameter key {key}: must be route.request.header.NAME or "
                "route.request.querystring.NAME"
            )


@operation("CreateRoute")
async def create_route(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    async with ctx.tx() as tx:
        api = await get_api(tx, ctx, inp["apiId"])
        route: Doc = {"routeId": new_id(), **{m: inp[m] for m in _MEMBERS if m in inp}}
        await check_quota(tx, ctx, kinds.V2_ROUTE, api["apiId"])
        await _check_route(tx, ctx, api, route)
        await tx.put(ctx.region, kinds.V2_ROUTE, api["apiId"], route["routeId"], route)
        await redeploy(tx, ctx, api["apiId"])
    return route


@operation("GetRoute")
async def get_route(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    await get_api(ctx.store, ctx, inp["apiId"])
    return await need(ctx.store, ctx, kinds.V2_ROUTE, inp["apiId"], inp["routeId"], "Route")


@operation("GetRoutes")
async def get_routes(ctx: Ctx, inp: dict[str, Any]) -> dict[str, Any]:
    await get_api(ctx.store, ctx, inp["apiId"])
    return await page(ctx, kinds.V2_ROUTE, inp["apiId"], inp)


@operation("UpdateRoute")
async def update_route(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    async with ctx.tx() as tx:
        api = await get_api(tx, ctx, inp["apiId"])
        route = await need(tx, ctx, kinds.V2_ROUTE, api["apiId"], inp["routeId"], "Route")
        if (
            route.get("apiGatewayManaged")
            and "routeKey" in inp
            and inp["routeKey"] != route["routeKey"]
        ):
            raise BadRequest(
                "The route key of a route managed by API Gateway (quick create) cannot be changed"
            )
        updated = {**route, **{m: inp[m] for m in _MEMBERS if m in inp}}
        if inp.get("authorizationType") in ("NONE", "AWS_IAM") and "authorizerId" not in inp:
            updated.pop("authorizerId", None)  # switching away from an authorizer drops it
        if inp.get("authorizationType") not in (None, "JWT") and "authorizationScopes" not in inp:
            updated.pop("authorizationScopes", None)
        # An empty value clears the member, as AWS takes it (tools reset a route this way:
        # authorizationType NONE, authorizerId "", authorizationScopes [], operationName "").
        for member in ("authorizerId", "operationName"):
            if updated.get(member) == "":
                updated.pop(member)
        if updated.get("authorizationScopes") == []:
            updated.pop("authorizationScopes")
        await _check_route(tx, ctx, api, updated)
        await tx.put(ctx.region, kinds.V2_ROUTE, api["apiId"], route["routeId"], updated)
        await redeploy(tx, ctx, api["apiId"])
    return updated


@operation("DeleteRoute")
async def delete_route(ctx: Ctx, inp: dict[str, Any]) -> None:
    async with ctx.tx() as tx:
        api = await get_api(tx, ctx, inp["apiId"])
        route = await need(tx, ctx, kinds.V2_ROUTE, api["apiId"], inp["routeId"], "Route")
        await tx.delete(ctx.region, kinds.V2_ROUTE, api["apiId"], route["routeId"])
        await tx.delete_children(ctx.region, f"{api['apiId']}/{route['routeId']}")
        await redeploy(tx, ctx, api["apiId"])


@operation("DeleteRouteRequestParameter")
async def delete_route_request_parameter(ctx: Ctx, inp: dict[str, Any]) -> None:
    async with ctx.tx() as tx:
        api = await get_api(tx, ctx, inp["apiId"])
        route = await need(tx, ctx, kinds.V2_ROUTE, api["apiId"], inp["routeId"], "Route")
        params = route.get("requestParameters") or {}
        key = inp["requestParameterKey"]
        if key not in params:
            raise NotFound(f"Invalid request parameter key specified {key}")
        del params[key]
        route["requestParameters"] = params
        await tx.put(ctx.region, kinds.V2_ROUTE, api["apiId"], route["routeId"], route)
        await redeploy(tx, ctx, api["apiId"])
