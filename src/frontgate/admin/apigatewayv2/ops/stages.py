"""Stage operations: CreateStage, GetStage, GetStages, UpdateStage, DeleteStage,
DeleteAccessLogSettings, DeleteRouteSettings, ResetAuthorizersCache.

A stage with ``autoDeploy`` is deployed when it is created or switched on (if the API deploys)
and after every change to the API's definition."""

from __future__ import annotations

from typing import Any

from frontgate.admin.apigatewayv2.context import Ctx
from frontgate.admin.apigatewayv2.ops.api_mappings import domains_mapping
from frontgate.admin.apigatewayv2.ops.common import check_quota, check_tags, get_api, need, page
from frontgate.admin.apigatewayv2.ops.stage_rules import check_stage, check_stage_name
from frontgate.admin.apigatewayv2.registry import operation
from frontgate.admin.errors import BadRequest, Conflict, NotFound
from frontgate.compile.http_checks import check_http_deployable
from frontgate.definition import kinds
from frontgate.definition.httpapis import create_deployment, now_iso
from frontgate.state.store import Doc, Tx

_MEMBERS = (
    "accessLogSettings",
    "autoDeploy",
    "clientCertificateId",
    "defaultRouteSettings",
    "deploymentId",
    "description",
    "routeSettings",
    "stageVariables",
)


def view_stage(stage: Doc) -> Doc:
    """A stage as answered: ``tags``, ``stageVariables``, ``routeSettings`` always there (AWS
    answers ``{}`` for none)."""
    return {
        "tags": {},
        "stageVariables": {},
        "routeSettings": {},
        "defaultRouteSettings": {"detailedMetricsEnabled": False},
        **stage,
    }


async def _deploy_now(tx: Tx, ctx: Ctx, api_id: str, stage: Doc) -> None:
    """Deploy an ``autoDeploy`` stage at once; a definition that does not deploy leaves the
    stage as it is, with the reason (as AWS's auto-deploy does)."""
    try:
        deployment = await create_deployment(
            tx, ctx.region, api_id, check=check_http_deployable, auto=True
        )
    except ValueError as exc:
        stage["lastDeploymentStatusMessage"] = f"Deployment failed: {exc}"
        return
    stage["deploymentId"] = deployment["deploymentId"]
    stage["lastDeploymentStatusMessage"] = (
        f"Successfully deployed stage with deployment ID '{deployment['deploymentId']}'"
    )


async def _check_deployment(tx: Tx, ctx: Ctx, api_id: str, stage: Doc) -> None:
    deployment_id = stage.get("deploymentId")
    if deployment_id is not None:
        await need(tx, ctx, kinds.V2_DEPLOYMENT, api_id, deployment_id, "Deployment")


async def _check_route_keys(tx: Tx, ctx: Ctx, api_id: str, settings: Doc | None) -> None:
    """Per-route settings name routes of the API (AWS answers 404 otherwise)."""
    if not settings:
        return
    keys = {str(r.get("routeKey")) for r in await tx.list(ctx.region, kinds.V2_ROUTE, api_id)}
    for key in settings:
        if key not in keys:
            raise NotFound(f"Unable to find Route by key {key} within the provided RouteSettings")


async def get_stage_doc(r: Any, ctx: Ctx, api_id: str, stage_name: str) -> Doc:
    stage = await r.get(ctx.region, kinds.V2_STAGE, api_id, stage_name)
    if stage is None:
        raise NotFound(f"Invalid stage identifier specified {stage_name}")
    return stage  # type: ignore[no-any-return]


