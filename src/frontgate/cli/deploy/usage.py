"""``AWS::ApiGateway::ApiKey``, ``UsagePlan`` and ``UsagePlanKey``; and the ``apigateway``
family (with ``restapi``'s types) as one, so that plans are swept before the APIs they name."""

from __future__ import annotations

from typing import Any

from frontgate.cli.deploy import restapi
from frontgate.cli.deploy.base import (
    FAMILIES,
    Context,
    Family,
    Made,
    ResourceType,
    found,
    need,
    register,
)
from frontgate.cli.deploy.restapi import api_arn, cfn_tags, sync_tags

API_KEY = "AWS::ApiGateway::ApiKey"
USAGE_PLAN = "AWS::ApiGateway::UsagePlan"
PLAN_KEY = "AWS::ApiGateway::UsagePlanKey"


def apply_key(ctx: Context, logical: str, props: dict[str, Any]) -> Made:
    agw = ctx.client("apigateway")
    key_id = ctx.previous(API_KEY, logical)
    tags = {**cfn_tags(props), **ctx.tags(logical)}
    wanted: dict[str, Any] = {"enabled": bool(props.get("Enabled", False))}
    for key, wire in (
        ("Name", "name"),
        ("Description", "description"),
        ("CustomerId", "customerId"),
    ):
        if key in props:
            wanted[wire] = str(props[key])
    if key_id is not None:
        current = agw.get_api_key(apiKey=key_id, includeValue=True)
        if props.get("Value") not in (None, current.get("value")):
            agw.delete_api_key(apiKey=key_id)  # a key's value cannot change: replaced
            key_id = None
    if key_id is None:
        args = dict(wanted, tags=tags)
        if props.get("Value"):
            args["value"] = str(props["Value"])
        if props.get("StageKeys"):
            args["stageKeys"] = [
                {"restApiId": str(s["RestApiId"]), "stageName": str(s["StageName"])}
                for s in props["StageKeys"]
            ]
        key = agw.create_api_key(**args)
        return Made(key["id"], {"APIKeyId": key["id"]}, "created")
    ops = [
        {"op": "replace", "path": f"/{k}", "value": str(v).lower() if isinstance(v, bool) else v}
        for k, v in wanted.items()
        if current.get(k) != v
    ]
    action = "unchanged"
    if ops:
        agw.update_api_key(apiKey=key_id, patchOperations=ops)
        action = "updated"
    if sync_tags(ctx, agw, api_arn(ctx, f"/apikeys/{key_id}"), current.get("tags") or {}, tags):
        action = "updated"
    return Made(key_id, {"APIKeyId": key_id}, action)


def _plan_args(props: dict[str, Any]) -> dict[str, Any]:
    args: dict[str, Any] = {}
    if "UsagePlanName" in props:
        args["name"] = str(props["UsagePlanName"])
    if props.get("Description"):
        args["description"] = str(props["Description"])
    throttle = props.get("Throttle")
    if throttle:
        args["throttle"] = {
            w: throttle[k]
            for k, w in (("BurstLimit", "burstLimit"), ("RateLimit", "rateLimit"))
            if k in throttle
        }
    quota = props.get("Quota")
    if quota:
        args["quota"] = {
            w: quota[k]
            for k, w in (("Limit", "limit"), ("Period", "period"), ("Offset", "offset"))
            if k in quota
        }
    stages = []
    for s in props.get("ApiStages") or []:
        stage: dict[str, Any] = {"apiId": str(s["ApiId"]), "stage": str(s["Stage"])}
        if s.get("Throttle"):
            stage["throttle"] = {
                path: {"burstLimit": t.get("BurstLimit"), "rateLimit": t.get("RateLimit")}
                for path, t in s["Throttle"].items()
            }
        stages.append(stage)
    args["apiStages"] = stages
    return args


def apply_plan(ctx: Context, logical: str, props: dict[str, Any]) -> Made:
    agw = ctx.client("apigateway")
    plan_id = ctx.previous(USAGE_PLAN, logical)
    tags = {**cfn_tags(props), **ctx.tags(logical)}
    args = _plan_args(props)
    if plan_id is None:
        args.setdefault("name", f"{ctx.stack}-{logical}")
        plan = agw.create_usage_plan(**{k: v for k, v in args.items() if v}, tags=tags)
        return Made(plan["id"], {"Id": plan["id"]}, "created")
    current = agw.get_usage_plan(usagePlanId=plan_id)
    ops: list[dict[str, str]] = []
    for key in ("name", "description"):
        if key in args and current.get(key) != args[key]:
            ops.append({"op": "replace", "path": f"/{key}", "value": args[key]})
    for group in ("throttle", "quota"):
        have, want = current.get(group) or {}, args.get(group) or {}
        for k, v in want.items():
            if have.get(k) != v:
                ops.append({"op": "replace", "path": f"/{group}/{k}", "value": str(v)})
        if have and not want:
            ops.append({"op": "remove", "path": f"/{group}"})
    have_stages = {f"{s['apiId']}:{s['stage']}" for s in current.get("apiStages") or []}
    want_stages = {f"{s['apiId']}:{s['stage']}" for s in args["apiStages"]}
    ops += [
        {"op": "add", "path": "/apiStages", "value": s} for s in sorted(want_stages - have_stages)
    ]
    ops += [
        {"op": "remove", "path": "/apiStages", "value": s}
        for s in sorted(have_stages - want_stages)
    ]
    action = "unchanged"
    if ops:
        agw.update_usage_plan(usagePlanId=plan_id, patchOperations=ops)
        action = "updated"
    if sync_tags(ctx, agw, api_arn(ctx, f"/usageplans/{plan_id}"), current.get("tags") or {}, tags):
        action = "updated"
    return Made(plan_id, {"Id": plan_id}, action)


