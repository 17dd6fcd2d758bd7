"""UsagePlan operations: API stages, plan and per-method throttles, quotas."""

from __future__ import annotations

from typing import Any

from frontgate import ids, safejson
from frontgate.admin.apigateway.context import Ctx, Doc, Reader
from frontgate.admin.apigateway.ops.common import (
    HTTP_METHODS,
    arn_tags,
    need,
    pick,
    store_page,
    with_tags,
)
from frontgate.admin.apigateway.patch import COUNT, RATE, PatchOp, apply_patch, enum_of, rule
from frontgate.admin.apigateway.registry import operation
from frontgate.admin.errors import BadRequest, NotFound
from frontgate.definition import kinds

NOT_FOUND = "Invalid Usage Plan ID specified"
_RULES = (
    rule("/name"),
    rule("/description", "replace", "remove"),
    rule("/productCode", "replace", "remove"),
    rule("/throttle/burstLimit", conv=COUNT),
    rule("/throttle/rateLimit", conv=RATE),
    rule("/throttle", "remove"),
    rule("/quota/limit", conv=COUNT),
    rule("/quota/offset", conv=COUNT),
    rule("/quota/period", conv=enum_of("DAY", "WEEK", "MONTH")),
    rule("/quota", "remove"),
    rule("/apiStages", "add", "remove", listed=False),
)


def _stage_missing(plan_id: str, api_id: str, stage: str) -> NotFound:
    return NotFound(
        f"Invalid API Stage {{api: {api_id}, stage: {stage}}} specified for usageplan {plan_id}"
    )


async def check_api_stage(r: Reader, ctx: Ctx, plan_id: str, api_id: str, stage: str) -> None:
    """The stage exists: a REST API's, or a WebSocket API's (HTTP APIs have no usage plans)."""
    if await r.get(ctx.region, kinds.STAGE, api_id, stage) is not None:
        return
    api = await r.get(ctx.region, kinds.V2_API, "", api_id)
    websocket = api is not None and api.get("protocolType") == "WEBSOCKET"
    if websocket and await r.get(ctx.region, kinds.V2_STAGE, api_id, stage) is not None:
        return
    raise _stage_missing(plan_id, api_id, stage)


def _method_key(segments: tuple[str, ...]) -> str:
    """``("/pets", "GET")`` -> ``"/pets/GET"``; the root is ``"//GET"`` as AWS writes it."""
    verb = segments[-1]
    if verb not in HTTP_METHODS and verb != "*":
        raise BadRequest(f"Invalid method specified: {verb}")
    path = "/".join(segments[:-1])
    return ("/" + path.lstrip("/") if path != "/" else "/") + "/" + verb


def _throttle(value: Any, where: str = "throttle") -> Doc:
    """Throttle settings from a JSON body or a patch value, each number checked as a patch value
    would be (``COUNT`` / ``RATE``): non-negative and finite."""
    if not isinstance(value, dict):
        raise BadRequest("Invalid throttle settings specified")
    out: Doc = {}
    for field, conv in (("burstLimit", COUNT), ("rateLimit", RATE)):
        raw = value.get(field)
        if raw is None:
            continue
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            raise BadRequest("Invalid throttle settings specified")
        number = conv(raw if isinstance(raw, str) else repr(raw), f"{where}/{field}")
        out[field] = number if field == "burstLimit" else float(number)
    return out


