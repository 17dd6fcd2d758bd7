"""Store and load whole REST API definitions; deployments freeze them, stages point at them."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from frontgate import ids
from frontgate.definition import kinds
from frontgate.definition.model import ApiDefinition, Doc
from frontgate.state.store import ConfigStore, Tx


async def save_api(tx: Tx, region: str, defn: ApiDefinition, *, replace: bool = False) -> None:
    """Write a whole definition. With ``replace`` the API's current children go first."""
    api_id = defn.rest_api["id"]
    if replace:
        for kind in kinds.DEFINITION_KINDS:
            for doc in await tx.list(region, kind, api_id):
                await tx.delete(region, kind, api_id, _key(kind, doc))
    await tx.put(region, kinds.REST_API, "", api_id, defn.rest_api)
    for res in defn.resources:
        await tx.put(region, kinds.RESOURCE, api_id, res["id"], res)
    for model in defn.models:
        await tx.put(region, kinds.MODEL, api_id, model["name"], model)
    for auth in defn.authorizers:
        await tx.put(region, kinds.AUTHORIZER, api_id, auth["id"], auth)
    for val in defn.request_validators:
        await tx.put(region, kinds.REQUEST_VALIDATOR, api_id, val["id"], val)
    for gr in defn.gateway_responses:
        await tx.put(region, kinds.GATEWAY_RESPONSE, api_id, gr["responseType"], gr)


def _key(kind: str, doc: Doc) -> str:
    if kind == kinds.MODEL:
        return str(doc["name"])
    if kind == kinds.GATEWAY_RESPONSE:
        return str(doc["responseType"])
    return str(doc["id"])


async def load_api(tx: Tx | ConfigStore, region: str, api_id: str) -> ApiDefinition | None:
    rest_api = await tx.get(region, kinds.REST_API, "", api_id)
    if rest_api is None:
        return None
    return ApiDefinition(
        rest_api=rest_api,
        resources=await tx.list(region, kinds.RESOURCE, api_id),
        models=await tx.list(region, kinds.MODEL, api_id),
        authorizers=await tx.list(region, kinds.AUTHORIZER, api_id),
        request_validators=await tx.list(region, kinds.REQUEST_VALIDATOR, api_id),
        gateway_responses=await tx.list(region, kinds.GATEWAY_RESPONSE, api_id),
    )


async def create_deployment(
    tx: Tx,
    region: str,
    api_id: str,
    *,
    check: Callable[[ApiDefinition], None],
    stage_name: str | None = None,
    description: str | None = None,
    stage_description: str | None = None,
    variables: dict[str, str] | None = None,
    extra_stage: dict[str, Any] | None = None,
) -> Doc:
    """Freeze the API's current definition as a new deployment; with ``stage_name`` create that
    stage or point it at the new deployment (as CreateDeployment does). ``check`` (the
    compiler's ``check_deployable``) raises, storing nothing, if the API would not compile; it
    is a parameter because definitions sit below the compiler that reads them."""
    defn = await load_api(tx, region, api_id)
    if defn is None:
        raise KeyError(api_id)
    check(defn)
    now = int(time.time())
    deployment: Doc = {"id": ids.short_id(), "createdDate": now}
    if description is not None:
        deployment["description"] = description
    await tx.put(region, kinds.DEPLOYMENT, api_id, deployment["id"], deployment)
    await tx.put(region, kinds.SNAPSHOT, api_id, deployment["id"], defn.to_snapshot())
    if stage_name:
        stage = await tx.get(region, kinds.STAGE, api_id, stage_name)
        if stage is None:
            stage = new_stage(stage_name, deployment["id"], now)
            if stage_description is not None:
                stage["description"] = stage_description
        stage["deploymentId"] = deployment["id"]
        stage["lastUpdatedDate"] = now
        if variables is not None:
            stage["variables"] = {**stage.get("variables", {}), **variables}
        if extra_stage:
            stage.update(extra_stage)
        await tx.put(region, kinds.STAGE, api_id, stage_name, stage)
    return deployment


def new_stage(stage_name: str, deployment_id: str, now: int) -> Doc:
    """A Stage document with the defaults AWS fills in on creation."""
    return {
        "stageName": stage_name,
        "deploymentId": deployment_id,
        "cacheClusterEnabled": False,
        "cacheClusterStatus": "NOT_AVAILABLE",
        "methodSettings": {},
        "tracingEnabled": False,
        "createdDate": now,
        "lastUpdatedDate": now,
    }
