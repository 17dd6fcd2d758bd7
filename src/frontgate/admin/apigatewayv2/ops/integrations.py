"""Integration operations: CreateIntegration, GetIntegration, GetIntegrations,
UpdateIntegration, DeleteIntegration, and the integration responses of WebSocket APIs
(Create/Get/GetIntegrationResponses/Update/DeleteIntegrationResponse)."""

from __future__ import annotations

import re
from typing import Any

from frontgate.admin.apigatewayv2.context import Ctx
from frontgate.admin.apigatewayv2.ops.common import (
    check_quota,
    get_api,
    need,
    new_id,
    page,
    redeploy,
)
from frontgate.admin.apigatewayv2.ops.integration_rules import check_integration
from frontgate.admin.apigatewayv2.registry import operation
from frontgate.admin.errors import BadRequest, Conflict
from frontgate.definition import kinds
from frontgate.state.store import Doc, Tx

_MEMBERS = (
    "connectionId",
    "connectionType",
    "contentHandlingStrategy",
    "credentialsArn",
    "description",
    "integrationMethod",
    "integrationSubtype",
    "integrationType",
    "integrationUri",
    "passthroughBehavior",
    "payloadFormatVersion",
    "requestParameters",
    "requestTemplates",
    "responseParameters",
    "templateSelectionExpression",
    "timeoutInMillis",
    "tlsConfig",
)


async def _check_vpc_link(tx: Tx, ctx: Ctx, protocol: str, doc: Doc) -> None:
    """An HTTP API's private integration names one of apigatewayv2's VPC links (WebSocket
    APIs use the REST API's links, which this does not check)."""
    if protocol != "HTTP" or doc.get("connectionType") != "VPC_LINK":
        return
    link = str(doc.get("connectionId"))
    if await tx.get(ctx.region, kinds.V2_VPC_LINK, "", link) is None:
        raise BadRequest(
            f"Invalid connectionId '{link}': Invalid VpcLink identifier specified {link}"
        )