def apply_plan_key(ctx: Context, logical: str, props: dict[str, Any]) -> Made:
    agw = ctx.client("apigateway")
    plan_id, key_id = str(props["UsagePlanId"]), str(props["KeyId"])
    ctx.claim(plan_id, "keys", key_id)
    if found(agw.get_usage_plan_key, usagePlanId=plan_id, keyId=key_id) is not None:
        return Made(key_id, {"Id": key_id})
    agw.create_usage_plan_key(
        usagePlanId=plan_id, keyId=key_id, keyType=str(props.get("KeyType", "API_KEY"))
    )
    return Made(key_id, {"Id": key_id}, "created")


def discover(ctx: Context) -> None:
    agw = ctx.client("apigateway")
    restapi.discover(ctx)
    for rtype, pager in ((API_KEY, "get_api_keys"), (USAGE_PLAN, "get_usage_plans")):
        owned = ctx.owned.setdefault(rtype, {})
        for page in agw.get_paginator(pager).paginate():
            for item in page.get("items", []):
                if ctx.is_ours(item.get("tags")):
                    owned[item["tags"].get("frontgate:logical-id", "")] = item["id"]


def _gone(ctx: Context, rtype: str, logical: str, physical: str) -> bool:
    made = ctx.made.get(logical)
    return ctx.types.get(logical) != rtype or made is None or made.ref != physical


def sweep(ctx: Context) -> None:
    agw = ctx.client("apigateway")
    for logical, plan_id in ctx.owned.get(USAGE_PLAN, {}).items():
        if _gone(ctx, USAGE_PLAN, logical, plan_id):
            for key in agw.get_usage_plan_keys(usagePlanId=plan_id).get("items", []):
                agw.delete_usage_plan_key(usagePlanId=plan_id, keyId=key["id"])
            stages = agw.get_usage_plan(usagePlanId=plan_id).get("apiStages") or []
            if stages:  # a plan naming stages cannot be deleted
                ops = [
                    {"op": "remove", "path": "/apiStages", "value": f"{s['apiId']}:{s['stage']}"}
                    for s in stages
                ]
                agw.update_usage_plan(usagePlanId=plan_id, patchOperations=ops)
            agw.delete_usage_plan(usagePlanId=plan_id)
            ctx.say(f"  deleted {USAGE_PLAN} {logical} ({plan_id})")
            continue
        for key in agw.get_usage_plan_keys(usagePlanId=plan_id).get("items", []):
            if key["id"] not in ctx.claimed_ids(plan_id, "keys"):
                agw.delete_usage_plan_key(usagePlanId=plan_id, keyId=key["id"])
                ctx.say(f"  deleted {PLAN_KEY} {key['id']} of plan {plan_id}")
    for logical, key_id in ctx.owned.get(API_KEY, {}).items():
        if _gone(ctx, API_KEY, logical, key_id):
            agw.delete_api_key(apiKey=key_id)
            ctx.say(f"  deleted {API_KEY} {logical} ({key_id})")
    restapi.sweep(ctx)


def _check_key(logical: str, props: dict[str, Any]) -> None:
    pass


def _check_plan_key(logical: str, props: dict[str, Any]) -> None:
    need(logical, props, "KeyId", "KeyType", "UsagePlanId")


register(
    ResourceType(API_KEY, apply_key, frozenset({"APIKeyId"}), _check_key),
    ResourceType(USAGE_PLAN, apply_plan, frozenset({"Id"})),
    ResourceType(PLAN_KEY, apply_plan_key, frozenset({"Id"}), _check_plan_key),
)
FAMILIES.append(
    Family(
        "apigateway",
        frozenset(
            {restapi.REST_API, restapi.DEPLOYMENT, restapi.STAGE, API_KEY, USAGE_PLAN, PLAN_KEY}
        ),
        discover,
        sweep,
    )
)
