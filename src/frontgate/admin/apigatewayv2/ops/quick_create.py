"""Quick create: CreateApi's (and UpdateApi's) ``target``, ``routeKey`` and ``credentialsArn``.
As on AWS, it builds an integration (AWS_PROXY with payload format 2.0 for a Lambda function
ARN, HTTP_PROXY with method ANY for a URL), a route to it (``$default`` unless ``routeKey``
says) and, on CreateApi, the ``$default`` stage with ``autoDeploy``, deployed. All three are
marked ``apiGatewayManaged``. Registers no operation."""

from __future__ import annotations

from typing import Any

from frontgate.admin.apigatewayv2.context import Ctx
from frontgate.admin.apigatewayv2.ops.common import new_id
from frontgate.admin.apigatewayv2.ops.integration_rules import (
    check_integration,
    is_http_url,
    is_lambda_uri,
)
from frontgate.admin.apigatewayv2.ops.route_keys import check_route_key
from frontgate.admin.errors import BadRequest, Conflict
from frontgate.compile.http_checks import check_http_deployable
from frontgate.definition import kinds
from frontgate.definition.httpapis import create_deployment, now_iso
from frontgate.state.store import Doc, Tx


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


async def quick_create(tx: Tx, ctx: Ctx, api: Doc, inp: dict[str, Any]) -> None:
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


async def quick_update(tx: Tx, ctx: Ctx, api: Doc, inp: dict[str, Any]) -> None:
    """UpdateApi's quick-create members: retarget the managed integration (and re-key the
    managed route); an API made without quick create gets its managed route and integration
    now (no stage: AWS makes the ``$default`` stage only on CreateApi)."""
    api_id = api["apiId"]
    managed = [
        i
        for i in await tx.list(ctx.region, kinds.V2_INTEGRATION, api_id)
        if i.get("apiGatewayManaged")
    ]
    routes = [
        r for r in await tx.list(ctx.region, kinds.V2_ROUTE, api_id) if r.get("apiGatewayManaged")
    ]
    if not managed:
        if inp.get("target") is None:
            raise BadRequest(
                "routeKey and credentialsArn can be updated only with target on an API made "
                "without quick create"
            )
        integration = _quick_integration(api, inp["target"], inp.get("credentialsArn"))
        route_key = check_route_key(inp.get("routeKey") or "$default", "HTTP")
        for other in await tx.list(ctx.region, kinds.V2_ROUTE, api_id):
            if other["routeKey"] == route_key:
                raise Conflict(f"Route with key {route_key} already exists for this API")
        route: Doc = {
            "routeId": new_id(),
            "routeKey": route_key,
            "target": f"integrations/{integration['integrationId']}",
            "authorizationType": "NONE",
            "apiKeyRequired": False,
            "apiGatewayManaged": True,
        }
        await tx.put(
            ctx.region, kinds.V2_INTEGRATION, api_id, str(integration["integrationId"]), integration
        )
        await tx.put(ctx.region, kinds.V2_ROUTE, api_id, route["routeId"], route)
        return
    integration = managed[0]
    if inp.get("target") is not None:
        fresh = _quick_integration(
            api, inp["target"], inp.get("credentialsArn", integration.get("credentialsArn"))
        )
        fresh["integrationId"] = integration["integrationId"]
        integration = fresh
    elif "credentialsArn" in inp:
        integration["credentialsArn"] = inp["credentialsArn"]
    await tx.put(
        ctx.region, kinds.V2_INTEGRATION, api_id, str(integration["integrationId"]), integration
    )
    if inp.get("routeKey") is not None and routes:
        route_key = check_route_key(inp["routeKey"], "HTTP")
        for other in await tx.list(ctx.region, kinds.V2_ROUTE, api_id):
            if other["routeKey"] == route_key and other["routeId"] != routes[0]["routeId"]:
                raise Conflict(f"Route with key {route_key} already exists for this API")
        routes[0]["routeKey"] = route_key
        await tx.put(ctx.region, kinds.V2_ROUTE, api_id, routes[0]["routeId"], routes[0])
