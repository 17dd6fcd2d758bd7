"""Stage 1 — route: find API → stage → resource and method from the Host header and path.

Invoke URLs are ``http://{apiId}.execute-api.{domain}:{port}/{stage}/{path}``; clients that
cannot set Host use ``/_aws/execute-api/{apiId}/{stage}/{path}`` on any host.

HTTP APIs (``Snapshot.http_api_ids``) route by their own rules: the first path segment names a
stage of the API (the rest is the path), else the ``$default`` stage serves the whole path,
else 404; then the most specific route (static > ``{param}`` > ``{proxy+}``, ``ANY`` for a
verb without its own route), else the ``$default`` route, else 404 ``{"message":"Not Found"}``.

Lambda function URLs (``{urlId}.lambda-url.{region}.{domain}``, ``/_aws/lambda-url/{urlId}/...``)
are routed by ``pipeline.function_urls`` when the snapshot holds any; custom domain names (a
Host that is one) by ``pipeline.custom_domains`` when it holds any."""

from __future__ import annotations

from typing import Final

from frontgate import gateway_errors
from frontgate.iam import sigv4
from frontgate.pipeline import custom_domains, function_urls
from frontgate.pipeline.context import Context
from frontgate.pipeline.env import Env
from frontgate.pipeline.values import header
from frontgate.snapshot.domains import CustomDomain
from frontgate.snapshot.router import match
from frontgate.snapshot.snapshot import Integration, Method, Snapshot, Stage


def _host(ctx: Context) -> str:
    for name, value in ctx.request.headers:
        if len(name) == 4 and name.lower() == "host":
            return value
    return ""


# Routings remembered per snapshot (in env.runtime, never in the snapshot); past this many
# distinct (path, Host, method) the cache starts over, so arbitrary paths cannot grow it.
_CACHE_MAX: Final = 4096


def resolve(ctx: Context, env: Env) -> None:
    request = ctx.request
    path, _, query = request.target.partition("?")
    ctx.raw_query = query
    host = request.host or _host(ctx)
    snap = ctx.snapshot
    # The routing is a pure function of (path, Host, method) for one snapshot and env; an
    # entry made for another snapshot (a request that started before a swap) does not count.
    key = (path, host, request.method)
    routes = env.runtime.routes
    cached = routes.get(key)
    if cached is not None and cached[0] is snap:
        _, ctx.api_id, ctx.stage_name, ctx.path, ctx.stage, ctx.method, params, http, dp = cached
        ctx.domain_path = dp
        ctx.path_params = params.copy() if params else {}
        if http:
            _http_ids(ctx)
        return
    _resolve(ctx, env, path, host)
    if ctx.response is not None:
        return  # a CORS preflight answer depends on the request's headers: not remembered
    if len(routes) >= _CACHE_MAX:
        routes.clear()
    params = ctx.path_params
    routes[key] = (
        snap,
        ctx.api_id,
        ctx.stage_name,
        ctx.path,
        ctx.stage,
        ctx.method,
        params.copy() if params else None,
        ctx.http_api,
        ctx.domain_path,
    )


def _resolve(ctx: Context, env: Env, path: str, host: str) -> None:
    """Route from scratch; raises the gateway error for an unknown API, stage or resource."""
    if path.startswith("http://") or path.startswith("https://"):
        # Absolute-form request target: the authority stands in for Host.
        _, _, rest = path.partition("//")
        host, slash, path = rest.partition("/")
        path = slash + path
    host = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    snap = ctx.snapshot
    if snap.function_urls and function_urls.route(ctx, env, host, path):
        return  # a Lambda function URL (pipeline.function_urls)
    if snap.domains:
        domain = snap.domains.get(host.lower())
        if domain is not None:
            _resolve_domain(ctx, domain, path)
            return
    api_id = ""
    suffix = env.host_suffix
    if host.lower().endswith(suffix):
        api_id = host[: -len(suffix)].lower()
    if path.startswith(env.path_prefix) and api_id not in snap.api_ids:
        api_id, _, path = path[len(env.path_prefix) :].partition("/")
        path = "/" + path
    if api_id in snap.http_api_ids:
        _resolve_http(ctx, api_id, path)
        return
    stage_name, _, rest = path[1:].partition("/")
    ctx.api_id = api_id
    ctx.stage_name = stage_name
    ctx.path = "/" + rest
    stage = snap.stages.get((api_id, stage_name))
    if stage is None or api_id in snap.disabled_execute_api:
        raise function_urls.unknown(host, ctx.request.target) or gateway_errors.forbidden()
    _route_rest(ctx, stage)


