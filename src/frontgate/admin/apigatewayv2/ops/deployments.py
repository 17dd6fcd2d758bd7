"""Deployment operations: CreateDeployment, GetDeployment, GetDeployments, UpdateDeployment,
DeleteDeployment. A deployment freezes the API's definition (``definition/httpapis.py``) after
the deployability check (``compile/http_checks.py``)."""

from __future__ import annotations

from typing import Any

from frontgate.admin.apigatewayv2.context import Ctx
from frontgate.admin.apigatewayv2.ops.common import get_api, need, page
from frontgate.admin.apigatewayv2.ops.stages import get_stage_doc
from frontgate.admin.apigatewayv2.registry import operation
from frontgate.admin.errors import BadRequest
from frontgate.compile.http_checks import check_http_deployable
from frontgate.definition import kinds
from frontgate.definition.httpapis import create_deployment
from frontgate.state.store import Doc


@operation("CreateDeployment")
async def create_deployment_op(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    async with ctx.tx() as tx:
        api = await get_api(tx, ctx, inp["apiId"])
        stage_name = inp.get("stageName")
        if stage_name is not None:
            stage = await get_stage_doc(tx, ctx, api["apiId"], stage_name)
            if stage.get("autoDeploy"):
                raise BadRequest(
                    f"Stage {stage_name} has autoDeploy enabled: it is deployed on every "
                    "change, and cannot be deployed to by CreateDeployment"
                )
        try:
            deployment = await create_deployment(
                tx,
                ctx.region,
                api["apiId"],
                check=check_http_deployable,
                stage_name=stage_name,
                description=inp.get("description"),
            )
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
    return deployment


@operation("GetDeployment")
async def get_deployment(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    await get_api(ctx.store, ctx, inp["apiId"])
    return await need(
        ctx.store, ctx, kinds.V2_DEPLOYMENT, inp["apiId"], inp["deploymentId"], "Deployment"
    )


@operation("GetDeployments")
async def get_deployments(ctx: Ctx, inp: dict[str, Any]) -> dict[str, Any]:
    await get_api(ctx.store, ctx, inp["apiId"])
    return await page(ctx, kinds.V2_DEPLOYMENT, inp["apiId"], inp)


@operation("UpdateDeployment")
async def update_deployment(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    async with ctx.tx() as tx:
        api = await get_api(tx, ctx, inp["apiId"])
        doc = await need(
            tx, ctx, kinds.V2_DEPLOYMENT, api["apiId"], inp["deploymentId"], "Deployment"
        )
        if "description" in inp:
            doc["description"] = inp["description"]
        await tx.put(ctx.region, kinds.V2_DEPLOYMENT, api["apiId"], doc["deploymentId"], doc)
    return doc


@operation("DeleteDeployment")
async def delete_deployment(ctx: Ctx, inp: dict[str, Any]) -> None:
    async with ctx.tx() as tx:
        api = await get_api(tx, ctx, inp["apiId"])
        doc = await need(
            tx, ctx, kinds.V2_DEPLOYMENT, api["apiId"], inp["deploymentId"], "Deployment"
        )
        users = [
            s["stageName"]
            for s in await tx.list(ctx.region, kinds.V2_STAGE, api["apiId"])
            if s.get("deploymentId") == doc["deploymentId"]
        ]
        if users:
            raise BadRequest(
                "Active stages pointing to this deployment must be moved or deleted "
                f"({', '.join(users)})"
            )
        await tx.delete(ctx.region, kinds.V2_DEPLOYMENT, api["apiId"], doc["deploymentId"])
        await tx.delete(ctx.region, kinds.V2_SNAPSHOT, api["apiId"], doc["deploymentId"])
