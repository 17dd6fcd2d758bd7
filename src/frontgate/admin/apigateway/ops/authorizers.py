"""Authorizer operations (Lambda TOKEN/REQUEST and Cognito user-pool authorizers)."""

from __future__ import annotations

import re
from typing import Any

from frontgate import ids
from frontgate.admin.apigateway.context import Ctx, Doc
from frontgate.admin.apigateway.ops.common import get_api, need_in_api, pick, store_page
from frontgate.admin.apigateway.patch import apply_patch, as_int, enum_of, rule
from frontgate.admin.apigateway.registry import operation
from frontgate.admin.errors import BadRequest, Conflict
from frontgate.compile.mappings import MappingError, parse_identity_sources
from frontgate.definition import kinds

_NOT_FOUND = "Invalid Authorizer identifier specified"
_HEADER_SOURCE = re.compile(r"method\.request\.header\.[^\s,]+")
_RULES = (
    rule("/name"),
    rule("/type", conv=enum_of("TOKEN", "REQUEST", "COGNITO_USER_POOLS")),
    rule("/authorizerUri", "replace", "remove"),
    rule("/authorizerCredentials", "replace", "remove"),
    rule("/identitySource", "replace", "remove"),
    rule("/identityValidationExpression", "replace", "remove"),
    rule("/authorizerResultTtlInSeconds", conv=as_int),
    rule("/authType", "replace", "remove"),
    rule("/providerARNs", "add", "remove", kind="item"),
)


def check_authorizer(doc: Doc) -> None:
    """The constraints API Gateway puts on each authorizer type."""
    kind = doc["type"]
    if not doc.get("name"):
        raise BadRequest("Authorizer name must be non-empty")
    if kind in ("TOKEN", "REQUEST") and not doc.get("authorizerUri"):
        raise BadRequest(f"Authorizer URI must be specified for an authorizer of type {kind}")
    if kind == "TOKEN" and not _HEADER_SOURCE.fullmatch(doc.get("identitySource") or ""):
        raise BadRequest(
            "Invalid identity source specified: a TOKEN authorizer needs "
            "method.request.header.<name>"
        )
    if kind == "REQUEST":
        try:  # the parser the data plane's authorizer stage relies on
            parse_identity_sources(doc.get("identitySource"))
        except MappingError as exc:
            raise BadRequest(str(exc)) from None
    expression = doc.get("identityValidationExpression")
    if kind == "TOKEN" and expression:
        try:
            re.compile(expression)
        except re.error:
            raise BadRequest(
                f"Invalid identity validation expression specified: {expression}"
            ) from None
    if kind == "COGNITO_USER_POOLS":
        if not doc.get("providerARNs"):
            raise BadRequest("Provider ARNs must be specified for COGNITO_USER_POOLS authorizers")
        doc.setdefault("identitySource", "method.request.header.Authorization")
    ttl = doc.get("authorizerResultTtlInSeconds", 300)
    if not 0 <= ttl <= 3600:
        raise BadRequest("Authorizer result TTL must be between 0 and 3600 seconds")


@operation("CreateAuthorizer")
async def create_authorizer(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    api_id = inp["restApiId"]
    doc: Doc = {"id": ids.short_id()}
    doc.update(
        pick(
            inp,
            "name",
            "type",
            "providerARNs",
            "authType",
            "authorizerUri",
            "authorizerCredentials",
            "identitySource",
            "identityValidationExpression",
        )
    )
    # As AWS records it: ``authType`` filled in from the type when not given, and no TTL unless
    # one was given (the data plane caches for 300 s when it is absent, as AWS does).
    doc.setdefault(
        "authType", "cognito_user_pools" if doc.get("type") == "COGNITO_USER_POOLS" else "custom"
    )
    doc.update(pick(inp, "authorizerResultTtlInSeconds"))
    check_authorizer(doc)
    async with ctx.tx() as tx:
        await get_api(tx, ctx, api_id)
        await tx.put(ctx.region, kinds.AUTHORIZER, api_id, doc["id"], doc)
    return doc


@operation("GetAuthorizer")
async def get_authorizer(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    return await need_in_api(
        ctx.store, ctx, kinds.AUTHORIZER, inp["restApiId"], inp["authorizerId"], _NOT_FOUND
    )


@operation("GetAuthorizers")
async def get_authorizers(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    await get_api(ctx.store, ctx, inp["restApiId"])
    return await store_page(ctx, kinds.AUTHORIZER, inp["restApiId"], inp)


@operation("UpdateAuthorizer")
async def update_authorizer(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    api_id = inp["restApiId"]
    async with ctx.tx() as tx:
        doc = await need_in_api(tx, ctx, kinds.AUTHORIZER, api_id, inp["authorizerId"], _NOT_FOUND)
        doc = apply_patch(doc, inp.get("patchOperations"), _RULES)
        check_authorizer(doc)
        await tx.put(ctx.region, kinds.AUTHORIZER, api_id, doc["id"], doc)
    return doc


@operation("DeleteAuthorizer")
async def delete_authorizer(ctx: Ctx, inp: dict[str, Any]) -> None:
    api_id, auth_id = inp["restApiId"], inp["authorizerId"]
    async with ctx.tx() as tx:
        await need_in_api(tx, ctx, kinds.AUTHORIZER, api_id, auth_id, _NOT_FOUND)
        for res in await tx.list(ctx.region, kinds.RESOURCE, api_id):
            for verb, method in (res.get("resourceMethods") or {}).items():
                if method.get("authorizerId") == auth_id:
                    raise Conflict(
                        f"Cannot delete authorizer '{auth_id}', is referenced in method: "
                        f"{res['path']}/{verb}"
                    )
        await tx.delete(ctx.region, kinds.AUTHORIZER, api_id, auth_id)
