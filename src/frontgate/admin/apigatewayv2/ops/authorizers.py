"""Authorizer operations of HTTP and WebSocket APIs: JWT authorizers (HTTP APIs only) and Lambda
REQUEST authorizers, checked when written as AWS checks them, so that what is stored is what the
data plane can enforce. A write moves the API's auto-deploying stages."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from frontgate.admin.apigatewayv2.context import Ctx
from frontgate.admin.apigatewayv2.ops.common import get_api, need, new_id, page, redeploy
from frontgate.admin.apigatewayv2.registry import operation
from frontgate.admin.errors import BadRequest, Conflict, TooManyRequests
from frontgate.definition import kinds
from frontgate.state.store import Doc, Tx

MAX_PER_API = 10  # AWS's quota "Authorizers per API" (HTTP and WebSocket)
MAX_AUDIENCES = 50
DEFAULT_TTL = 300  # what AWS stores for an HTTP API Lambda authorizer created without a TTL
_LAMBDA_URI = re.compile(
    r"arn:aws[a-z-]*:apigateway:[a-z0-9-]+:lambda:path/2015-03-31/functions/"
    r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}"
    r"(?::[A-Za-z0-9_$-]{1,128})?/invocations"
)
_ROLE = re.compile(r"arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}")
_NAME = r"[^\s,]+"
_JWT_SOURCE = re.compile(rf"\$request\.(?:header|querystring)\.{_NAME}")
_HTTP_SOURCE = re.compile(
    rf"\$(?:request\.header|request\.querystring|context|stageVariables)\.{_NAME}"
)
_WS_SOURCE = re.compile(
    rf"(?:route\.request\.(?:header|querystring)|context|stageVariables)\.{_NAME}"
)
# Settings only a Lambda authorizer has (refused on a JWT authorizer rather than ignored).
_LAMBDA_ONLY = (
    "authorizerUri",
    "authorizerCredentialsArn",
    "authorizerPayloadFormatVersion",
    "authorizerResultTtlInSeconds",
    "enableSimpleResponses",
)
_MEMBERS = (
    "name",
    "authorizerType",
    "identitySource",
    "jwtConfiguration",
    *_LAMBDA_ONLY,
    "identityValidationExpression",
)


def check_authorizer(doc: Doc, protocol: str) -> None:
    """AWS's write-time constraints on an authorizer of an API of ``protocol``."""
    kind = doc.get("authorizerType")
    if protocol == "WEBSOCKET":
        if kind != "REQUEST":
            raise BadRequest("Only REQUEST authorizers are supported for WebSocket APIs")
        _check_lambda_uri(doc)
        # WebSocket Lambda authorizers are called once per connection and never cached.
        if doc.get("authorizerResultTtlInSeconds"):
            raise BadRequest(
                "AuthorizerResultTtlInSeconds cannot be set for WEBSOCKET protocol Apis."
            )
        for source in doc.get("identitySource") or []:
            if not _WS_SOURCE.fullmatch(source):
                raise BadRequest(f"Invalid identity source specified: {source}")
        return
    if kind == "JWT":
        _check_jwt(doc)
    else:
        _check_request(doc)


def _check_jwt(doc: Doc) -> None:
    for member in _LAMBDA_ONLY:
        if doc.get(member) is not None:
            raise BadRequest(
                f"{member[:1].upper()}{member[1:]} is not supported for JWT authorizers"
            )
    sources = doc.get("identitySource") or []
    if len(sources) != 1 or not _JWT_SOURCE.fullmatch(sources[0]):
        raise BadRequest(
            "A JWT authorizer takes exactly one identity source, $request.header.<name> or "
            f"$request.querystring.<name>; got [{', '.join(sources)}]"
        )
    config = doc.get("jwtConfiguration")
    if not config:
        raise BadRequest("JwtConfiguration is a required parameter for JWT authorizer")
    issuer = config.get("issuer")
    if not issuer:
        raise BadRequest("Issuer is a required parameter for JWT authorizer")
    parts = urlsplit(issuer)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise BadRequest(f"Invalid issuer {issuer}: it must be an https (or http) URL")
    audience = config.get("audience") or []
    if not audience:
        raise BadRequest("Audience is a required parameter for JWT authorizer")
    if len(audience) > MAX_AUDIENCES:
        raise BadRequest(f"A JWT authorizer can have at most {MAX_AUDIENCES} audiences")


def _check_lambda_uri(doc: Doc) -> None:
    uri = doc.get("authorizerUri")
    if not uri:
        raise BadRequest("AuthorizerUri is a required parameter for REQUEST authorizer")
    if not _LAMBDA_URI.fullmatch(uri):
        raise BadRequest(
            f"Invalid Authorizer URI specified: {uri}. It must be a Lambda function invocation "
            "URI: arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}"
            "/invocations"
        )


