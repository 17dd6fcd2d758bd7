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
    diff,
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


def apply_route(ctx: Context, logical: str, props: dict[str, Any]) -> Made:
    v2 = ctx.client("apigatewayv2")
    api_id, key = str(props["ApiId"]), str(props["RouteKey"])
    fields = pick(props, _ROUTE_FIELDS)
    found = [r for r in items(ctx, "get_routes", ApiId=api_id) if r["RouteKey"] == key]
    action = "unchanged"
    if not found:
        route = v2.create_route(ApiId=api_id, RouteKey=key, **fields)
        action = "created"
    else:
        route = found[0]
        wanted = diff(route, fields)
        if wanted:
            route = v2.update_route(ApiId=api_id, RouteId=route["RouteId"], **wanted)
            action = "updated"
    ctx.claim(api_id, "routes", route["RouteId"])
    if action != "unchanged":
        ctx.touched.add(api_id)
    return Made(route["RouteId"], {}, action)


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
    v2 = ctx.client("apigatewayv2")
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
    action = "unchanged"
    if not same:
        integ = v2.create_integration(ApiId=api_id, **fields)
        action = "created"
    else:
        integ = same[0]
        wanted = diff(integ, fields)
        if wanted:
            integ = v2.update_integration(
                ApiId=api_id, IntegrationId=integ["IntegrationId"], **wanted
            )
            action = "updated"
    ctx.claim(api_id, "integrations", integ["IntegrationId"])
    if action != "unchanged":
        ctx.touched.add(api_id)
    return Made(integ["IntegrationId"], {}, action)


def apply_authorizer(ctx: Context, logical: str, props: dict[str, Any]) -> Made:
    v2 = ctx.client("apigatewayv2")
    api_id, name = str(props["ApiId"]), str(props["Name"])
    fields = pick(props, _AUTHORIZER_FIELDS)
    found = [a for a in items(ctx, "get_authorizers", ApiId=api_id) if a["Name"] == name]
    action = "unchanged"
    if not found:
        auth = v2.create_authorizer(ApiId=api_id, Name=name, **fields)
        action = "created"
    else:
        auth = found[0]
        wanted = diff(auth, fields)
        if wanted:
            auth = v2.update_authorizer(ApiId=api_id, AuthorizerId=auth["AuthorizerId"], **wanted)
            action = "updated"
    ctx.claim(api_id, "authorizers", auth["AuthorizerId"])
    if action != "unchanged":
        ctx.touched.add(api_id)
    return Made(auth["AuthorizerId"], {"AuthorizerId": auth["AuthorizerId"]}, action)


def apply_stage(ctx: Context, logical: str, props: dict[str, Any]) -> Made:
    from botocore.exceptions import ClientError

    v2 = ctx.client("apigatewayv2")
    api_id, name = str(props["ApiId"]), str(props["StageName"])
    ctx.claim(api_id, "stages", name)
    fields = pick(props, _STAGE_FIELDS)
    tags = {**{str(k): str(v) for k, v in (props.get("Tags") or {}).items()}, **ctx.tags(logical)}
    try:
        current = v2.get_stage(ApiId=api_id, StageName=name)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NotFoundException":
            raise
        current = None
    if current is None:
        v2.create_stage(ApiId=api_id, StageName=name, **fields, Tags=tags)
        return Made(name, {}, "created")
    action = "unchanged"
    wanted = diff(current, fields)
    if wanted:
        v2.update_stage(ApiId=api_id, StageName=name, **wanted)
        action = "updated"
    if sync_tags(ctx, arn(ctx, f"/apis/{api_id}/stages/{name}"), current.get("Tags") or {}, tags):
        action = "updated"
    return Made(name, {}, action)


def apply_deployment(ctx: Context, logical: str, props: dict[str, Any]) -> Made:
    from botocore.exceptions import ClientError

    v2 = ctx.client("apigatewayv2")
    api_id = str(props["ApiId"])
    stage = props.get("StageName")
    if stage and api_id not in ctx.touched:
        try:
            current = v2.get_stage(ApiId=api_id, StageName=str(stage))
            if current.get("DeploymentId"):
                return Made(current["DeploymentId"], {"DeploymentId": current["DeploymentId"]})
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "NotFoundException":
                raise
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
