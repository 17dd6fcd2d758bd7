"""``AWS::ApiGatewayV2::Route``, ``Integration``, ``Stage``, ``Authorizer`` and ``Deployment``:
an HTTP API's children, found inside their API (a route by its route key, a stage or an
authorizer by its name, an integration by its type and URI)."""

from __future__ import annotations

from typing import Any

from frontgate.cli.deploy.base import (
    PROBE_ID,
    Context,
    Made,
    ResourceType,
    changed,
    found,
    need,
    register,
)
from frontgate.cli.deploy.v2common import (
    AUTHORIZER,
    DEPLOYMENT,
    INTEGRATION,
    ROUTE,
    STAGE,
    arn,
    items,
    pick,
    sync_tags,
)

_ROUTE_FIELDS = (
    "Target",
    "AuthorizationType",
    "AuthorizerId",
    "AuthorizationScopes",
    "ApiKeyRequired",
    "OperationName",
    "RequestModels",
    "RequestParameters",
    "ModelSelectionExpression",
    "RouteResponseSelectionExpression",
)
_INTEGRATION_FIELDS = (
    "IntegrationType",
    "IntegrationUri",
    "IntegrationMethod",
    "IntegrationSubtype",
    "PayloadFormatVersion",
    "TimeoutInMillis",
    "ConnectionType",
    "ConnectionId",
    "CredentialsArn",
    "Description",
    "PassthroughBehavior",
    "RequestParameters",
    "RequestTemplates",
    "TemplateSelectionExpression",
    "TlsConfig",
    "ContentHandlingStrategy",
)
_STAGE_FIELDS = (
    "AutoDeploy",
    "DeploymentId",
    "Description",
    "StageVariables",
    "DefaultRouteSettings",
    "RouteSettings",
    "AccessLogSettings",
    "ClientCertificateId",
)
_AUTHORIZER_FIELDS = (
    "AuthorizerType",
    "AuthorizerUri",
    "AuthorizerCredentialsArn",
    "AuthorizerPayloadFormatVersion",
    "AuthorizerResultTtlInSeconds",
    "EnableSimpleResponses",
    "IdentitySource",
    "IdentityValidationExpression",
    "JwtConfiguration",
)


def _put(
    ctx: Context,
    api_id: str,
    kind: str,
    same: list[dict[str, Any]],
    fields: dict[str, Any],
    **key: Any,
) -> tuple[str, str]:
    """Create an API's child of ``kind`` (``route``, ``integration``, ``authorizer``) with
    ``key`` and ``fields``, or bring the first of ``same`` (those it may be) up to date; the
    child is claimed, and the API marked touched when it changed. Its id and the action."""
    v2 = ctx.client("apigatewayv2")
    id_name = f"{kind.capitalize()}Id"
    action = "unchanged"
    if not same:
        child = getattr(v2, f"create_{kind}")(ApiId=api_id, **key, **fields)
        action = "created"
    else:
        child = same[0]
        wanted = changed(child, fields)
        if wanted:
            update = getattr(v2, f"update_{kind}")
            child = update(ApiId=api_id, **{id_name: child[id_name]}, **wanted)
            action = "updated"
    ctx.claim(api_id, f"{kind}s", child[id_name])
    if action != "unchanged":
        ctx.touched.add(api_id)
    return str(child[id_name]), action


def apply_route(ctx: Context, logical: str, props: dict[str, Any]) -> Made:
    api_id, key = str(props["ApiId"]), str(props["RouteKey"])
    fields = pick(props, _ROUTE_FIELDS)
    same = [r for r in items(ctx, "get_routes", ApiId=api_id) if r["RouteKey"] == key]
    route_id, action = _put(ctx, api_id, "route", same, fields, RouteKey=key)
    return Made(route_id, {}, action)


def _integration_args(props: dict[str, Any]) -> dict[str, Any]:
    args = pick(props, _INTEGRATION_FIELDS)
    mapping = props.get("ResponseParameters")
    if mapping:  # CloudFormation lists {Destination, Source}; the API takes a map
        args["ResponseParameters"] = {
            str(status): {
                str(p["Destination"]): str(p["Source"])
                for p in (spec.get("ResponseParameters") if isinstance(spec, dict) else spec) or []
            }
            for status, spec in mapping.items()
        }
    return args