def _check_request(doc: Doc) -> None:
    _check_lambda_uri(doc)
    role = doc.get("authorizerCredentialsArn")
    if role is not None and not _ROLE.fullmatch(role):
        raise BadRequest(
            f"Invalid authorizer credentials ARN specified: {role}. It must be an IAM role ARN"
        )
    if doc.get("jwtConfiguration") is not None:
        raise BadRequest("JwtConfiguration is supported only for JWT authorizers")
    version = doc.get("authorizerPayloadFormatVersion")
    if version is None:
        raise BadRequest(
            "AuthorizerPayloadFormatVersion is a required parameter for REQUEST authorizer"
        )
    if version not in ("1.0", "2.0"):
        raise BadRequest(
            f"AuthorizerPayloadFormatVersion {version} is not supported: use 1.0 or 2.0"
        )
    if doc.get("enableSimpleResponses") and version != "2.0":
        raise BadRequest(
            "EnableSimpleResponses is supported only with AuthorizerPayloadFormatVersion 2.0"
        )
    sources = doc.get("identitySource") or []
    for source in sources:
        if not _HTTP_SOURCE.fullmatch(source):
            raise BadRequest(
                f"Invalid identity source specified: {source}. An identity source is "
                "$request.header.<name>, $request.querystring.<name>, $context.<name> or "
                "$stageVariables.<name>"
            )
    if doc.get("authorizerResultTtlInSeconds", 0) > 0 and not sources:
        raise BadRequest(
            "Identity source must be specified when authorizer caching is enabled "
            "(authorizerResultTtlInSeconds greater than 0)"
        )


def _defaults(doc: Doc, protocol: str) -> None:
    """What AWS fills in on an HTTP API Lambda authorizer created without it."""
    if protocol == "HTTP" and doc.get("authorizerType") == "REQUEST":
        doc.setdefault("authorizerResultTtlInSeconds", DEFAULT_TTL)
        doc.setdefault("enableSimpleResponses", False)


async def _routes_using(tx: Tx, ctx: Ctx, api_id: str, authorizer_id: str) -> list[Doc]:
    routes = await tx.list(ctx.region, kinds.V2_ROUTE, api_id)
    return [r for r in routes if r.get("authorizerId") == authorizer_id]


@operation("CreateAuthorizer")
async def create_authorizer(ctx: Ctx, inp: Doc) -> Doc:
    api_id = inp["apiId"]
    doc: Doc = {"authorizerId": new_id()}
    doc.update({m: inp[m] for m in _MEMBERS if inp.get(m) is not None})
    async with ctx.tx() as tx:
        api = await get_api(tx, ctx, api_id)
        protocol = str(api.get("protocolType", "HTTP"))
        _defaults(doc, protocol)
        check_authorizer(doc, protocol)
        if len(await tx.list(ctx.region, kinds.V2_AUTHORIZER, api_id)) >= MAX_PER_API:
            raise TooManyRequests(
                "Maximum number of Authorizers for this API has been reached. Please contact "
                "AWS if you need additional Authorizers."
            )
        await tx.put(ctx.region, kinds.V2_AUTHORIZER, api_id, doc["authorizerId"], doc)
        await redeploy(tx, ctx, api_id)
    return doc


@operation("GetAuthorizer")
async def get_authorizer(ctx: Ctx, inp: Doc) -> Doc:
    api_id, auth_id = inp["apiId"], inp["authorizerId"]
    await get_api(ctx.store, ctx, api_id)
    return await need(ctx.store, ctx, kinds.V2_AUTHORIZER, api_id, auth_id, "Authorizer")


@operation("GetAuthorizers")
async def get_authorizers(ctx: Ctx, inp: Doc) -> Doc:
    await get_api(ctx.store, ctx, inp["apiId"])
    return await page(ctx, kinds.V2_AUTHORIZER, inp["apiId"], inp)


@operation("UpdateAuthorizer")
async def update_authorizer(ctx: Ctx, inp: Doc) -> Doc:
    api_id, auth_id = inp["apiId"], inp["authorizerId"]
    async with ctx.tx() as tx:
        api = await get_api(tx, ctx, api_id)
        doc = await need(tx, ctx, kinds.V2_AUTHORIZER, api_id, auth_id, "Authorizer")
        old_type = doc.get("authorizerType")
        for member in _MEMBERS:
            if inp.get(member) is None:
                continue
            if member == "jwtConfiguration":  # a partial configuration updates what it names
                doc[member] = {**(doc.get(member) or {}), **inp[member]}
            else:
                doc[member] = inp[member]
        if doc.get("authorizerType") == "JWT":  # switched from REQUEST: its settings go
            for member in _LAMBDA_ONLY:
                if inp.get(member) is None:
                    doc.pop(member, None)
        else:
            if inp.get("jwtConfiguration") is None:
                doc.pop("jwtConfiguration", None)
        protocol = str(api.get("protocolType", "HTTP"))
        _defaults(doc, protocol)
        check_authorizer(doc, protocol)
        if doc.get("authorizerType") != old_type:
            for route in await _routes_using(tx, ctx, api_id, auth_id):
                raise Conflict(
                    f"Cannot change the type of authorizer '{auth_id}', it is used by route: "
                    f"{route.get('routeKey')}"
                )
        await tx.put(ctx.region, kinds.V2_AUTHORIZER, api_id, auth_id, doc)
        await redeploy(tx, ctx, api_id)
    return doc


@operation("DeleteAuthorizer")
async def delete_authorizer(ctx: Ctx, inp: Doc) -> None:
    api_id, auth_id = inp["apiId"], inp["authorizerId"]
    async with ctx.tx() as tx:
        await get_api(tx, ctx, api_id)
        await need(tx, ctx, kinds.V2_AUTHORIZER, api_id, auth_id, "Authorizer")
        for route in await _routes_using(tx, ctx, api_id, auth_id):
            raise Conflict(
                f"Cannot delete authorizer '{auth_id}', is referenced in route: "
                f"{route.get('routeKey')}"
            )
        await tx.delete(ctx.region, kinds.V2_AUTHORIZER, api_id, auth_id)
        await redeploy(tx, ctx, api_id)
