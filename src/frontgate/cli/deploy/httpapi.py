"""``AWS::ApiGatewayV2::Api`` (quick create with ``Target``, or OpenAPI import from ``Body``),
``Route``, ``Integration``, ``Stage``, ``Authorizer`` and ``Deployment`` through the
``apigatewayv2`` API. Children are found inside their API: a route by its route key, a stage by
its name, an authorizer by its name, an integration by its type and URI."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from frontgate.cli.deploy.base import (
    FAMILIES,
    Context,
    Family,
    Made,
    ResourceType,
    need,
    refuse,
    register,
)

API = "AWS::ApiGatewayV2::Api"
ROUTE = "AWS::ApiGatewayV2::Route"
INTEGRATION = "AWS::ApiGatewayV2::Integration"
STAGE = "AWS::ApiGatewayV2::Stage"
AUTHORIZER = "AWS::ApiGatewayV2::Authorizer"
DEPLOYMENT = "AWS::ApiGatewayV2::Deployment"
BODY_TAG = "frontgate:body-sha256"

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


def _pick(props: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {k: props[k] for k in names if k in props}


def _diff(current: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in wanted.items() if current.get(k) != v}


def _arn(ctx: Context, path: str) -> str:
    return f"arn:aws:apigateway:{ctx.region}::{path}"


def _sync_tags(ctx: Context, arn: str, have: dict[str, str], want: dict[str, str]) -> bool:
    if have == want:
        return False
    v2 = ctx.client("apigatewayv2")
    v2.tag_resource(ResourceArn=arn, Tags=want)
    gone = [k for k in have if k not in want]
    if gone:
        v2.untag_resource(ResourceArn=arn, TagKeys=gone)
    return True


def _items(ctx: Context, method: str, **args: Any) -> list[dict[str, Any]]:
    """Every item of a ``Get*`` listing, following ``NextToken``."""
    call = getattr(ctx.client("apigatewayv2"), method)
    found: list[dict[str, Any]] = []
    token = None
    while True:
        page = call(**args, **({"NextToken": token} if token else {}))
        found.extend(page.get("Items", []))
        token = page.get("NextToken")
        if not token:
            return found


def _listing(ctx: Context, method: str, api_id: str) -> list[dict[str, Any]]:
    """An API's children for the sweep: none of a kind the node does not implement."""
    from botocore.exceptions import ClientError

    try:
        return _items(ctx, method, ApiId=api_id)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "UnknownOperationException":
            return []
        raise


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
    for route in _items(ctx, "get_routes", ApiId=api_id):
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
    fields = _pick(props, _API_FIELDS)
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
            v2.tag_resource(ResourceArn=_arn(ctx, f"/apis/{api_id}"), Tags=tags)
            extra = _diff(api, fields)
            if extra:
                v2.update_api(ApiId=api_id, **extra)
        else:
            api = v2.create_api(
                **fields,
                ProtocolType=props["ProtocolType"],
                **_pick(props, _QUICK),
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
        wanted = _diff(current, fields)
        if "CorsConfiguration" in current and "CorsConfiguration" not in props:
            v2.delete_cors_configuration(ApiId=api_id)
            action = "updated"
        if wanted or (
            props.get("Target") and action == "unchanged" and _quick_changed(ctx, api_id, props)
        ):
            v2.update_api(ApiId=api_id, **wanted, **_pick(props, _QUICK))
            action = "updated"
        if _sync_tags(ctx, _arn(ctx, f"/apis/{api_id}"), current.get("Tags") or {}, tags):
            action = "updated"
        api = v2.get_api(ApiId=api_id)
    _claim_quick_create(ctx, api_id, props)
    if action != "unchanged":
        ctx.touched.add(api_id)
    return Made(api_id, {"ApiId": api_id, "ApiEndpoint": api.get("ApiEndpoint", "")}, action)


def _quick_changed(ctx: Context, api_id: str, props: dict[str, Any]) -> bool:
    """Whether quick create's route no longer has the template's key or target."""
    key = str(props.get("RouteKey") or "$default")
    routes = [r for r in _items(ctx, "get_routes", ApiId=api_id) if r["RouteKey"] == key]
    if not routes:
        return True
    target = str(routes[0].get("Target", ""))
    if not target.startswith("integrations/"):
        return True
    integ = ctx.client("apigatewayv2").get_integration(
        ApiId=api_id, IntegrationId=target.split("/", 1)[1]
    )
    return bool(integ.get("IntegrationUri") != props["Target"])


def apply_route(ctx: Context, logical: str, props: dict[str, Any]) -> Made:
    v2 = ctx.client("apigatewayv2")
    api_id, key = str(props["ApiId"]), str(props["RouteKey"])
    fields = _pick(props, _ROUTE_FIELDS)
    found = [r for r in _items(ctx, "get_routes", ApiId=api_id) if r["RouteKey"] == key]
    action = "unchanged"
    if not found:
        route = v2.create_route(ApiId=api_id, RouteKey=key, **fields)
        action = "created"
    else:
        route = found[0]
        wanted = _diff(route, fields)
        if wanted:
            route = v2.update_route(ApiId=api_id, RouteId=route["RouteId"], **wanted)
            action = "updated"
    ctx.claim(api_id, "routes", route["RouteId"])
    if action != "unchanged":
        ctx.touched.add(api_id)
    return Made(route["RouteId"], {}, action)


def _integration_args(props: dict[str, Any]) -> dict[str, Any]:
    args = _pick(props, _INTEGRATION_FIELDS)
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


def apply_integration(ctx: Context, logical: str, props: dict[str, Any]) -> Made:
    v2 = ctx.client("apigatewayv2")
    api_id = str(props["ApiId"])
    fields = _integration_args(props)
    taken = ctx.claimed_ids(api_id, "integrations")
    same = [
        i
        for i in _items(ctx, "get_integrations", ApiId=api_id)
        if i["IntegrationId"] not in taken
        and i.get("IntegrationType") == fields.get("IntegrationType")
        and i.get("IntegrationUri") == fields.get("IntegrationUri")
        and i.get("IntegrationSubtype") == fields.get("IntegrationSubtype")
    ]
    action = "unchanged"
    if not same:
        integ = v2.create_integration(ApiId=api_id, **fields)
        action = "created"
    else:
        integ = same[0]
        wanted = _diff(integ, fields)
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
    fields = _pick(props, _AUTHORIZER_FIELDS)
    found = [a for a in _items(ctx, "get_authorizers", ApiId=api_id) if a["Name"] == name]
    action = "unchanged"
    if not found:
        auth = v2.create_authorizer(ApiId=api_id, Name=name, **fields)
        action = "created"
    else:
        auth = found[0]
        wanted = _diff(auth, fields)
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
    fields = _pick(props, _STAGE_FIELDS)
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
    wanted = _diff(current, fields)
    if wanted:
        v2.update_stage(ApiId=api_id, StageName=name, **wanted)
        action = "updated"
    if _sync_tags(ctx, _arn(ctx, f"/apis/{api_id}/stages/{name}"), current.get("Tags") or {}, tags):
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
    dep = v2.create_deployment(ApiId=api_id, **_pick(props, ("StageName", "Description")))
    return Made(dep["DeploymentId"], {"DeploymentId": dep["DeploymentId"]}, "created")


def discover(ctx: Context) -> None:
    owned = ctx.owned.setdefault(API, {})
    for api in _items(ctx, "get_apis"):
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
            for item in _listing(ctx, method, api_id):
                if item[ident] not in ctx.claimed_ids(api_id, kind):
                    getattr(v2, delete)(ApiId=api_id, **{ident: item[ident]})
                    ctx.say(f"  deleted {kind[:-1]} {item[ident]} of {api_id}")


def _needs(*names: str) -> Any:
    return lambda logical, props: need(logical, props, *names)


register(
    ResourceType(API, apply_api, frozenset({"ApiId", "ApiEndpoint"}), _check_api),
    ResourceType(ROUTE, apply_route, frozenset(), _needs("ApiId", "RouteKey")),
    ResourceType(INTEGRATION, apply_integration, frozenset(), _needs("ApiId", "IntegrationType")),
    ResourceType(STAGE, apply_stage, frozenset(), _needs("ApiId", "StageName")),
    ResourceType(
        AUTHORIZER,
        apply_authorizer,
        frozenset({"AuthorizerId"}),
        _needs("ApiId", "AuthorizerType", "Name"),
    ),
    ResourceType(DEPLOYMENT, apply_deployment, frozenset({"DeploymentId"}), _needs("ApiId")),
)
FAMILIES.append(
    Family(
        "apigatewayv2",
        frozenset({API, ROUTE, INTEGRATION, STAGE, AUTHORIZER, DEPLOYMENT}),
        discover,
        sweep,
    )
)
