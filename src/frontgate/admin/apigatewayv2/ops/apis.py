"""Api operations: CreateApi (with quick create), GetApi, GetApis, UpdateApi, DeleteApi.

Quick create (``target`` and optionally ``routeKey``, ``credentialsArn``) builds, as AWS does, an
integration (AWS_PROXY with payload format 2.0 for a Lambda ARN, HTTP_PROXY for a URL), a route
to it and the ``$default`` stage with ``autoDeploy``, deployed; all three are marked
``apiGatewayManaged``."""

from __future__ import annotations

from typing import Any

from frontgate import ids
from frontgate.admin.apigatewayv2.context import Ctx
from frontgate.admin.apigatewayv2.ops.common import (
    check_tags,
    get_api,
    new_id,
    page,
    pick,
    view_api,
)
from frontgate.admin.apigatewayv2.ops.cors import check_cors
from frontgate.admin.apigatewayv2.ops.integration_rules import (
    check_integration,
    is_http_url,
    is_lambda_uri,
)
from frontgate.admin.apigatewayv2.ops.route_keys import check_route_key
from frontgate.admin.apigatewayv2.registry import operation
from frontgate.admin.errors import BadRequest
from frontgate.compile.http_checks import check_http_deployable
from frontgate.definition import kinds
from frontgate.definition.httpapis import create_deployment, now_iso
from frontgate.state.store import Doc, Tx

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
    elif not rse.startswith(("$request.body.", "${request.body.")) and rse != "$default":
        raise BadRequest(
            f"Invalid route selection expression {rse!r}: for WebSocket APIs it selects a "
            "member of the message, such as $request.body.action"
        )
    key_selection = api.get("apiKeySelectionExpression", API_KEY_SELECTION)
    if key_selection not in _API_KEY_SELECTIONS:
        raise BadRequest(
            f"Invalid API key selection expression {key_selection!r}: must be "
            f"{' or '.join(_API_KEY_SELECTIONS)}"
        )
    api["apiKeySelectionExpression"] = key_selection


def _quick_integration(api: Doc, target: str, credentials: str | None) -> Doc:
    if is_lambda_uri(target):
        doc: Doc = {
            "integrationType": "AWS_PROXY",
            "integrationUri": target,
            "payloadFormatVersion": "2.0",
        }
    elif is_http_url(target):
        doc = {
            "integrationType": "HTTP_PROXY",
            "integrationUri": target,
            "integrationMethod": "ANY",
        }
    else:
        raise BadRequest(
            f"Invalid target {target!r}: quick create takes a Lambda function ARN or a fully "
            "qualified http:// or https:// URL"
        )
    if credentials is not None:
        doc["credentialsArn"] = credentials
    doc = check_integration(doc, api["protocolType"])
    doc["integrationId"] = new_id()
    doc["apiGatewayManaged"] = True
    return doc


async def _quick_create(tx: Tx, ctx: Ctx, api: Doc, inp: dict[str, Any]) -> None:
    api_id = api["apiId"]
    integration = _quick_integration(api, inp["target"], inp.get("credentialsArn"))
    route_key = check_route_key(inp.get("routeKey") or "$default", "HTTP")
    route: Doc = {
        "routeId": new_id(),
        "routeKey": route_key,
        "target": f"integrations/{integration['integrationId']}",
        "authorizationType": "NONE",
        "apiKeyRequired": False,
        "apiGatewayManaged": True,
    }
    await tx.put(
        ctx.region, kinds.V2_INTEGRATION, api_id, integration["integrationId"], integration
    )
    await tx.put(ctx.region, kinds.V2_ROUTE, api_id, route["routeId"], route)
    now = now_iso()
    stage: Doc = {
        "stageName": "$default",
        "autoDeploy": True,
        "apiGatewayManaged": True,
        "createdDate": now,
        "lastUpdatedDate": now,
        "defaultRouteSettings": {"detailedMetricsEnabled": False},
        "routeSettings": {},
        "stageVariables": {},
        "tags": {},
    }
    await tx.put(ctx.region, kinds.V2_STAGE, api_id, "$default", stage)
    deployment = await create_deployment(
        tx, ctx.region, api_id, check=check_http_deployable, stage_name="$default", auto=True
    )
    stage = await tx.get(ctx.region, kinds.V2_STAGE, api_id, "$default") or stage
    stage["lastDeploymentStatusMessage"] = (
        f"Successfully deployed stage with deployment ID '{deployment['deploymentId']}'"
    )
    await tx.put(ctx.region, kinds.V2_STAGE, api_id, "$default", stage)


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
            await _quick_create(tx, ctx, api, inp)
    return view_api(ctx, api)


@operation("GetApi")
async def get_api_op(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    return view_api(ctx, await get_api(ctx.store, ctx, inp["apiId"]))


@operation("GetApis")
async def get_apis(ctx: Ctx, inp: dict[str, Any]) -> dict[str, Any]:
    return await page(ctx, kinds.V2_API, "", inp, lambda api: view_api(ctx, api))
