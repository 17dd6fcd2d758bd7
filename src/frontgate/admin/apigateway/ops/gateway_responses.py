"""GatewayResponse operations: the 21 types with AWS's defaults; only PUT ones are stored.

A customised DEFAULT_4XX/DEFAULT_5XX flows into every non-customised type of its class (still
listed with ``defaultResponse: true``), as AWS lists them."""

from __future__ import annotations

from typing import Any

from frontgate.admin.apigateway.context import Ctx, Doc
from frontgate.admin.apigateway.ops.common import get_api, page
from frontgate.admin.apigateway.patch import PatchOp, apply_patch, rule
from frontgate.admin.apigateway.registry import operation
from frontgate.admin.errors import BadRequest, NotFound
from frontgate.compile.checks import DefinitionError, check_gateway_response
from frontgate.definition import kinds

DEFAULT_STATUS: dict[str, str | None] = {
    "ACCESS_DENIED": "403",
    "API_CONFIGURATION_ERROR": "500",
    "AUTHORIZER_CONFIGURATION_ERROR": "500",
    "AUTHORIZER_FAILURE": "500",
    "BAD_REQUEST_BODY": "400",
    "BAD_REQUEST_PARAMETERS": "400",
    "DEFAULT_4XX": None,
    "DEFAULT_5XX": None,
    "EXPIRED_TOKEN": "403",
    "INTEGRATION_FAILURE": "504",
    "INTEGRATION_TIMEOUT": "504",
    "INVALID_API_KEY": "403",
    "INVALID_SIGNATURE": "403",
    "MISSING_AUTHENTICATION_TOKEN": "403",
    "QUOTA_EXCEEDED": "429",
    "REQUEST_TOO_LARGE": "413",
    "RESOURCE_NOT_FOUND": "404",
    "THROTTLED": "429",
    "UNAUTHORIZED": "401",
    "UNSUPPORTED_MEDIA_TYPE": "415",
    "WAF_FILTERED": "403",
}
_TEMPLATE = {"application/json": '{"message":$context.error.messageString}'}
_RULES = (
    rule("/statusCode"),
    rule("/responseParameters/{name}", "add", "replace", "remove", kind="entry"),
    rule("/responseTemplates/{contentType}", "add", "replace", "remove", kind="entry"),
)


def effective(response_type: str, stored: dict[str, Doc]) -> Doc:
    """The response AWS reports for a type: the PUT one, else the default as shaped by any
    customised DEFAULT_4XX/5XX of its class."""
    if response_type in stored:
        return stored[response_type]
    status = DEFAULT_STATUS[response_type]
    out: Doc = {
        "responseType": response_type,
        "defaultResponse": True,
        "responseParameters": {},
        "responseTemplates": dict(_TEMPLATE),
    }
    if status is not None:
        out["statusCode"] = status
        base = stored.get("DEFAULT_4XX" if status < "500" else "DEFAULT_5XX")
        if base is not None:
            out["statusCode"] = base.get("statusCode") or status
            out["responseParameters"] = dict(base.get("responseParameters") or {})
            out["responseTemplates"] = dict(base.get("responseTemplates") or _TEMPLATE)
    return out


async def _stored(r: Any, ctx: Ctx, api_id: str) -> dict[str, Doc]:
    await get_api(r, ctx, api_id)
    docs = await r.list(ctx.region, kinds.GATEWAY_RESPONSE, api_id)
    return {d["responseType"]: d for d in docs}


def _check(doc: Doc) -> None:
    try:
        check_gateway_response(doc)
    except DefinitionError as exc:
        raise BadRequest(str(exc)) from None


@operation("PutGatewayResponse")
async def put_gateway_response(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    api_id = inp["restApiId"]
    kind = inp["responseType"]
    doc: Doc = {"responseType": kind, "defaultResponse": False}
    # What is not given takes the type's default, as AWS fills it in (recorded): the status
    # code, and the JSON message template.
    status = inp.get("statusCode") or DEFAULT_STATUS[kind]
    if status is not None:
        doc["statusCode"] = status
    doc["responseParameters"] = inp.get("responseParameters") or {}
    doc["responseTemplates"] = inp.get("responseTemplates") or dict(_TEMPLATE)
    async with ctx.tx() as tx:
        await get_api(tx, ctx, api_id)
        _check(doc)
        await tx.put(ctx.region, kinds.GATEWAY_RESPONSE, api_id, doc["responseType"], doc)
    return doc


@operation("GetGatewayResponse")
async def get_gateway_response(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    return effective(inp["responseType"], await _stored(ctx.store, ctx, inp["restApiId"]))


@operation("GetGatewayResponses")
async def get_gateway_responses(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    stored = await _stored(ctx.store, ctx, inp["restApiId"])
    return page([effective(t, stored) for t in sorted(DEFAULT_STATUS)], inp)


def _no_add_status(doc: Doc, op: PatchOp) -> bool:
    if not op.segments:
        raise BadRequest("Invalid patch path null")  # AWS's answer to an op without a path
    if op.path == "/statusCode" and op.op != "replace":
        raise BadRequest(f"Invalid patch path {op.path}")
    if op.op in ("add", "replace") and op.segments[0] in (
        "responseParameters",
        "responseTemplates",
    ):
        if op.value is None:
            raise BadRequest(f"Invalid null or empty value in {op.segments[0]}")
        if op.op == "replace" and op.segments[-1] not in (doc.get(op.segments[0]) or {}):
            raise NotFound("Invalid parameter name specified")
    return False


@operation("UpdateGatewayResponse")
async def update_gateway_response(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    api_id, kind = inp["restApiId"], inp["responseType"]
    async with ctx.tx() as tx:
        stored = await _stored(tx, ctx, api_id)
        doc = dict(effective(kind, stored), defaultResponse=False)
        doc = apply_patch(
            doc,
            inp.get("patchOperations"),
            _RULES,
            fallback=_no_add_status,
            short_path=True,
            short_op=True,
        )
        _check(doc)
        # Unlike other maps, a gateway response always lists these two, empty or not.
        doc.setdefault("responseParameters", {})
        doc.setdefault("responseTemplates", {})
        await tx.put(ctx.region, kinds.GATEWAY_RESPONSE, api_id, kind, doc)
    return doc


@operation("DeleteGatewayResponse")
async def delete_gateway_response(ctx: Ctx, inp: dict[str, Any]) -> None:
    api_id = inp["restApiId"]
    async with ctx.tx() as tx:
        await get_api(tx, ctx, api_id)
        if not await tx.delete(ctx.region, kinds.GATEWAY_RESPONSE, api_id, inp["responseType"]):
            raise NotFound("Gateway response type not defined on api")