def _resolve_domain(ctx: Context, domain: CustomDomain, path: str) -> None:
    """A request to a custom domain name: its mapping's API and stage, the key stripped."""
    mapping, rest = custom_domains.mapped(domain, path)
    ctx.domain_path = path
    api_id = mapping.api_id
    ctx.api_id = api_id
    if mapping.http:
        _http_ids(ctx)
        stage = ctx.snapshot.stages.get((api_id, mapping.stage))
        if stage is None:
            raise gateway_errors.not_found()
        ctx.stage_name = mapping.stage
        ctx.path = rest
        _route_http(ctx, stage)
        return
    stage_name = mapping.stage
    if not stage_name:  # no stage in the mapping: the next segment names it
        stage_name, _, tail = rest[1:].partition("/")
        rest = "/" + tail
    ctx.stage_name = stage_name
    ctx.path = rest
    stage = ctx.snapshot.stages.get((api_id, stage_name))
    if stage is None:
        raise gateway_errors.forbidden()
    _route_rest(ctx, stage)


def _route_rest(ctx: Context, stage: Stage) -> None:
    ctx.stage = stage
    found = match(stage.root, ctx.path, ctx.request.method)
    if found is None:
        _not_routed(ctx)
    else:
        ctx.method, ctx.path_params = found


def names_http_api(snap: Snapshot, env: Env, host: str, target: str) -> bool:
    """Whether a request (its Host and target) is for an HTTP API of ``snap``: for errors
    answered before routing (``Pipeline.render_protocol_error``), never on the request path."""
    host = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    api_id = ""
    if host.lower().endswith(env.host_suffix):
        api_id = host[: -len(env.host_suffix)].lower()
    if target.startswith(env.path_prefix) and api_id not in snap.api_ids:
        api_id = target[len(env.path_prefix) :].partition("/")[0].partition("?")[0]
    return api_id in snap.http_api_ids


def _not_routed(ctx: Context) -> None:
    """No method: 403 Missing Authentication Token, unless the request carries an
    ``Authorization`` header that does not parse as SigV4; AWS then answers the parse error
    (``IncompleteSignatureException``, e.g. "Invalid key=value pair (missing equal-sign) in
    Authorization header ..." for a bearer token)."""
    auth = header(ctx, "authorization")
    if auth is not None:
        try:
            sigv4.parse_header(auth, lambda name: header(ctx, name))
        except sigv4.SigV4Error as exc:
            raise gateway_errors.GatewayError(
                exc.response_type, exc.message, exc.error_type
            ) from None
    raise gateway_errors.missing_authentication_token()


# What an answered CORS preflight routes to: no policy stages, and an integration whose call
# does nothing (the answer is already in ctx.response).
_PREFLIGHT = Method(
    "OPTIONS", "", "", "NONE", False, {},
    Integration("PREFLIGHT", "", "", None, (), {}, "", 0.0, (), dispatch="PREFLIGHT"),
)  # fmt: skip


def _http_ids(ctx: Context) -> None:
    """An HTTP API request has one id: the 16-character one (``apigw-requestid``,
    ``$context.requestId``, the 2.0 event's ``requestContext.requestId``)."""
    ctx.http_api = True
    ctx.request_id = ctx.extended_request_id


def _resolve_http(ctx: Context, api_id: str, path: str) -> None:
    snap = ctx.snapshot
    ctx.api_id = api_id
    _http_ids(ctx)
    if api_id in snap.disabled_execute_api:
        raise gateway_errors.not_found()
    stage_name, _, rest = path[1:].partition("/")
    stage: Stage | None = None
    if stage_name != "$default":  # "$default" is no path segment: /$default/x is a path
        stage = snap.stages.get((api_id, stage_name))
    if stage is not None:
        ctx.stage_name = stage_name
        ctx.path = "/" + rest
    else:
        stage = snap.stages.get((api_id, "$default"))
        if stage is None:
            raise gateway_errors.not_found()
        ctx.stage_name = "$default"
        ctx.path = path
    _route_http(ctx, stage)


def _route_http(ctx: Context, stage: Stage) -> None:
    """An HTTP API's route on ``stage`` for ``ctx.path`` (the stage known)."""
    ctx.stage = stage
    method = ctx.request.method
    found = match(stage.root, ctx.path, method)
    # With a CORS policy the gateway answers preflight requests that no route serves: an
    # OPTIONS route, an ANY route or the $default route takes them instead, authorizer and all
    # (AWS: "the $default route catches requests for all methods ..., including OPTIONS
    # requests"; hence its advice to add OPTIONS /{proxy+} without authorization).
    if (
        stage.cors is not None
        and method == "OPTIONS"
        and found is None
        and stage.default_route is None
    ):
        from frontgate.pipeline import cors  # only stages with a CORS policy load it

        answer = cors.preflight(ctx)
        if answer is not None:
            ctx.response = answer
            ctx.method = _PREFLIGHT
            return
    if found is not None:
        ctx.method, ctx.path_params = found
        return
    default = stage.default_route
    if default is None:
        raise gateway_errors.not_found()
    ctx.method = default
