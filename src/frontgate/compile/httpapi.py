"""Compile an HTTP API stage (apigatewayv2, protocolType HTTP) into the same ``snapshot.Stage``
REST stages use: routes ``VERB /path`` go into the routing trie as methods (``ANY`` allowed), the
``$default`` route into ``Stage.default_route``, integrations into ``Integration`` with their
payload format and compiled parameter mapping, and the fixed HTTP API error answers into the
stage's gateway responses (so ``pipeline.gateway_response`` stays the one renderer).

``check_compiles`` is the deployability check ``definition.httpapis.create_deployment`` takes:
it compiles the definition as a stage would and raises ``StageCompileError`` (a ValueError)
naming the route when it would not serve."""

from __future__ import annotations

import re
from typing import Any

from frontgate.compile.http_subtypes import compile_subtype
from frontgate.compile.mappings import substitute_stage_variables
from frontgate.compile.tree import StageCompileError, child, compile_uri
from frontgate.definition.httpapis import HttpApiDefinition
from frontgate.definition.model import Doc
from frontgate.observe.plan import MethodPlan, stage_plan
from frontgate.pipeline import cors
from frontgate.pipeline.gateway_response import HTTP_API_RESPONSES
from frontgate.pipeline.plan import plan_route
from frontgate.snapshot.httpapi import HttpMapping, MapOp, Piece
from frontgate.snapshot.snapshot import Integration, Method, RouteNode, Stage
from frontgate.snapshot.subtypes import SubtypeCall

MAX_TIMEOUT_MS = 30_000  # HTTP APIs: 50 to 30,000 ms, default 30,000 (reference §7.3)
_LAMBDA_ARN = re.compile(r"arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:.+")
_VERBS = frozenset(("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"))

# ``${source}`` or ``$source`` inside a mapping value; names stop at the first character that
# cannot belong to them, so "$request.path.id/orders" is the parameter then literal text.
_NAME = r"[A-Za-z0-9_\-]*[A-Za-z0-9_]"  # header and query names: a trailing dash is text
_WORD = r"[A-Za-z0-9_]+"  # path parameters and stage variables
_SOURCE = (
    rf"request\.(?:header|querystring)\.{_NAME}|request\.path\.{_WORD}|request\.path|"
    r"request\.body(?:\.[A-Za-z0-9_.\[\]\-]*[A-Za-z0-9_\]])?|"
    r"context\.[A-Za-z0-9_.\-]*[A-Za-z0-9_]|"
    rf"stageVariables\.{_WORD}|response\.header\.{_NAME}|"
    r"response\.body(?:\.[A-Za-z0-9_.\[\]\-]*[A-Za-z0-9_\]])?"
)
_TOKEN = re.compile(rf"\$\{{({_SOURCE})\}}|\$({_SOURCE})")
_REQUEST_KEY = re.compile(r"(append|overwrite|remove):(header|querystring)\.(.+)|overwrite:path")
_RESPONSE_KEY = re.compile(r"(append|overwrite|remove):header\.(.+)|overwrite:statuscode")
_ORDER = {"remove": 0, "overwrite": 1, "append": 2}


def compile_value(
    value: str, stage_vars: dict[str, str], response: bool = False
) -> tuple[Piece, ...]:
    """A mapping value as pieces (see ``snapshot.httpapi``); stage variables are resolved now."""
    pieces: list[Piece] = []
    pos = 0
    for m in _TOKEN.finditer(value):
        source = m.group(1) or m.group(2)
        if m.start() > pos:
            pieces.append(("text", value[pos : m.start()]))
        pos = m.end()
        pieces.append(_piece(source, stage_vars, response))
    if pos < len(value):
        pieces.append(("text", value[pos:]))
    # Adjacent literal pieces (a resolved stage variable and its neighbours) become one.
    merged: list[Piece] = []
    for kind, text in pieces:
        if kind == "text" and merged and merged[-1][0] == "text":
            merged[-1] = ("text", merged[-1][1] + text)
        else:
            merged.append((kind, text))
    return tuple(merged)


def _piece(source: str, stage_vars: dict[str, str], response: bool) -> Piece:
    if source.startswith("stageVariables."):
        return ("text", stage_vars.get(source[len("stageVariables.") :], ""))
    if source.startswith("context."):
        return ("context", source[len("context.") :])
    if source.startswith("response."):
        if not response:
            raise ValueError(f"${source} is only available in response parameters")
        kind, _, name = source[len("response.") :].partition(".")
        return ("resheader", name) if kind == "header" else ("resbody", name)
    rest = source[len("request.") :]
    if rest == "path":
        return ("path", "")
    kind, _, name = rest.partition(".")
    if kind == "body":
        return ("body", name)
    return ("pathparam", name) if kind == "path" else (kind, name)


