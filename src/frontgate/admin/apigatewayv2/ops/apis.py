"""Api operations: CreateApi (with quick create: ``quick_create.py``), GetApi, GetApis,
UpdateApi, DeleteApi."""

from __future__ import annotations

from typing import Any

from frontgate import ids
from frontgate.admin.apigatewayv2.context import Ctx
from frontgate.admin.apigatewayv2.ops.api_mappings import domains_mapping
from frontgate.admin.apigatewayv2.ops.common import (
    check_tags,
    get_api,
    page,
    pick,
    redeploy,
    view_api,
)
from frontgate.admin.apigatewayv2.ops.cors import check_cors
from frontgate.admin.apigatewayv2.ops.quick_create import quick_create, quick_update
from frontgate.admin.apigatewayv2.registry import operation
from frontgate.admin.errors import BadRequest
from frontgate.definition import kinds
from frontgate.definition.httpapis import now_iso
from frontgate.state.store import Doc
from frontgate.websocket.routing import compile_expression

HTTP_ROUTE_SELECTION = "$request.method $request.path"
_HTTP_SELECTIONS = (HTTP_ROUTE_SELECTION, "${request.method} ${request.path}")
API_KEY_SELECTION = "$request.header.x-api-key"
_API_KEY_SELECTIONS = (API_KEY_SELECTION, "$context.authorizer.usageIdentifierKey")
_QUICK = ("target", "routeKey", "credentialsArn")


def _check_selections(api: Doc) -> None:
    protocol = api["protocolType"]
    rse = api.get("routeSelectionExpression")
    if protocol == "HTTP":
        if rse is not None and rse not in _HTTP_SELECTIONS:
            raise BadRequest(
                f"Invalid route selection expression {rse!r}: for HTTP APIs it must be "
                "${request.method} ${request.path}"
            )
        api["routeSelectionExpression"] = HTTP_ROUTE_SELECTION
    elif not rse:
        raise BadRequest("Route selection expression is required for WebSocket APIs")
    elif not _reads_the_message(rse):
        raise BadRequest(
            f"Invalid route selection expression {rse}: for WebSocket APIs it selects "
            "members of the message, such as $request.body.action or "
            "${request.body.service}/${request.body.action}, or is \\$default"
        )
    key_selection = api.get("apiKeySelectionExpression", API_KEY_SELECTION)
    if key_selection not in _API_KEY_SELECTIONS:
        raise BadRequest(
            f"Invalid API key selection expression {key_selection!r}: must be "
            f"{' or '.join(_API_KEY_SELECTIONS)}"
        )
    api["apiKeySelectionExpression"] = key_selection


def _reads_the_message(rse: str) -> bool:
    """A WebSocket route selection expression: ``$request.body`` variables (joined by text), or
    the static ``\\$default`` (every message to the ``$default`` route)."""
    if rse in ("$default", "\\$default"):
        return True
    variables = [p for p in compile_expression(rse).parts if isinstance(p, tuple)]
    return bool(variables) and all(p[0] == "body" for p in variables)


@operation("CreateApi")
async def create_api(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    protocol = inp["protocolType"]
    api: Doc = {
        "apiId": ids.rest_api_id(),
        "name": inp["name"],
        "protocolType": protocol,
        "createdDate": now_iso(),
        "disableExecuteApiEndpoint": bool(inp.get("disableExecuteApiEndpoint", False)),
        "ipAddressType": inp.get("ipAddressType", "ipv4"),
        "tags": check_tags(inp.get("tags")),
        **pick(
            inp,
            "description",
            "version",
            "routeSelectionExpression",
            "apiKeySelectionExpression",
        ),
    }
    if protocol == "WEBSOCKET":
        api["disableSchemaValidation"] = bool(inp.get("disableSchemaValidation", False))
    elif inp.get("disableSchemaValidation") is not None:
        raise BadRequest("DisableSchemaValidation is supported only for WebSocket APIs")
    _check_selections(api)
    if inp.get("corsConfiguration") is not None:
        api["corsConfiguration"] = check_cors(inp["corsConfiguration"], protocol)
    quick = [m for m in _QUICK if inp.get(m) is not None]
    if quick and protocol != "HTTP":
        raise BadRequest(
            "Quick create (target, routeKey, credentialsArn) is supported only for HTTP APIs"
        )
    if quick and inp.get("target") is None:
        raise BadRequest(f"{quick[0]} can be specified only with target (quick create)")
    api["apiEndpoint"] = ctx.api_endpoint(api["apiId"], protocol)
    async with ctx.tx() as tx:
        await tx.put(ctx.region, kinds.V2_API, "", api["apiId"], api)
        if quick:
            await quick_create(tx, ctx, api, inp)
    return view_api(ctx, api)


@operation("GetApi")
async def get_api_op(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    return view_api(ctx, await get_api(ctx.store, ctx, inp["apiId"]))


@operation("GetApis")
async def get_apis(ctx: Ctx, inp: dict[str, Any]) -> dict[str, Any]:
    return await page(ctx, kinds.V2_API, "", inp, lambda api: view_api(ctx, api))


_UPDATABLE = (
    "name",
    "description",
    "version",
    "routeSelectionExpression",
    "apiKeySelectionExpression",
    "disableExecuteApiEndpoint",
    "disableSchemaValidation",
    "ipAddressType",
)


@operation("UpdateApi")
async def update_api(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    async with ctx.tx() as tx:
        api = await get_api(tx, ctx, inp["apiId"])
        protocol = api["protocolType"]
        for member in _UPDATABLE:
            if member in inp:
                api[member] = inp[member]
        if "disableSchemaValidation" in inp and protocol == "HTTP":
            raise BadRequest("DisableSchemaValidation is supported only for WebSocket APIs")
        _check_selections(api)
        if "corsConfiguration" in inp:
            api["corsConfiguration"] = check_cors(inp["corsConfiguration"], protocol)
        quick = [m for m in _QUICK if inp.get(m) is not None]
        if quick:
            if protocol != "HTTP":
                raise BadRequest(
                    "Quick create (target, routeKey, credentialsArn) is supported only for "
                    "HTTP APIs"
                )
            await quick_update(tx, ctx, api, inp)
        await tx.put(ctx.region, kinds.V2_API, "", api["apiId"], api)
        await redeploy(tx, ctx, api["apiId"])
    return view_api(ctx, api)


@operation("DeleteApi")
async def delete_api(ctx: Ctx, inp: dict[str, Any]) -> None:
    """The API and everything under it: routes (and their responses), integrations (and
    theirs), authorizers, models, stages, deployments and their frozen definitions. AWS
    refuses while a custom domain's API mapping still targets the API (400, its text)."""
    async with ctx.tx() as tx:
        api = await get_api(tx, ctx, inp["apiId"])
        api_id = api["apiId"]
        if await domains_mapping(tx, ctx, api_id):
            raise BadRequest(
                f"Deleting API {api_id} failed. Please remove all API mappings for the API from "
                "your custom domain names."
            )
        for route in await tx.list(ctx.region, kinds.V2_ROUTE, api_id):
            await tx.delete_children(ctx.region, f"{api_id}/{route['routeId']}")
        for integration in await tx.list(ctx.region, kinds.V2_INTEGRATION, api_id):
            await tx.delete_children(ctx.region, f"{api_id}/{integration['integrationId']}")
        await tx.delete_children(ctx.region, api_id)
        await tx.delete(ctx.region, kinds.V2_API, "", api_id)
