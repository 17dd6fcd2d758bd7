"""Compile a WebSocket API stage (apigatewayv2, protocolType WEBSOCKET): its deployment's frozen
definition becomes a ``snapshot.websocket.WsStage`` (routes by key, their integrations, route
responses, the ``$connect`` authorizer), carried by a ``snapshot.Stage`` of kind
``"WEBSOCKET"`` whose trie serves ``@connections/{connectionId}`` (POST, GET, DELETE; AWS_IAM)
through the HTTP pipeline.

``check_ws_compiles`` is the deployability check for WebSocket APIs (``compile.http_checks``)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from frontgate.compile.gateway_responses import compile_gateway_responses
from frontgate.compile.mappings import substitute_stage_variables
from frontgate.compile.tree import StageCompileError, child
from frontgate.definition.httpapis import HttpApiDefinition
from frontgate.definition.model import Doc
from frontgate.observe.plan import stage_plan
from frontgate.observe.ws_plan import ws_observe_plan
from frontgate.pipeline.authorize import iam_stage
from frontgate.pipeline.lambda_authorizer_call import function_arn
from frontgate.pipeline.throttle import plan_http
from frontgate.snapshot.models import CompiledModels
from frontgate.snapshot.snapshot import Integration, Method, RouteNode, Stage
from frontgate.snapshot.websocket import (
    CONNECTIONS_DISPATCH,
    WsAuthorizer,
    WsIntegration,
    WsIntegrationResponse,
    WsRoute,
    WsStage,
)
from frontgate.vtl.engine import VtlSyntaxError, compile_template

_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.[A-Za-z0-9_]+\}")
_FUNCTION = re.compile(
    r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[\w$-]+)?"
)
API_KEY_HEADER = "$request.header.x-api-key"  # apiKeySelectionExpression's default
MAX_TIMEOUT_MS = 29_000  # WebSocket APIs: 50 to 29,000 ms
REST_RESPONSES = compile_gateway_responses([], {})
MANAGE_CONNECTIONS = "execute-api:ManageConnections"
_TYPES = frozenset(("AWS_PROXY", "AWS", "HTTP_PROXY", "HTTP", "MOCK"))


def _templates(doc: Doc, member: str, what: str) -> dict[str, str]:
    out = {str(k): str(v) for k, v in (doc.get(member) or {}).items()}
    for key, text in out.items():
        try:
            compile_template(text)
        except VtlSyntaxError as exc:
            raise ValueError(f"{what} template {key!r} does not parse: {exc}") from None
    return out


def check_uri(itype: str, raw: str) -> None:
    """Raise ``ValueError`` (AWS's wording where AWS has one) when an integration of ``itype``
    cannot be called with ``raw`` as its ``integrationUri`` (stage variables unresolved)."""
    if itype == "MOCK":
        return
    if not raw:
        raise ValueError(f"Integration URI must be specified for integration type {itype}")
    sample = _STAGE_VARIABLE.sub("v", raw)
    if itype in ("HTTP", "HTTP_PROXY"):
        try:
            parts = urlsplit(sample)
            ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"Invalid HTTP endpoint specified for URI: {raw}")
    elif not _FUNCTION.fullmatch(function_arn(sample)):
        # AWS integrations may call other services on AWS; here they invoke functions.
        raise ValueError(
            f"Invalid integration URI {raw}: {itype} integrations of WebSocket APIs invoke a "
            "Lambda function (its ARN or arn:aws:apigateway:{region}:lambda:path/2015-03-31/"
            "functions/{arn}/invocations)"
        )


def _integration(doc: Doc, responses: list[Doc], stage_vars: dict[str, str]) -> WsIntegration:
    itype = str(doc.get("integrationType") or "").upper()
    if itype not in _TYPES:
        raise ValueError(f"unsupported integration type {itype!r}")
    raw = str(doc.get("integrationUri") or "")
    check_uri(itype, raw)
    uri = substitute_stage_variables(raw, stage_vars)
    if itype in ("AWS_PROXY", "AWS"):
        uri = function_arn(uri)
    if itype != "MOCK" and not uri:
        raise ValueError(f"integrationUri {raw} is empty in this stage (a stage variable)")
    timeout_ms = min(int(doc.get("timeoutInMillis") or MAX_TIMEOUT_MS), MAX_TIMEOUT_MS)
    compiled = [
        WsIntegrationResponse(
            str(r.get("integrationResponseKey") or "$default"),
            _templates(r, "responseTemplates", "response"),
            str(r.get("templateSelectionExpression") or ""),
        )
        for r in responses
    ]
    # Patterned keys first, $default last (the fallback).
    compiled.sort(key=lambda r: (r.key == "$default", r.key))
    return WsIntegration(
        type=itype,
        uri=uri,
        method=str(doc.get("integrationMethod") or "POST").upper(),
        timeout=timeout_ms / 1000.0,
        credentials=doc.get("credentialsArn") or None,
        request_templates=_templates(doc, "requestTemplates", "request"),
        template_selection=str(doc.get("templateSelectionExpression") or ""),
        passthrough=str(doc.get("passthroughBehavior") or "WHEN_NO_MATCH"),
        responses=tuple(compiled),
    )


def compile_ws_routes(
    defn: HttpApiDefinition, stage_vars: dict[str, str], stage: Doc | None = None
) -> dict[str, WsRoute]:
    """The API's routes by key; raises ``StageCompileError`` naming what does not compile."""
    integrations: dict[str, WsIntegration] = {}
    for doc in defn.integrations:
        iid = str(doc.get("integrationId"))
        try:
            responses = defn.integration_responses.get(iid, [])
            integrations[iid] = _integration(doc, responses, stage_vars)
        except (ValueError, TypeError) as exc:
            raise StageCompileError(f"Integration {iid}: {exc}") from exc
    authorizers = {str(a.get("authorizerId")): a for a in defn.authorizers}
    models = _Models(defn.models)
    routes: dict[str, WsRoute] = {}
    for route in defn.routes:
        key = str(route.get("routeKey", ""))
        target = str(route.get("target") or "")
        integ = None
        if target:
            integ = integrations.get(target.removeprefix("integrations/"))
            if integ is None or not target.startswith("integrations/"):
                raise StageCompileError(f"{key}: target {target} names no integration")
        auth_type = str(route.get("authorizationType") or "NONE")
        authorizer = None
        if auth_type == "CUSTOM":
            found = authorizers.get(str(route.get("authorizerId")))
            if found is None:
                raise StageCompileError(f"{key}: authorizer {route.get('authorizerId')} missing")
            authorizer = WsAuthorizer(
                str(found.get("authorizerId")),
                function_arn(str(found.get("authorizerUri") or "")),
                tuple(str(s) for s in found.get("identitySource") or ()),
            )
        routes[key] = WsRoute(
            key=key,
            route_id=str(route.get("routeId", "")),
            integration=integ,
            authorization_type=auth_type,
            authorizer=authorizer,
            responds=bool(defn.route_responses.get(str(route.get("routeId")))),
            throttle=plan_http(defn.api_id, stage, key) if stage is not None else None,
            api_key_required=bool(route.get("apiKeyRequired")),
            models=_route_models(route, models, key),
            model_selection=str(route.get("modelSelectionExpression") or ""),
            required_params=_required_params(route),
        )
    return routes


class _Models(CompiledModels):
    def __init__(self, docs: list[Doc]) -> None:
        super().__init__(docs)
        self.names = frozenset(str(d.get("name")) for d in docs)


def _route_models(route: Doc, models: _Models, key: str) -> dict[str, Any]:
    """A route's ``requestModels`` as checks by selection key; a model the API lacks does not
    compile (AWS refuses it when the route is written)."""
    out: dict[str, Any] = {}
    for select_key, name in (route.get("requestModels") or {}).items():
        if str(name) not in models.names:
            raise StageCompileError(f"{key}: request model {name} is not a model of this API")
        out[str(select_key)] = models.check(str(name))
    return out


def _required_params(route: Doc) -> tuple[tuple[str, str], ...]:
    """``requestParameters`` marked required, as (``header`` | ``querystring``, name)."""
    out: list[tuple[str, str]] = []
    for param, constraint in (route.get("requestParameters") or {}).items():
        if not isinstance(constraint, dict) or not constraint.get("required"):
            continue
        where, _, name = str(param).removeprefix("route.request.").partition(".")
        if where in ("header", "querystring") and name:
            out.append((where, name))
    return tuple(out)


def compile_ws_stage(defn: HttpApiDefinition, stage: Doc, region: str, account_id: str) -> Stage:
    api = defn.api
    api_id = defn.api_id
    stage_name = str(stage["stageName"])
    stage_vars = {str(k): str(v) for k, v in (stage.get("stageVariables") or {}).items()}
    routes = compile_ws_routes(defn, stage_vars, stage)
    ws = WsStage(
        api_id=api_id,
        api_name=str(api.get("name", "")),
        region=region,
        account_id=account_id,
        stage_name=stage_name,
        deployment_id=str(stage.get("deploymentId", "")),
        variables=stage_vars,
        route_selection=str(api.get("routeSelectionExpression") or "$request.body.action"),
        routes=routes,
        api_key_selection=str(api.get("apiKeySelectionExpression") or API_KEY_HEADER),
        observe=ws_observe_plan(api_id, stage, list(routes)),
    )
    return Stage(
        api_id=api_id,
        api_name=ws.api_name,
        region=region,
        account_id=account_id,
        stage_name=stage_name,
        deployment_id=ws.deployment_id,
        variables=stage_vars,
        root=_connections_trie(api_id, stage_name, region, account_id),
        # @connections answers as REST does: 403 Missing Authentication Token unsigned,
        # AccessDeniedException "User: ... is not authorized to perform:
        # execute-api:ManageConnections on resource: ..." when the caller's policies refuse.
        gateway_responses=REST_RESPONSES,
        binary_media_types=(),
        api_key_source="HEADER",
        doc=stage,
        # @connections calls: metrics as REST requests; the stage's access-log format is for
        # its WebSocket events (ws_observe_plan), not for these.
        observe=stage_plan({"id": api_id}, {**stage, "accessLogSettings": None}),
        kind="WEBSOCKET",
        websocket=ws,
    )


def _connections_trie(api_id: str, stage_name: str, region: str, account_id: str) -> RouteNode:
    """``/@connections/{connectionId}``: POST (send), GET (describe), DELETE (disconnect), each
    signed for ``execute-api`` and checked against the caller's IAM policies."""
    prefix = f"arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage_name}/"
    root = RouteNode()
    node = child(child(root, "@connections"), "{connectionId}")
    node.path = "/@connections/{connectionId}"
    node.resource_id = "@connections"
    integ = Integration(
        "WS_CONNECTIONS", "", "", None, (), {}, "", 29.0, (), dispatch=CONNECTIONS_DISPATCH
    )
    step = iam_stage(None, prefix, account_id, region, MANAGE_CONNECTIONS)
    for verb in ("POST", "GET", "DELETE"):
        node.methods[verb] = Method(
            http_method=verb,
            resource_id="@connections",
            resource_path="/@connections/{connectionId}",
            authorization_type="AWS_IAM",
            api_key_required=False,
            request_parameters={},
            integration=integ,
            stages=(step,),
        )
    return root


def check_ws_compiles(defn: HttpApiDefinition, region: str, account_id: str) -> None:
    """Raise ``StageCompileError`` when the WebSocket definition would not serve."""
    if not defn.routes:
        raise StageCompileError("At least one route is required before deploying the Api")
    compile_ws_routes(defn, {})
