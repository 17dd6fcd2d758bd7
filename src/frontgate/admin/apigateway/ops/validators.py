"""RequestValidator operations."""

from __future__ import annotations

from typing import Any

from frontgate import ids
from frontgate.admin.apigateway.context import Ctx, Doc
from frontgate.admin.apigateway.ops.common import get_api, need_in_api, store_page
from frontgate.admin.apigateway.patch import apply_patch, as_bool, rule
from frontgate.admin.apigateway.registry import operation
from frontgate.admin.errors import BadRequest
from frontgate.definition import kinds

_NOT_FOUND = "Invalid Request Validator identifier specified"
_RULES = (
    rule("/name"),
    rule("/validateRequestParameters", conv=as_bool),
    rule("/validateRequestBody", conv=as_bool),
)


@operation("CreateRequestValidator")
async def create_request_validator(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    api_id = inp["restApiId"]
    if not inp.get("name"):
        raise BadRequest("Request Validator name cannot be blank")
    async with ctx.tx() as tx:
        if await tx.get(ctx.region, kinds.REST_API, "", api_id) is None:
            # AWS's recorded answer here: 400, not the 404 of the other operations.
            raise BadRequest("Invalid REST API identifier specified")
        doc = {
            "id": ids.short_id(),
            "name": inp["name"],
            "validateRequestBody": bool(inp.get("validateRequestBody")),
            "validateRequestParameters": bool(inp.get("validateRequestParameters")),
        }
        await tx.put(ctx.region, kinds.REQUEST_VALIDATOR, api_id, doc["id"], doc)
    return doc


@operation("GetRequestValidator")
async def get_request_validator(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    api_id = inp["restApiId"]
    return await need_in_api(
        ctx.store, ctx, kinds.REQUEST_VALIDATOR, api_id, inp["requestValidatorId"], _NOT_FOUND
    )


@operation("GetRequestValidators")
async def get_request_validators(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    await get_api(ctx.store, ctx, inp["restApiId"])
    return await store_page(ctx, kinds.REQUEST_VALIDATOR, inp["restApiId"], inp)


@operation("UpdateRequestValidator")
async def update_request_validator(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    api_id = inp["restApiId"]
    async with ctx.tx() as tx:
        doc = await need_in_api(
            tx, ctx, kinds.REQUEST_VALIDATOR, api_id, inp["requestValidatorId"], _NOT_FOUND
        )
        doc = apply_patch(doc, inp.get("patchOperations"), _RULES)
        if not doc.get("name"):
            raise BadRequest("Request Validator name cannot be blank")
        await tx.put(ctx.region, kinds.REQUEST_VALIDATOR, api_id, doc["id"], doc)
    return doc


@operation("DeleteRequestValidator")
async def delete_request_validator(ctx: Ctx, inp: dict[str, Any]) -> None:
    api_id = inp["restApiId"]
    async with ctx.tx() as tx:
        doc = await need_in_api(
            tx, ctx, kinds.REQUEST_VALIDATOR, api_id, inp["requestValidatorId"], _NOT_FOUND
        )
        await tx.delete(ctx.region, kinds.REQUEST_VALIDATOR, api_id, doc["id"])