def compile_mapping(integ: Doc, stage_vars: dict[str, str]) -> HttpMapping | None:
    request: list[MapOp] = []
    for key, value in (integ.get("requestParameters") or {}).items():
        m = _REQUEST_KEY.fullmatch(key)
        if m is None:
            raise ValueError(f"Invalid mapping key {key}")
        if m.group(1) is None:
            op = MapOp("overwrite", "path", "", compile_value(str(value), stage_vars))
        else:
            op = MapOp(m.group(1), m.group(2), m.group(3), compile_value(str(value), stage_vars))
        request.append(op)
    responses: dict[int, tuple[MapOp, ...]] = {}
    for status, params in (integ.get("responseParameters") or {}).items():
        ops: list[MapOp] = []
        for key, value in (params or {}).items():
            m = _RESPONSE_KEY.fullmatch(key)
            if m is None:
                raise ValueError(f"Invalid mapping key {key}")
            pieces = compile_value(str(value), stage_vars, response=True)
            if m.group(1) is None:
                ops.append(MapOp("overwrite", "statuscode", "", pieces))
            else:
                ops.append(MapOp(m.group(1), "header", m.group(2), pieces))
        responses[int(status)] = tuple(sorted(ops, key=lambda o: _ORDER[o.action]))
    if not request and not responses:
        return None
    return HttpMapping(tuple(sorted(request, key=lambda o: _ORDER[o.action])), responses)


def compile_integration(doc: Doc, stage_vars: dict[str, str], region: str) -> Integration:
    itype = str(doc.get("integrationType") or "").upper()
    uri = substitute_stage_variables(str(doc.get("integrationUri") or ""), stage_vars)
    timeout_ms = min(int(doc.get("timeoutInMillis") or MAX_TIMEOUT_MS), MAX_TIMEOUT_MS)
    subtype = doc.get("integrationSubtype") or None
    fmt = str(doc.get("payloadFormatVersion") or ("2.0" if itype == "AWS_PROXY" else "1.0"))
    if subtype is not None:
        # AWS service integrations (SQS-SendMessage, ...): the registry's AWS_SERVICE entry.
        dispatch = "AWS_SERVICE"
    elif itype == "AWS_PROXY":
        dispatch = "AWS_PROXY"
        if _LAMBDA_ARN.fullmatch(uri):
            # HTTP APIs name the function itself; the invoker reads REST's URI form.
            uri = f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{uri}/invocations"
    elif itype == "HTTP_PROXY":
        dispatch = "HTTP_API_PROXY"
    else:
        dispatch = f"HTTP_API_{itype}"  # not an HTTP API type: no registry entry, so a 500
    return Integration(
        type=itype,
        http_method=str(doc.get("integrationMethod") or "ANY").upper(),
        uri=uri,
        uri_template=compile_uri(uri) if itype == "HTTP_PROXY" else None,
        request_mappings=(),
        request_templates={},
        passthrough="WHEN_NO_MATCH",
        timeout=timeout_ms / 1000.0,
        responses=(),
        credentials=doc.get("credentialsArn") or None,
        dispatch=dispatch,
        payload_format=fmt,
        subtype=str(subtype) if subtype is not None else None,
        http_mapping=_mapping(doc, itype, subtype, stage_vars, region),
        http_api=True,
    )


def _mapping(
    doc: Doc, itype: str, subtype: object, stage_vars: dict[str, str], region: str
) -> HttpMapping | SubtypeCall | None:
    """HTTP_PROXY: the parameter mapping; a subtype: its call (compile.http_subtypes)."""
    if subtype is not None:
        response_only = {"responseParameters": doc.get("responseParameters")}
        responses = compile_mapping(response_only, stage_vars)
        return compile_subtype(
            doc, region, lambda v: compile_value(v, stage_vars),
            responses.responses if responses is not None else {},
        )  # fmt: skip
    return compile_mapping(doc, stage_vars) if itype == "HTTP_PROXY" else None