def _targeted(
    ctx: Context, api_id: str, logical: str, existing: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The integration that a route the template points at this one targets now: the same
    integration as before with other properties, updated in place as CloudFormation would."""
    keys = {str(ctx.resolve(raw)) for raw in ctx.route_keys.get(logical, [])}
    ids = {
        str(r.get("Target", "")).removeprefix("integrations/")
        for r in items(ctx, "get_routes", ApiId=api_id)
        if r["RouteKey"] in keys
    }
    return [i for i in existing if i["IntegrationId"] in ids]


def apply_integration(ctx: Context, logical: str, props: dict[str, Any]) -> Made:
    api_id = str(props["ApiId"])
    fields = _integration_args(props)
    taken = ctx.claimed_ids(api_id, "integrations")
    existing = [
        i for i in items(ctx, "get_integrations", ApiId=api_id) if i["IntegrationId"] not in taken
    ]
    same = [
        i
        for i in existing
        if i.get("IntegrationType") == fields.get("IntegrationType")
        and i.get("IntegrationUri") == fields.get("IntegrationUri")
        and i.get("IntegrationSubtype") == fields.get("IntegrationSubtype")
    ] or _targeted(ctx, api_id, logical, existing)
    integration_id, action = _put(ctx, api_id, "integration", same, fields)
    return Made(integration_id, {}, action)


def apply_authorizer(ctx: Context, logical: str, props: dict[str, Any]) -> Made:
    api_id, name = str(props["ApiId"]), str(props["Name"])
    fields = pick(props, _AUTHORIZER_FIELDS)
    same = [a for a in items(ctx, "get_authorizers", ApiId=api_id) if a["Name"] == name]
    authorizer_id, action = _put(ctx, api_id, "authorizer", same, fields, Name=name)
    return Made(authorizer_id, {"AuthorizerId": authorizer_id}, action)


def apply_stage(ctx: Context, logical: str, props: dict[str, Any]) -> Made:
    v2 = ctx.client("apigatewayv2")
    api_id, name = str(props["ApiId"]), str(props["StageName"])
    ctx.claim(api_id, "stages", name)
    fields = pick(props, _STAGE_FIELDS)
    tags = {**{str(k): str(v) for k, v in (props.get("Tags") or {}).items()}, **ctx.tags(logical)}
    current = found(v2.get_stage, ApiId=api_id, StageName=name)
    if current is None:
        v2.create_stage(ApiId=api_id, StageName=name, **fields, Tags=tags)
        return Made(name, {}, "created")
    action = "unchanged"
    wanted = changed(current, fields)
    if wanted:
        v2.update_stage(ApiId=api_id, StageName=name, **wanted)
        action = "updated"
    if sync_tags(ctx, arn(ctx, f"/apis/{api_id}/stages/{name}"), current.get("Tags") or {}, tags):
        action = "updated"
    return Made(name, {}, action)


def apply_deployment(ctx: Context, logical: str, props: dict[str, Any]) -> Made:
    v2 = ctx.client("apigatewayv2")
    api_id = str(props["ApiId"])
    stage = props.get("StageName")
    if stage and api_id not in ctx.touched:
        current = found(v2.get_stage, ApiId=api_id, StageName=str(stage))
        if current is not None and current.get("DeploymentId"):
            return Made(current["DeploymentId"], {"DeploymentId": current["DeploymentId"]})
    dep = v2.create_deployment(ApiId=api_id, **pick(props, ("StageName", "Description")))
    return Made(dep["DeploymentId"], {"DeploymentId": dep["DeploymentId"]}, "created")


def _needs(*names: str) -> Any:
    return lambda logical, props: need(logical, props, *names)


register(
    ResourceType(ROUTE, apply_route, frozenset(), _needs("ApiId", "RouteKey")),
    ResourceType(INTEGRATION, apply_integration, frozenset(), _needs("ApiId", "IntegrationType")),
    ResourceType(STAGE, apply_stage, frozenset(), _needs("ApiId", "StageName")),
    ResourceType(
        AUTHORIZER,
        apply_authorizer,
        frozenset({"AuthorizerId"}),
        _needs("ApiId", "AuthorizerType", "Name"),
        lambda props: [("apigatewayv2", "get_authorizers", {"ApiId": PROBE_ID})],
    ),
    ResourceType(DEPLOYMENT, apply_deployment, frozenset({"DeploymentId"}), _needs("ApiId")),
)