def _api_stages_patch(plan: Doc, op: PatchOp) -> bool:
    segs = op.segments
    if not segs or segs[0] != "apiStages":
        return False
    stages: list[Doc] = plan.setdefault("apiStages", [])
    if len(segs) == 1:
        api_id, _, stage = (op.value or "").partition(":")
        if not api_id or not stage:
            raise BadRequest("Invalid API Stage specified")
        present = [s for s in stages if (s["apiId"], s["stage"]) == (api_id, stage)]
        if op.op == "add" and not present:
            stages.append({"apiId": api_id, "stage": stage})
        elif op.op == "remove":
            if not present:
                raise _stage_missing(plan["id"], api_id, stage)
            stages.remove(present[0])
        return op.op in ("add", "remove")
    api_id, _, stage = segs[1].partition(":")
    target = next((s for s in stages if (s["apiId"], s["stage"]) == (api_id, stage)), None)
    if target is None:
        raise _stage_missing(plan["id"], api_id, stage)
    if len(segs) < 3 or segs[2] != "throttle":
        raise BadRequest(f"Invalid patch path {op.path}")
    throttles: dict[str, Doc] = target.setdefault("throttle", {})
    if len(segs) == 3:  # the whole map, as a JSON string
        if op.op == "remove":
            target.pop("throttle", None)
        else:
            try:
                raw = safejson.loads(op.value or "{}")
            except ValueError:
                raise BadRequest("Invalid throttle settings specified") from None
            if not isinstance(raw, dict):
                raise BadRequest("Invalid throttle settings specified")
            target["throttle"] = {k: _throttle(v, op.path) for k, v in raw.items()}
        return True
    if op.op == "remove":
        throttles.pop(_method_key(segs[3:]), None)
        return True
    field = segs[-1]
    if field not in ("burstLimit", "rateLimit") or len(segs) < 6:
        raise BadRequest(f"Invalid patch path {op.path}")
    entry = throttles.setdefault(_method_key(segs[3:-1]), {})
    entry[field] = COUNT(op.value, op.path) if field == "burstLimit" else RATE(op.value, op.path)
    return True


def _normalise(plan: Doc) -> None:
    if plan.get("throttle") is not None:
        plan["throttle"] = _throttle(plan["throttle"])
        if not plan["throttle"]:
            del plan["throttle"]
    quota = plan.get("quota")
    if quota:
        if quota.get("period") is None or quota.get("limit") is None:
            raise BadRequest("Quota period and limit must be specified")
        for field in ("limit", "offset"):
            if quota.get(field) is not None:
                COUNT(str(quota[field]), f"quota/{field}")
        quota.setdefault("offset", 0)
    elif "quota" in plan:
        del plan["quota"]


@operation("CreateUsagePlan")
async def create_usage_plan(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    plan: Doc = {"id": ids.short_id()}
    plan.update(pick(inp, "name", "description", "throttle", "quota", "productCode"))
    plan["apiStages"] = [dict(s) for s in inp.get("apiStages") or []]
    _normalise(plan)
    if inp.get("tags"):
        plan["tags"] = arn_tags(inp)
    async with ctx.tx() as tx:
        for s in plan["apiStages"]:
            await check_api_stage(tx, ctx, plan["id"], s.get("apiId", ""), s.get("stage", ""))
        await tx.put(ctx.region, kinds.USAGE_PLAN, "", plan["id"], plan)
    return plan


@operation("GetUsagePlan")
async def get_usage_plan(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    plan = await need(ctx.store, ctx, kinds.USAGE_PLAN, "", inp["usagePlanId"], NOT_FOUND)
    return with_tags(plan)


@operation("GetUsagePlans")
async def get_usage_plans(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    key_id = inp.get("keyId")
    if not key_id:
        return await store_page(ctx, kinds.USAGE_PLAN, "", inp)

    async def item(plan: Doc) -> Doc | None:
        found = await ctx.store.get(ctx.region, kinds.USAGE_PLAN_KEY, plan["id"], key_id)
        return plan if found else None

    return await store_page(ctx, kinds.USAGE_PLAN, "", inp, item)


@operation("UpdateUsagePlan")
async def update_usage_plan(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    async with ctx.tx() as tx:
        plan = await need(tx, ctx, kinds.USAGE_PLAN, "", inp["usagePlanId"], NOT_FOUND)
        before = {(s["apiId"], s["stage"]) for s in plan.get("apiStages", [])}
        plan = apply_patch(plan, inp.get("patchOperations"), _RULES, fallback=_api_stages_patch)
        _normalise(plan)
        for s in plan.get("apiStages", []):
            if (s["apiId"], s["stage"]) not in before:
                await check_api_stage(tx, ctx, plan["id"], s["apiId"], s["stage"])
        await tx.put(ctx.region, kinds.USAGE_PLAN, "", plan["id"], plan)
    return with_tags(plan)


@operation("DeleteUsagePlan")
async def delete_usage_plan(ctx: Ctx, inp: dict[str, Any]) -> None:
    async with ctx.tx() as tx:
        plan = await need(tx, ctx, kinds.USAGE_PLAN, "", inp["usagePlanId"], NOT_FOUND)
        await tx.delete(ctx.region, kinds.USAGE_PLAN, "", plan["id"])
        await tx.delete_children(ctx.region, plan["id"])  # its keys and usage counts
