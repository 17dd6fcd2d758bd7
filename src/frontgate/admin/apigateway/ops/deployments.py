"""Deployment operations: a deployment freezes the API's definition as a snapshot."""

from __future__ import annotations

import re
from typing import Any

from frontgate.admin.apigateway.context import Ctx, Doc
from frontgate.admin.apigateway.names import check_variables
from frontgate.admin.apigateway.ops.common import (
    check_description,
    get_api,
    need_in_api,
    pick,
    store_page,
)
from frontgate.admin.apigateway.patch import apply_patch, rule
from frontgate.admin.apigateway.registry import operation
from frontgate.admin.errors import BadRequest
from frontgate.compile.checks import DefinitionError, check_deployable
from frontgate.definition import kinds
from frontgate.definition.model import ApiDefinition
from frontgate.definition.restapis import create_deployment as freeze

_NOT_FOUND = "Invalid Deployment identifier specified"
_STAGE_NAME = re.compile(r"[a-zA-Z0-9_\-]{1,128}")
_RULES = (rule("/description", "replace", "remove"),)


def check_stage_name(name: str) -> None:
    if not _STAGE_NAME.fullmatch(name):
        raise BadRequest("Stage name only allows a-zA-Z0-9_-")


def api_summary(snapshot: Doc) -> dict[str, dict[str, Doc]]:
    """``apiSummary``: path -> method -> {authorizationType, apiKeyRequired}."""
    out: dict[str, dict[str, Doc]] = {}
    for res in ApiDefinition.from_snapshot(snapshot).resources:
        for verb, method in (res.get("resourceMethods") or {}).items():
            out.setdefault(res["path"], {})[verb] = {
                "authorizationType": method.get("authorizationType", "NONE"),
                "apiKeyRequired": bool(method.get("apiKeyRequired")),
            }
    return out


@operation("CreateDeployment")
async def create_deployment(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    api_id = inp["restApiId"]
    check_description(inp)
    check_variables(inp.get("variables"))
    if inp.get("stageName"):
        check_stage_name(inp["stageName"])
    async with ctx.tx() as tx:
        await get_api(tx, ctx, api_id)
        resources = await tx.list(ctx.region, kinds.RESOURCE, api_id)
        if not any(r.get("resourceMethods") for r in resources):
            raise BadRequest("The REST API doesn't contain any methods")
        extra = pick(inp, "cacheClusterEnabled", "cacheClusterSize", "tracingEnabled")
        if extra.get("cacheClusterEnabled"):
            extra.setdefault("cacheClusterSize", "0.5")
            extra["cacheClusterStatus"] = "AVAILABLE"
        try:
            if inp.get("canarySettings") is not None:
                return await _canary_deployment(ctx, tx, inp)
            return await freeze(
                tx,
                ctx.region,
                api_id,
                check=check_deployable,
                stage_name=inp.get("stageName"),
                description=inp.get("description"),
                stage_description=inp.get("stageDescription"),
                variables=inp.get("variables"),
                extra_stage=extra,
            )
        except DefinitionError as exc:
            raise BadRequest(str(exc)) from None


async def _canary_deployment(ctx: Ctx, tx: Any, inp: dict[str, Any]) -> Doc:
    """A canary release: the stage keeps its deployment, the new one becomes its canary (AWS's
    recorded messages and the canarySettings it fills in)."""
    api_id, name = inp["restApiId"], inp.get("stageName")
    prefix = "Invalid deployment content specified."
    if not name:
        shown = "null" if name is None else name
        raise BadRequest(
            f"{prefix}Non null and non empty stageName must be provided for canary deployment. "
            f"Provided value is {shown}"
        )
    stage = await tx.get(ctx.region, kinds.STAGE, api_id, name)
    if stage is None:
        raise BadRequest(
            f"{prefix}Stage {name} must already be created before making a canary release "
            "deployment"
        )
    deployment = await freeze(
        tx, ctx.region, api_id, check=check_deployable, description=inp.get("description")
    )
    canary = dict(inp["canarySettings"])
    stage["canarySettings"] = {
        "deploymentId": deployment["id"],
        "percentTraffic": float(canary.pop("percentTraffic", 0.0)),
        "useStageCache": bool(canary.pop("useStageCache", False)),
        **canary,
    }
    stage["lastUpdatedDate"] = deployment["createdDate"]
    await tx.put(ctx.region, kinds.STAGE, api_id, name, stage)
    return deployment


@operation("GetDeployment")
async def get_deployment(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    api_id = inp["restApiId"]
    dep = await need_in_api(
        ctx.store, ctx, kinds.DEPLOYMENT, api_id, inp["deploymentId"], _NOT_FOUND
    )
    if "apisummary" in [e.lower() for e in inp.get("embed") or []]:
        snap = await ctx.store.get(ctx.region, kinds.SNAPSHOT, api_id, dep["id"])
        dep["apiSummary"] = api_summary(snap or {"restApi": {}})
    return dep


@operation("GetDeployments")
async def get_deployments(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    await get_api(ctx.store, ctx, inp["restApiId"])
    return await store_page(ctx, kinds.DEPLOYMENT, inp["restApiId"], inp)


@operation("UpdateDeployment")
async def update_deployment(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    api_id = inp["restApiId"]
    async with ctx.tx() as tx:
        dep = await need_in_api(tx, ctx, kinds.DEPLOYMENT, api_id, inp["deploymentId"], _NOT_FOUND)
        dep = apply_patch(dep, inp.get("patchOperations"), _RULES)
        await tx.put(ctx.region, kinds.DEPLOYMENT, api_id, dep["id"], dep)
    return dep


@operation("DeleteDeployment")
async def delete_deployment(ctx: Ctx, inp: dict[str, Any]) -> None:
    api_id, dep_id = inp["restApiId"], inp["deploymentId"]
    async with ctx.tx() as tx:
        await need_in_api(tx, ctx, kinds.DEPLOYMENT, api_id, dep_id, _NOT_FOUND)
        for stage in await tx.list(ctx.region, kinds.STAGE, api_id):
            canary = (stage.get("canarySettings") or {}).get("deploymentId")
            if dep_id in (stage.get("deploymentId"), canary):
                raise BadRequest(
                    "Active stages pointing to this deployment must be moved or deleted"
                )
        await tx.delete(ctx.region, kinds.DEPLOYMENT, api_id, dep_id)
        await tx.delete(ctx.region, kinds.SNAPSHOT, api_id, dep_id)
