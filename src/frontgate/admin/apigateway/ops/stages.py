"""Stage operations, including UpdateStage's method settings, access logs and canary paths."""

from __future__ import annotations

from typing import Any

from frontgate.admin.apigateway.context import Ctx, Doc, now
from frontgate.admin.apigateway.names import check_variables
from frontgate.admin.apigateway.ops.common import (
    HTTP_METHODS,
    arn_tags,
    check_description,
    get_api,
    get_stage,
    need_in_api,
    pick,
)
from frontgate.admin.apigateway.ops.deployments import check_stage_name
from frontgate.admin.apigateway.ops.stage_settings import (
    SETTING_DEFAULTS,
    SETTINGS,
    VALID_PATHS,
    access_log,
    setting_key,
)
from frontgate.admin.apigateway.patch import (
    PatchOp,
    apply_patch,
    as_bool,
    as_float,
    enum_of,
    in_range,
    rule,
)
from frontgate.admin.apigateway.registry import operation
from frontgate.admin.errors import BadRequest, Conflict
from frontgate.definition import kinds
from frontgate.definition.restapis import new_stage

CACHE_SIZES = ("0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237")
_TOP_LEVEL = {
    "deploymentId",
    "description",
    "cacheClusterEnabled",
    "cacheClusterSize",
    "clientCertificateId",
    "variables",
    "tracingEnabled",
    "documentationVersion",
    "webAclArn",
}

_PERCENT = in_range(as_float, 0, 100)
_RULES = (
    rule("/deploymentId"),
    rule("/description", "replace", "remove"),
    rule("/cacheClusterEnabled", conv=as_bool),
    rule("/cacheClusterSize", conv=enum_of(*CACHE_SIZES)),
    rule("/clientCertificateId", "replace", "remove"),
    rule("/documentationVersion", "replace", "remove"),
    rule("/webAclArn", "replace", "remove"),
    rule("/tracingEnabled", conv=as_bool),
    rule("/variables/{variable_name}", "add", "replace", "remove", kind="entry"),
    rule("/canarySettings/percentTraffic", conv=_PERCENT),
    rule("/canarySettings/deploymentId"),
    rule("/canarySettings/useStageCache", conv=as_bool),
    rule("/canarySettings/stageVariableOverrides/{name}", "add", "replace", "remove", kind="entry"),
)


def _stage_fallback(doc: Doc, op: PatchOp) -> bool:
    segs = op.segments
    head = segs[0] if segs else ""
    if head == "canarySettings" and op.op not in ("copy", "move"):
        return _canary_patch(doc, op)
    if head in _TOP_LEVEL or head == "canarySettings":
        if op.op == "copy":
            return _promote(doc, op)
        return False
    if head == "accessLogSettings":
        access_log(doc, op)
        return True
    settings = doc.setdefault("methodSettings", {})
    if op.op == "remove" and len(segs) >= 2 and (segs[-1] in HTTP_METHODS or segs[-1] == "*"):
        key = setting_key(segs)
        if settings.pop(key, None) is None:
            raise BadRequest(
                f"Cannot remove method setting {key} because there is no method setting for "
                "this method "
            )
        return True
    found = SETTINGS.get((segs[-2], segs[-1])) if len(segs) >= 4 else None
    if found is None or op.op not in ("replace", "add"):
        raise BadRequest(f"Invalid method setting path: {op.path}. Must be one of: [{VALID_PATHS}]")
    key = setting_key(segs[:-2])
    if key not in settings:
        # A new per-method entry starts from */* as it is now (later */* changes don't flow).
        settings[key] = dict(settings.get("*/*") or SETTING_DEFAULTS)
    member, conv = found
    settings[key][member] = conv(op.value, op.path)
    return True


def _canary_patch(doc: Doc, op: PatchOp) -> bool:
    """``/canarySettings...`` paths, with AWS's recorded answers to the ones it refuses."""
    segs = op.segments
    if op.op == "remove":
        if len(segs) == 1:
            doc.pop("canarySettings", None)  # the canary goes
            return True
        if len(segs) == 3 and segs[1] == "stageVariableOverrides":
            return False
        raise BadRequest(
            f"Cannot remove method setting {'/'.join(segs)} because there is no method setting "
            "for this method "
        )
    if op.op == "add" and segs[1:] == ("deploymentId",):
        raise BadRequest(f"Invalid add operation with path: {op.path}")
    if not any(r.matches(segs) for r in _RULES):
        raise BadRequest(f"Invalid method setting path: {op.path}. Must be one of: [{VALID_PATHS}]")
    return False


def _promote(doc: Doc, op: PatchOp) -> bool:
    """Canary promotion: copy ``/canarySettings/deploymentId`` or its variable overrides."""
    canary = doc.get("canarySettings")
    sources = {
        "/deploymentId": "/canarySettings/deploymentId",
        "/variables": "/canarySettings/stageVariableOverrides",
    }
    if sources.get(op.path) != op.from_:
        raise BadRequest(
            f"Invalid copy operation with path: {op.path} and from {op.from_}. Valid copy:path "
            "are [/deploymentId, /variables] and valid copy:from are "
            "[/canarySettings/deploymentId, /canarySettings/stageVariableOverrides]"
        )
    if not canary:
        raise BadRequest("Promotion not available. Canary does not exist.")
    if op.path == "/deploymentId":
        doc["deploymentId"] = canary.get("deploymentId", doc["deploymentId"])
    else:
        doc.setdefault("variables", {}).update(canary.get("stageVariableOverrides") or {})
    return True