def split_route_key(route_key: str) -> tuple[str, str]:
    """``"GET /pets/{id}"`` → ``("GET", "/pets/{id}")``; raises ValueError when malformed."""
    verb, sep, path = route_key.partition(" ")
    if not sep or verb.upper() not in _VERBS or not path.startswith("/"):
        raise ValueError(f"Invalid route key {route_key!r}")
    return verb.upper(), path


def _observe(api_id: str, stage: Doc, route_key: str, path: str, verb: str) -> MethodPlan | None:
    settings = {**(stage.get("defaultRouteSettings") or {}),
                **((stage.get("routeSettings") or {}).get(route_key) or {})}  # fmt: skip
    if not settings.get("detailedMetricsEnabled"):
        return None
    labels = (api_id, str(stage.get("stageName", "")), path or "$default", verb)
    return MethodPlan(labels, True, "OFF", False)


def compile_http_stage(defn: HttpApiDefinition, stage: Doc, region: str, account_id: str) -> Stage:
    api = defn.api
    api_id = defn.api_id
    stage_name = str(stage["stageName"])
    stage_vars: dict[str, str] = {
        str(k): str(v) for k, v in (stage.get("stageVariables") or {}).items()
    }
    integrations: dict[str, Integration] = {}
    for doc in defn.integrations:
        try:
            integrations[str(doc["integrationId"])] = compile_integration(doc, stage_vars, region)
        except (ValueError, TypeError, KeyError) as exc:
            raise StageCompileError(f"integration {doc.get('integrationId')}: {exc}") from exc
    root = RouteNode()
    default_route: Method | None = None
    for route in sorted(defn.routes, key=lambda r: str(r.get("routeKey", ""))):
        route_key = str(route.get("routeKey", ""))
        try:
            method = _route_method(route, route_key, integrations, api_id, stage, defn,
                                   region, account_id)  # fmt: skip
        except (ValueError, TypeError, KeyError) as exc:
            raise StageCompileError(f"{route_key}: {exc}") from exc
        if route_key == "$default":
            default_route = method
            continue
        node = root
        path = method.resource_path
        if path != "/":
            for part in path.strip("/").split("/"):
                node = child(node, part)
        node.resource_id = method.resource_id
        node.path = path
        node.methods[method.http_method] = method
    return Stage(
        api_id=api_id,
        api_name=str(api.get("name", "")),
        region=region,
        account_id=account_id,
        stage_name=stage_name,
        deployment_id=str(stage.get("deploymentId", "")),
        variables=stage_vars,
        root=root,
        gateway_responses=HTTP_API_RESPONSES,
        binary_media_types=(),
        api_key_source="HEADER",
        doc=stage,
        observe=stage_plan({"id": api_id}, stage),
        kind="HTTP",
        default_route=default_route,
        cors=cors.compile_policy(api.get("corsConfiguration")),
    )


def _route_method(
    route: Doc,
    route_key: str,
    integrations: dict[str, Integration],
    api_id: str,
    stage: Doc,
    defn: HttpApiDefinition,
    region: str,
    account_id: str,
) -> Method:
    if route_key == "$default":
        verb, path = "ANY", ""
    else:
        verb, path = split_route_key(route_key)
    target = str(route.get("target") or "")
    integ = None
    if target:
        if not target.startswith("integrations/"):
            raise ValueError(f"Invalid target {target}")
        integ = integrations.get(target[len("integrations/") :])
        if integ is None:
            raise ValueError(f"target {target} names no integration")
    return Method(
        http_method=verb,
        resource_id=str(route.get("routeId", "")),
        resource_path=path,
        authorization_type=str(route.get("authorizationType") or "NONE"),
        api_key_required=bool(route.get("apiKeyRequired", False)),
        request_parameters={},
        integration=integ,
        stages=plan_route(api_id, stage, route, defn.authorizers, region, account_id),
        observe=_observe(api_id, stage, route_key, path, verb),
        doc=route,
        route_key=route_key,
    )


def check_compiles(defn: HttpApiDefinition, region: str, account_id: str) -> None:
    """Raise ``StageCompileError`` (a ValueError naming the route or integration) when the
    definition would not compile into a servable stage; the deployability check."""
    compile_http_stage(defn, {"stageName": "$default"}, region, account_id)


def stage_inputs_key(api: Doc, stage: Doc) -> Any:
    """What a compiled HTTP API stage depends on besides its deployment (for the cache)."""
    return [stage, api.get("corsConfiguration"), api.get("disableExecuteApiEndpoint")]