@operation("CreateStage")
async def create_stage(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    async with ctx.tx() as tx:
        api = await get_api(tx, ctx, inp["apiId"])
        api_id = api["apiId"]
        name = inp["stageName"]
        check_stage_name(name)
        await check_quota(tx, ctx, kinds.V2_STAGE, api["apiId"])
        now = now_iso()
        stage: Doc = {
            "stageName": name,
            "createdDate": now,
            "lastUpdatedDate": now,
            "autoDeploy": False,
            "defaultRouteSettings": {"detailedMetricsEnabled": False},
            "routeSettings": {},
            "stageVariables": {},
            "tags": check_tags(inp.get("tags")),
            **{m: inp[m] for m in _MEMBERS if m in inp},
        }
        stage["defaultRouteSettings"] = {
            "detailedMetricsEnabled": False,
            **stage["defaultRouteSettings"],
        }
        check_stage(stage, api["protocolType"])
        await _check_route_keys(tx, ctx, api_id, inp.get("routeSettings"))
        if stage["autoDeploy"] and "deploymentId" in inp:
            raise BadRequest("A deploymentId cannot be set on a stage with autoDeploy enabled")
        await _check_deployment(tx, ctx, api_id, stage)
        if not await tx.insert(ctx.region, kinds.V2_STAGE, api_id, name, stage):
            raise Conflict(f"Stage {name} already exists")
        if stage["autoDeploy"]:
            await _deploy_now(tx, ctx, api_id, stage)
            await tx.put(ctx.region, kinds.V2_STAGE, api_id, name, stage)
    return view_stage(stage)


@operation("GetStage")
async def get_stage(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    await get_api(ctx.store, ctx, inp["apiId"])
    return view_stage(await get_stage_doc(ctx.store, ctx, inp["apiId"], inp["stageName"]))


@operation("GetStages")
async def get_stages(ctx: Ctx, inp: dict[str, Any]) -> dict[str, Any]:
    await get_api(ctx.store, ctx, inp["apiId"])
    return await page(ctx, kinds.V2_STAGE, inp["apiId"], inp, view_stage)


@operation("UpdateStage")
async def update_stage(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    async with ctx.tx() as tx:
        api = await get_api(tx, ctx, inp["apiId"])
        api_id = api["apiId"]
        old = await get_stage_doc(tx, ctx, api_id, inp["stageName"])
        stage = {**old, **{m: inp[m] for m in _MEMBERS if m in inp}}
        if "routeSettings" in inp:  # a route's settings merge into its existing ones
            merged = dict(old.get("routeSettings") or {})
            for key, settings in inp["routeSettings"].items():
                merged[key] = {**merged.get(key, {}), **settings}
            stage["routeSettings"] = merged
        if "defaultRouteSettings" in inp:
            stage["defaultRouteSettings"] = {
                **(old.get("defaultRouteSettings") or {}),
                **inp["defaultRouteSettings"],
            }
        if "stageVariables" in inp:
            # AWS merges the map; a variable sent with an empty value is removed.
            merged_vars = {**(old.get("stageVariables") or {}), **inp["stageVariables"]}
            stage["stageVariables"] = {k: v for k, v in merged_vars.items() if v != ""}
        if "accessLogSettings" in inp and not any(
            v is not None for v in (inp["accessLogSettings"] or {}).values()
        ):
            # An empty object changes nothing (DeleteAccessLogSettings is how logs stop).
            if old.get("accessLogSettings"):
                stage["accessLogSettings"] = old["accessLogSettings"]
            else:
                stage.pop("accessLogSettings", None)
        check_stage(stage, api["protocolType"])
        await _check_route_keys(tx, ctx, api_id, inp.get("routeSettings"))
        if stage.get("autoDeploy") and "deploymentId" in inp:
            raise BadRequest("A deploymentId cannot be set on a stage with autoDeploy enabled")
        await _check_deployment(tx, ctx, api_id, stage)
        stage["lastUpdatedDate"] = now_iso()
        if stage.get("autoDeploy") and not old.get("autoDeploy"):
            await _deploy_now(tx, ctx, api_id, stage)
        await tx.put(ctx.region, kinds.V2_STAGE, api_id, stage["stageName"], stage)
    return view_stage(stage)


@operation("DeleteStage")
async def delete_stage(ctx: Ctx, inp: dict[str, Any]) -> None:
    async with ctx.tx() as tx:
        api = await get_api(tx, ctx, inp["apiId"])
        stage = await get_stage_doc(tx, ctx, api["apiId"], inp["stageName"])
        domains = await domains_mapping(tx, ctx, api["apiId"], stage["stageName"])
        if domains:  # AWS's text: a mapping may not point at a stage that is gone
            raise BadRequest(
                f"Deleting stage {stage['stageName']} failed. Please remove all base path "
                f"mappings related to the stage in your domains: {', '.join(domains)}"
            )
        await tx.delete(ctx.region, kinds.V2_STAGE, api["apiId"], stage["stageName"])


@operation("DeleteAccessLogSettings")
async def delete_access_log_settings(ctx: Ctx, inp: dict[str, Any]) -> None:
    async with ctx.tx() as tx:
        api = await get_api(tx, ctx, inp["apiId"])
        stage = await get_stage_doc(tx, ctx, api["apiId"], inp["stageName"])
        if stage.pop("accessLogSettings", None) is not None:
            stage["lastUpdatedDate"] = now_iso()
            await tx.put(ctx.region, kinds.V2_STAGE, api["apiId"], stage["stageName"], stage)


@operation("DeleteRouteSettings")
async def delete_route_settings(ctx: Ctx, inp: dict[str, Any]) -> None:
    async with ctx.tx() as tx:
        api = await get_api(tx, ctx, inp["apiId"])
        stage = await get_stage_doc(tx, ctx, api["apiId"], inp["stageName"])
        settings = stage.get("routeSettings") or {}
        if inp["routeKey"] not in settings:
            raise NotFound(f"Unable to find route settings for route key {inp['routeKey']}")
        del settings[inp["routeKey"]]
        stage["routeSettings"] = settings
        stage["lastUpdatedDate"] = now_iso()
        await tx.put(ctx.region, kinds.V2_STAGE, api["apiId"], stage["stageName"], stage)


@operation("ResetAuthorizersCache")
async def reset_authorizers_cache(ctx: Ctx, inp: dict[str, Any]) -> None:
    """Records a runtime change every worker applies (as FlushStageAuthorizersCache): the
    stage's cached Lambda authorizer results are dropped."""
    api = await get_api(ctx.store, ctx, inp["apiId"])
    stage = await get_stage_doc(ctx.store, ctx, api["apiId"], inp["stageName"])
    if ctx.settings.on_flush_cache is not None:
        ctx.settings.on_flush_cache(ctx.region, api["apiId"], stage["stageName"], "authorizers")
