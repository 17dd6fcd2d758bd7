"""``AWS::ApiGatewayV2::Api`` (quick create with ``Target``, or OpenAPI import from ``Body``)
through the ``apigatewayv2`` API, and the family's discovery and sweep: an API the template
keeps loses the children (routes, integrations, authorizers, stages) it no longer declares;
what quick create made is the API's own and stays. The children are ``httproutes``'."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from frontgate.cli.deploy.base import (
    FAMILIES,
    PROBE_ID,
    Context,
    Family,
    Made,
    ResourceType,
    changed,
    need,
    refuse,
    register,
)
from frontgate.cli.deploy.v2common import (
    API,
    AUTHORIZER,
    BODY_TAG,
    DEPLOYMENT,
    INTEGRATION,
    ROUTE,
    STAGE,
    arn,
    items,
    listing,
    pick,
    sync_tags,
)

_API_FIELDS = (
    "Name",
    "Description",
    "CorsConfiguration",
    "RouteSelectionExpression",
    "ApiKeySelectionExpression",
    "DisableExecuteApiEndpoint",
    "DisableSchemaValidation",
    "Version",
)
_QUICK = ("Target", "RouteKey", "CredentialsArn")


def _check_api(logical: str, props: dict[str, Any]) -> None:
    refuse(logical, props, "BodyS3Location", "put the OpenAPI document in Body")
    if "Body" not in props:
        need(logical, props, "Name", "ProtocolType")


def _claim_quick_create(ctx: Context, api_id: str, props: dict[str, Any]) -> None:
    """What quick create made belongs to the API, not to the sweep."""
    if not props.get("Target"):
        return
    key = str(props.get("RouteKey") or "$default")
    ctx.claim(api_id, "stages", "$default")
    for route in items(ctx, "get_routes", ApiId=api_id):
        if route["RouteKey"] == key:
            ctx.claim(api_id, "routes", route["RouteId"])
            target = str(route.get("Target", ""))
            if target.startswith("integrations/"):
                ctx.claim(api_id, "integrations", target.split("/", 1)[1])


def apply_api(ctx: Context, logical: str, props: dict[str, Any]) -> Made:
    v2 = ctx.client("apigatewayv2")
    api_id = ctx.previous(API, logical)
    tags = {**{str(k): str(v) for k, v in (props.get("Tags") or {}).items()}, **ctx.tags(logical)}
    body = props.get("Body")
    data = ""
    if body is not None:
        data = body if isinstance(body, str) else json.dumps(body, sort_keys=True)
        tags[BODY_TAG] = hashlib.sha256(data.encode()).hexdigest()
    import_args: dict[str, Any] = {"FailOnWarnings": bool(props.get("FailOnWarnings", False))}
    if props.get("BasePath"):
        import_args["Basepath"] = str(props["BasePath"])
    fields = pick(props, _API_FIELDS)
    action = "unchanged"
    current = v2.get_api(ApiId=api_id) if api_id else None
    if (
        current is not None
        and "ProtocolType" in props
        and current["ProtocolType"] != props["ProtocolType"]
    ):
        v2.delete_api(ApiId=api_id)  # the protocol cannot change: replaced, as CloudFormation does
        current = api_id = None
    if current is None:
        if body is not None:
            api = v2.import_api(Body=data, **import_args)
            api_id = api["ApiId"]
            v2.tag_resource(ResourceArn=arn(ctx, f"/apis/{api_id}"), Tags=tags)
            extra = changed(api, fields)
            if extra:
                v2.update_api(ApiId=api_id, **extra)
        else:
            api = v2.create_api(
                **fields,
                ProtocolType=props["ProtocolType"],
                **pick(props, _QUICK),
                Tags=tags,
            )
            api_id = api["ApiId"]
        action = "created"
    else:
        assert api_id is not None
        if body is not None and (current.get("Tags") or {}).get(BODY_TAG) != tags[BODY_TAG]:
            v2.reimport_api(ApiId=api_id, Body=data, **import_args)
            action = "updated"
            current = v2.get_api(ApiId=api_id)
        wanted = changed(current, fields)
        if "CorsConfiguration" in current and "CorsConfiguration" not in props:
            v2.delete_cors_configuration(ApiId=api_id)
            action = "updated"
        if wanted or (
            props.get("Target") and action == "unchanged" and _quick_changed(ctx, api_id, props)
        ):
            v2.update_api(ApiId=api_id, **wanted, **pick(props, _QUICK))
            action = "updated"
        if sync_tags(ctx, arn(ctx, f"/apis/{api_id}"), current.get("Tags") or {}, tags):
            action = "updated"
        api = v2.get_api(ApiId=api_id)
    _claim_quick_create(ctx, api_id, props)
    if body is not None:  # what the OpenAPI document made is the API's own, not swept
        for kind, method, ident in (
            ("routes", "get_routes", "RouteId"),
            ("integrations", "get_integrations", "IntegrationId"),
            ("authorizers", "get_authorizers", "AuthorizerId"),
        ):
            for item in listing(ctx, method, api_id):
                ctx.claim(api_id, kind, item[ident])
    if action != "unchanged":
        ctx.touched.add(api_id)
    return Made(api_id, {"ApiId": api_id, "ApiEndpoint": api.get("ApiEndpoint", "")}, action)


def _quick_changed(ctx: Context, api_id: str, props: dict[str, Any]) -> bool:
    """Whether quick create's route no longer has the template's key or target."""
    key = str(props.get("RouteKey") or "$default")
    routes = [r for r in items(ctx, "get_routes", ApiId=api_id) if r["RouteKey"] == key]
    if not routes:
        return True
    target = str(routes[0].get("Target", ""))
    if not target.startswith("integrations/"):
        return True
    integ = ctx.client("apigatewayv2").get_integration(
        ApiId=api_id, IntegrationId=target.split("/", 1)[1]
    )
    return bool(integ.get("IntegrationUri") != props["Target"])


def discover(ctx: Context) -> None:
    owned = ctx.owned.setdefault(API, {})
    for api in items(ctx, "get_apis"):
        if ctx.is_ours(api.get("Tags")):
            owned[api["Tags"].get("frontgate:logical-id", "")] = api["ApiId"]


def sweep(ctx: Context) -> None:
    v2 = ctx.client("apigatewayv2")
    for logical, api_id in ctx.owned.get(API, {}).items():
        made = ctx.made.get(logical)
        if ctx.types.get(logical) != API or made is None or made.ref != api_id:
            v2.delete_api(ApiId=api_id)
            ctx.say(f"  deleted {API} {logical} ({api_id})")
            continue
        if not api_id:
            continue
        for kind, method, ident, delete in (
            ("routes", "get_routes", "RouteId", "delete_route"),
            ("integrations", "get_integrations", "IntegrationId", "delete_integration"),
            ("authorizers", "get_authorizers", "AuthorizerId", "delete_authorizer"),
            ("stages", "get_stages", "StageName", "delete_stage"),
        ):
            for item in listing(ctx, method, api_id):
                if kind == "integrations" and item.get("ApiGatewayManaged"):
                    continue  # quick create's integration cannot be deleted (as on AWS)
                if item[ident] not in ctx.claimed_ids(api_id, kind):
                    getattr(v2, delete)(ApiId=api_id, **{ident: item[ident]})
                    ctx.say(f"  deleted {kind[:-1]} {item[ident]} of {api_id}")


def _probes(props: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    probe_arn = f"arn:aws:apigateway:us-east-1::/apis/{PROBE_ID}"
    calls: list[tuple[str, str, dict[str, Any]]] = [("apigatewayv2", "get_apis", {})]
    if "Body" in props:
        calls += [
            ("apigatewayv2", "reimport_api", {"ApiId": PROBE_ID, "Body": "{}"}),
            ("apigatewayv2", "tag_resource", {"ResourceArn": probe_arn, "Tags": {"a": "b"}}),
        ]
    return calls


register(ResourceType(API, apply_api, frozenset({"ApiId", "ApiEndpoint"}), _check_api, _probes))
FAMILIES.append(
    Family(
        "apigatewayv2",
        frozenset({API, ROUTE, INTEGRATION, STAGE, AUTHORIZER, DEPLOYMENT}),
        discover,
        sweep,
    )
)