def _canary(canary: Doc | None, deployment_id: str) -> Doc | None:
    if not canary:
        return None
    check_variables(canary.get("stageVariableOverrides"))
    if canary.get("percentTraffic") is not None:
        _PERCENT(repr(canary["percentTraffic"]), "canarySettings/percentTraffic")
    return {"deploymentId": deployment_id, "percentTraffic": 0.0, "useStageCache": False, **canary}


async def _check_deployment(ctx: Ctx, r: Any, api_id: str, dep_id: str | None) -> None:
    if dep_id and await r.get(ctx.region, kinds.DEPLOYMENT, api_id, dep_id) is None:
        raise BadRequest("Deployment id does not exist")


def _changed(before: Doc | None, after: Doc | None) -> Doc:
    """The variables a patch set (a stored stage's other variables are not judged again)."""
    return {k: v for k, v in (after or {}).items() if (before or {}).get(k) != v}


@operation("CreateStage")
async def create_stage(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    api_id, name = inp["restApiId"], inp["stageName"]
    check_stage_name(name)
    check_description(inp)
    check_variables(inp.get("variables"))
    async with ctx.tx() as tx:
        await get_api(tx, ctx, api_id)  # a Create reports the unknown API first
        await need_in_api(
            tx,
            ctx,
            kinds.DEPLOYMENT,
            api_id,
            inp["deploymentId"],
            "Invalid Deployment identifier specified",
        )
        if await tx.get(ctx.region, kinds.STAGE, api_id, name) is not None:
            raise Conflict("Stage already exists")
        stage = new_stage(name, inp["deploymentId"], now())
        stage.update(
            pick(
                inp,
                "description",
                "cacheClusterEnabled",
                "cacheClusterSize",
                "variables",
                "documentationVersion",
                "tracingEnabled",
            )
        )
        if stage["cacheClusterEnabled"]:
            stage.setdefault("cacheClusterSize", "0.5")
            stage["cacheClusterStatus"] = "AVAILABLE"
        canary = _canary(inp.get("canarySettings"), inp["deploymentId"])
        if canary:
            await _check_deployment(ctx, tx, api_id, canary["deploymentId"])
            stage["canarySettings"] = canary
        if inp.get("tags"):
            stage["tags"] = arn_tags(inp)
        await tx.put(ctx.region, kinds.STAGE, api_id, name, stage)
    return stage


# The tag GetStage adds to a stage this node does not serve (its deployment does not compile).
UNSERVABLE_TAG = "frontgate:unservable"


@operation("GetStage")
async def get_stage_op(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    stage = await get_stage(ctx.store, ctx, inp["restApiId"], inp["stageName"])
    problem = ctx.settings.stage_problem
    reason = problem(inp["restApiId"], inp["stageName"]) if problem is not None else None
    if reason is None:
        return stage
    # Said where `aws apigateway get-stage` and boto3 show it: a tag of the answer (never
    # stored; AWS caps tag values at 256 characters), and whole in a header for scripts.
    printable = "".join(c if " " <= c <= "~" else "?" for c in reason)
    ctx.headers.append(("x-frontgate-unservable", printable))
    tags = {**(stage.get("tags") or {}), UNSERVABLE_TAG: printable[:256]}
    return {**stage, "tags": tags}


@operation("GetStages")
async def get_stages(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    await get_api(ctx.store, ctx, inp["restApiId"])
    stages = await ctx.store.list(ctx.region, kinds.STAGE, inp["restApiId"])
    if inp.get("deploymentId"):
        stages = [s for s in stages if s.get("deploymentId") == inp["deploymentId"]]
    return {"item": stages}  # GetStages is not paginated and keeps the wire name ``item``


@operation("UpdateStage")
async def update_stage(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    api_id = inp["restApiId"]
    async with ctx.tx() as tx:
        old = await get_stage(tx, ctx, api_id, inp["stageName"])
        stage = apply_patch(old, inp.get("patchOperations"), _RULES, fallback=_stage_fallback)
        check_variables(_changed(old.get("variables"), stage.get("variables")))
        await _check_deployment(ctx, tx, api_id, stage.get("deploymentId"))
        if stage.get("canarySettings"):
            stage["canarySettings"] = _canary(stage["canarySettings"], stage["deploymentId"])
            await _check_deployment(ctx, tx, api_id, stage["canarySettings"]["deploymentId"])
        if stage.get("cacheClusterEnabled"):
            stage.setdefault("cacheClusterSize", "0.5")
        stage["cacheClusterStatus"] = (
            "AVAILABLE" if stage.get("cacheClusterEnabled") else ("NOT_AVAILABLE")
        )
        if not stage.get("accessLogSettings"):
            stage.pop("accessLogSettings", None)
        stage["lastUpdatedDate"] = now()
        await tx.put(ctx.region, kinds.STAGE, api_id, stage["stageName"], stage)
    return stage


@operation("DeleteStage")
async def delete_stage(ctx: Ctx, inp: dict[str, Any]) -> None:
    async with ctx.tx() as tx:
        stage = await get_stage(tx, ctx, inp["restApiId"], inp["stageName"])
        await tx.delete(ctx.region, kinds.STAGE, inp["restApiId"], stage["stageName"])


async def _flush(ctx: Ctx, inp: dict[str, Any], what: str) -> None:
    await get_stage(ctx.store, ctx, inp["restApiId"], inp["stageName"])
    if ctx.settings.on_flush_cache is not None:
        ctx.settings.on_flush_cache(ctx.region, inp["restApiId"], inp["stageName"], what)


@operation("FlushStageCache")
async def flush_stage_cache(ctx: Ctx, inp: dict[str, Any]) -> None:
    await _flush(ctx, inp, "data")


@operation("FlushStageAuthorizersCache")
async def flush_stage_authorizers_cache(ctx: Ctx, inp: dict[str, Any]) -> None:
    await _flush(ctx, inp, "authorizers")
