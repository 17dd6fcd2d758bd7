"""UsagePlanKey operations and GetUsage/UpdateUsage.

Usage counts are written by the traffic-control side as ``usage`` documents (parent: plan id,
id ``"<keyId>:<YYYY-MM-DD>"``, body ``{"used": n}``, UTC days). ``remaining`` is the plan's quota
limit minus what was used in the quota period up to that day."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from frontgate.admin.apigateway.context import Ctx, Doc, Reader
from frontgate.admin.apigateway.ops.apikeys import NOT_FOUND as KEY_NOT_FOUND
from frontgate.admin.apigateway.ops.common import need, store_page
from frontgate.admin.apigateway.ops.usageplans import NOT_FOUND as PLAN_NOT_FOUND
from frontgate.admin.apigateway.patch import COUNT, parse_ops
from frontgate.admin.apigateway.registry import operation
from frontgate.admin.errors import BadRequest, Conflict, NotFound
from frontgate.definition import kinds
from frontgate.traffic.crypto import unseal
from frontgate.traffic.periods import period_bounds, usage_id

_PLAN_KEY_NOT_FOUND = "Invalid Usage Plan Key identifier specified"


async def _view(r: Reader, ctx: Ctx, key_id: str) -> Doc:
    key = unseal(ctx.settings.keyring, await r.get(ctx.region, kinds.API_KEY, "", key_id) or {})
    out = {"id": key_id, "type": "API_KEY", "value": key.get("value")}
    if key.get("name") is not None:
        out["name"] = key["name"]
    return out


@operation("CreateUsagePlanKey")
async def create_usage_plan_key(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    plan_id, key_id = inp["usagePlanId"], inp["keyId"]
    if inp["keyType"] != "API_KEY":
        raise BadRequest(f"Invalid key type specified: {inp['keyType']}")
    async with ctx.tx() as tx:
        plan = await need(tx, ctx, kinds.USAGE_PLAN, "", plan_id, PLAN_NOT_FOUND)
        await need(tx, ctx, kinds.API_KEY, "", key_id, KEY_NOT_FOUND)
        if await tx.get(ctx.region, kinds.USAGE_PLAN_KEY, plan_id, key_id) is not None:
            raise Conflict(f"Usage Plan Key {key_id} already exists in Usage Plan {plan_id}")
        mine = {(s["apiId"], s["stage"]) for s in plan.get("apiStages", [])}
        # A key may be in several plans, but only one plan per API stage.
        for other in await tx.list(ctx.region, kinds.USAGE_PLAN):
            if other["id"] == plan_id:
                continue
            if await tx.get(ctx.region, kinds.USAGE_PLAN_KEY, other["id"], key_id) is None:
                continue
            for s in other.get("apiStages", []):
                if (s["apiId"], s["stage"]) in mine:
                    raise Conflict(
                        f"Usage Plan {plan_id} cannot be added because API Key {key_id} cannot "
                        f"reference multiple Usage Plans with the same API Stage: "
                        f"{s['apiId']}:{s['stage']}"
                    )
        await tx.put(
            ctx.region, kinds.USAGE_PLAN_KEY, plan_id, key_id, {"id": key_id, "type": "API_KEY"}
        )
        return await _view(tx, ctx, key_id)


@operation("GetUsagePlanKey")
async def get_usage_plan_key(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    await need(ctx.store, ctx, kinds.USAGE_PLAN, "", inp["usagePlanId"], PLAN_NOT_FOUND)
    await need(
        ctx.store, ctx, kinds.USAGE_PLAN_KEY, inp["usagePlanId"], inp["keyId"], _PLAN_KEY_NOT_FOUND
    )
    return await _view(ctx.store, ctx, inp["keyId"])


@operation("GetUsagePlanKeys")
async def get_usage_plan_keys(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    plan_id = inp["usagePlanId"]
    # An unknown plan has no keys: AWS answers an empty page, not 404 (recorded).
    name_query = inp.get("nameQuery")

    async def item(doc: Doc) -> Doc | None:
        v = await _view(ctx.store, ctx, doc["id"])
        if name_query and not (v.get("name") or "").startswith(name_query):
            return None
        return v

    return await store_page(ctx, kinds.USAGE_PLAN_KEY, plan_id, inp, item)


@operation("DeleteUsagePlanKey")
async def delete_usage_plan_key(ctx: Ctx, inp: dict[str, Any]) -> None:
    async with ctx.tx() as tx:
        await need(tx, ctx, kinds.USAGE_PLAN, "", inp["usagePlanId"], PLAN_NOT_FOUND)
        if not await tx.delete(ctx.region, kinds.USAGE_PLAN_KEY, inp["usagePlanId"], inp["keyId"]):
            raise NotFound(_PLAN_KEY_NOT_FOUND)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"Invalid date format specified: {value}. Use YYYY-MM-DD") from None


def period_start(day: dt.date, quota: Doc) -> dt.date:
    """First day of the quota period holding ``day``, computed exactly as the data plane's
    enforcement does (``traffic.periods``: UTC, ``offset`` = the day the period starts)."""
    moment = calendar.timegm((day.year, day.month, day.day, 12, 0, 0))
    start, _ = period_bounds(
        str(quota.get("period") or "DAY"), int(quota.get("offset") or 0), moment
    )
    return dt.datetime.fromtimestamp(start, dt.UTC).date()


class _Counts:
    """Per-key per-day ``used`` counts, read once each (the store lists bodies, not ids)."""

    def __init__(self, r: Reader, ctx: Ctx, plan_id: str) -> None:
        self.r, self.ctx, self.plan_id = r, ctx, plan_id
        self.memo: dict[tuple[str, dt.date], int] = {}

    async def used(self, key_id: str, day: dt.date) -> int:
        if (key_id, day) not in self.memo:
            doc = await self.r.get(
                self.ctx.region, kinds.USAGE, self.plan_id, usage_id(key_id, day.isoformat())
            )
            self.memo[key_id, day] = int((doc or {}).get("used", 0))
        return self.memo[key_id, day]

    async def spent(self, key_id: str, first: dt.date, last: dt.date) -> int:
        total = 0
        while first <= last:
            total += await self.used(key_id, first)
            first += dt.timedelta(days=1)
        return total


async def _series(
    plan: Doc, key_id: str, counts: _Counts, start: dt.date, end: dt.date
) -> list[list[int]]:
    quota = plan.get("quota") or {}
    limit = quota.get("limit")
    out = []
    day = start
    while day <= end:
        # Without a quota there is nothing to count down from; AWS's value is unknown: 0.
        remaining = 0
        if limit is not None:
            remaining = limit - await counts.spent(key_id, period_start(day, quota), day)
        out.append([await counts.used(key_id, day), remaining])
        day += dt.timedelta(days=1)
    return out


@operation("GetUsage")
async def get_usage(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    plan = await need(ctx.store, ctx, kinds.USAGE_PLAN, "", inp["usagePlanId"], PLAN_NOT_FOUND)
    start, end = _date(inp["startDate"]), _date(inp["endDate"])
    if end < start:
        raise BadRequest("The end date must not be before the start date")
    keys = [d["id"] for d in await ctx.store.list(ctx.region, kinds.USAGE_PLAN_KEY, plan["id"])]
    if inp.get("keyId"):
        keys = [k for k in keys if k == inp["keyId"]]
    if (end - start).days > 366:
        raise BadRequest("The date range must not exceed one year")
    counts = _Counts(ctx.store, ctx, plan["id"])
    items = {k: await _series(plan, k, counts, start, end) for k in keys}
    return {
        "usagePlanId": plan["id"],
        "startDate": inp["startDate"],
        "endDate": inp["endDate"],
        "items": items,
    }


@operation("UpdateUsage")
async def update_usage(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    plan_id, key_id = inp["usagePlanId"], inp["keyId"]
    today = dt.datetime.now(dt.UTC).date()
    async with ctx.tx() as tx:
        plan = await need(tx, ctx, kinds.USAGE_PLAN, "", plan_id, PLAN_NOT_FOUND)
        await need(tx, ctx, kinds.USAGE_PLAN_KEY, plan_id, key_id, _PLAN_KEY_NOT_FOUND)
        limit = (plan.get("quota") or {}).get("limit")
        for op in parse_ops(inp.get("patchOperations")):
            if op.path != "/remaining" or op.op != "replace":
                raise BadRequest(
                    f"Invalid patch path  '{op.path}' specified for op '{op.op}'. "
                    "Must be one of: [/remaining]"
                )
            if limit is None:
                raise BadRequest("Usage plan does not have a quota")
            try:
                remaining = COUNT(op.value, op.path)  # a whole number from 0 to 2^31-1
            except BadRequest:
                raise BadRequest(f"Invalid remaining value specified: {op.value}") from None
            first = period_start(today, plan["quota"])
            earlier = await _Counts(tx, ctx, plan_id).spent(key_id, first, today - dt.timedelta(1))
            # The count is the one number the enforcer reads: a negative day is a credit.
            doc_id = usage_id(key_id, today.isoformat())
            await tx.put(
                ctx.region, kinds.USAGE, plan_id, doc_id, {"used": limit - remaining - earlier}
            )
        series = await _series(plan, key_id, _Counts(tx, ctx, plan_id), today, today)
    if ctx.settings.on_usage_update is not None:
        await ctx.settings.on_usage_update(ctx.region, plan_id, key_id)
    day = today.isoformat()
    return {"usagePlanId": plan_id, "startDate": day, "endDate": day, "items": {key_id: series}}