@operation("CreateIntegration")
async def create_integration(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    async with ctx.tx() as tx:
        api = await get_api(tx, ctx, inp["apiId"])
        doc: Doc = {m: inp[m] for m in _MEMBERS if m in inp}
        doc = check_integration(doc, api["protocolType"])
        await _check_vpc_link(tx, ctx, api["protocolType"], doc)
        await check_quota(tx, ctx, kinds.V2_INTEGRATION, api["apiId"])
        doc = {"integrationId": new_id(), **doc}
        await tx.put(ctx.region, kinds.V2_INTEGRATION, api["apiId"], doc["integrationId"], doc)
        await redeploy(tx, ctx, api["apiId"])
    return doc


@operation("GetIntegration")
async def get_integration(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    await get_api(ctx.store, ctx, inp["apiId"])
    return await need(
        ctx.store, ctx, kinds.V2_INTEGRATION, inp["apiId"], inp["integrationId"], "Integration"
    )


@operation("GetIntegrations")
async def get_integrations(ctx: Ctx, inp: dict[str, Any]) -> dict[str, Any]:
    await get_api(ctx.store, ctx, inp["apiId"])
    return await page(ctx, kinds.V2_INTEGRATION, inp["apiId"], inp)


@operation("UpdateIntegration")
async def update_integration(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    async with ctx.tx() as tx:
        api = await get_api(tx, ctx, inp["apiId"])
        old = await need(
            tx, ctx, kinds.V2_INTEGRATION, api["apiId"], inp["integrationId"], "Integration"
        )
        doc = {**old, **{m: inp[m] for m in _MEMBERS if m in inp}}
        if "integrationType" in inp and inp["integrationType"] != old["integrationType"]:
            # A new type starts from its own defaults (an HTTP_PROXY's method, a Lambda's POST).
            for member in ("integrationMethod", "payloadFormatVersion"):
                if member not in inp:
                    doc.pop(member, None)
        doc = check_integration(doc, api["protocolType"])
        if "connectionId" in inp or "connectionType" in inp:
            await _check_vpc_link(tx, ctx, api["protocolType"], doc)
        await tx.put(ctx.region, kinds.V2_INTEGRATION, api["apiId"], old["integrationId"], doc)
        await redeploy(tx, ctx, api["apiId"])
    return doc


@operation("DeleteIntegration")
async def delete_integration(ctx: Ctx, inp: dict[str, Any]) -> None:
    async with ctx.tx() as tx:
        api = await get_api(tx, ctx, inp["apiId"])
        doc = await need(
            tx, ctx, kinds.V2_INTEGRATION, api["apiId"], inp["integrationId"], "Integration"
        )
        if doc.get("apiGatewayManaged"):
            # The model: "You can update a managed integration, but you can't delete it."
            raise BadRequest(
                f"Cannot delete integration {doc['integrationId']}: it is managed by API Gateway "
                "(made by quick create); update it, or the API's target, instead"
            )
        target = f"integrations/{doc['integrationId']}"
        users = [
            r["routeKey"]
            for r in await tx.list(ctx.region, kinds.V2_ROUTE, api["apiId"])
            if r.get("target") == target
        ]
        if users:
            raise Conflict(
                f"Cannot delete integration {doc['integrationId']}: it is the target of "
                f"route(s) {', '.join(users)}. Remove the routes' target first"
            )
        await tx.delete(ctx.region, kinds.V2_INTEGRATION, api["apiId"], doc["integrationId"])
        await tx.delete_children(ctx.region, f"{api['apiId']}/{doc['integrationId']}")
        await redeploy(tx, ctx, api["apiId"])


# -- integration responses (WebSocket APIs) -----------------------------------------------------

_RESPONSE_MEMBERS = (
    "contentHandlingStrategy",
    "integrationResponseKey",
    "responseParameters",
    "responseTemplates",
    "templateSelectionExpression",
)
# ``$default`` or a status-code regular expression between slashes (``/2\d\d/``).
_RESPONSE_KEY = re.compile(r"\$default|/.+/")


async def _integration(tx: Any, ctx: Ctx, inp: dict[str, Any]) -> tuple[Doc, str]:
    api = await get_api(tx, ctx, inp["apiId"])
    integration = await need(
        tx, ctx, kinds.V2_INTEGRATION, api["apiId"], inp["integrationId"], "Integration"
    )
    if api["protocolType"] == "HTTP":
        raise BadRequest("Integration responses are supported only for WebSocket APIs")
    return integration, f"{api['apiId']}/{integration['integrationId']}"


async def _check_key(tx: Any, ctx: Ctx, parent: str, doc: Doc) -> None:
    key = doc["integrationResponseKey"]
    if not _RESPONSE_KEY.fullmatch(key):
        raise BadRequest(
            f"Invalid integration response key {key!r}: must be $default or a status-code "
            "pattern between slashes, such as /200/"
        )
    if key != "$default":
        try:
            re.compile(key[1:-1])
        except re.error as exc:
            # Checked here, not when a message finds it does not compile.
            raise BadRequest(
                f"Invalid integration response key {key}: {key[1:-1]} is not a valid regular "
                f"expression ({exc})"
            ) from None
    for other in await tx.list(ctx.region, kinds.V2_INTEGRATION_RESPONSE, parent):
        if (
            other["integrationResponseId"] != doc["integrationResponseId"]
            and other["integrationResponseKey"] == key
        ):
            raise Conflict(f"Integration response with key {key} already exists")


@operation("CreateIntegrationResponse")
async def create_integration_response(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    async with ctx.tx() as tx:
        _integ, parent = await _integration(tx, ctx, inp)
        doc: Doc = {
            "integrationResponseId": new_id(),
            **{m: inp[m] for m in _RESPONSE_MEMBERS if m in inp},
        }
        await _check_key(tx, ctx, parent, doc)
        await tx.put(
            ctx.region, kinds.V2_INTEGRATION_RESPONSE, parent, doc["integrationResponseId"], doc
        )
        await redeploy(tx, ctx, inp["apiId"])
    return doc


async def _response(tx: Any, ctx: Ctx, inp: dict[str, Any]) -> tuple[Doc, str]:
    _integ, parent = await _integration(tx, ctx, inp)
    doc = await need(
        tx,
        ctx,
        kinds.V2_INTEGRATION_RESPONSE,
        parent,
        inp["integrationResponseId"],
        "IntegrationResponse",
    )
    return doc, parent


@operation("GetIntegrationResponse")
async def get_integration_response(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    return (await _response(ctx.store, ctx, inp))[0]


@operation("GetIntegrationResponses")
async def get_integration_responses(ctx: Ctx, inp: dict[str, Any]) -> dict[str, Any]:
    _integ, parent = await _integration(ctx.store, ctx, inp)
    return await page(ctx, kinds.V2_INTEGRATION_RESPONSE, parent, inp)


@operation("UpdateIntegrationResponse")
async def update_integration_response(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    async with ctx.tx() as tx:
        old, parent = await _response(tx, ctx, inp)
        doc = {**old, **{m: inp[m] for m in _RESPONSE_MEMBERS if m in inp}}
        await _check_key(tx, ctx, parent, doc)
        await tx.put(
            ctx.region, kinds.V2_INTEGRATION_RESPONSE, parent, doc["integrationResponseId"], doc
        )
        await redeploy(tx, ctx, inp["apiId"])
    return doc


@operation("DeleteIntegrationResponse")
async def delete_integration_response(ctx: Ctx, inp: dict[str, Any]) -> None:
    async with ctx.tx() as tx:
        doc, parent = await _response(tx, ctx, inp)
        await tx.delete(
            ctx.region, kinds.V2_INTEGRATION_RESPONSE, parent, doc["integrationResponseId"]
        )
        await redeploy(tx, ctx, inp["apiId"])
