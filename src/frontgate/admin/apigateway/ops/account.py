"""GetAccount/UpdateAccount: the region's account settings, including the account-level
throttle (settable here, unlike on AWS, because a self-hosted operator owns that quota)."""

from __future__ import annotations

from typing import Any

from frontgate.admin.apigateway.context import Ctx, Doc
from frontgate.admin.apigateway.patch import COUNT, RATE, apply_patch, rule
from frontgate.admin.apigateway.registry import operation
from frontgate.admin.errors import BadRequest
from frontgate.definition import kinds

ACCOUNT_ID = "account"
# AWS's default account throttle per region: 10,000 rps, burst 5,000.
DEFAULT_ACCOUNT: Doc = {
    "throttleSettings": {"burstLimit": 5000, "rateLimit": 10000.0},
    "features": ["UsagePlans"],
    "apiKeyVersion": "4",
}
_RULES = (
    rule("/cloudwatchRoleArn", "replace", "remove"),
    rule("/features", "add", "remove", kind="item"),
    rule("/throttleSettings/burstLimit", conv=COUNT),
    rule("/throttleSettings/rateLimit", conv=RATE),
)


async def account(r: Any, region: str) -> Doc:
    doc: Doc | None = await r.get(region, kinds.ACCOUNT, "", ACCOUNT_ID)
    return doc if doc is not None else {**DEFAULT_ACCOUNT}


@operation("GetAccount")
async def get_account(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    return await account(ctx.store, ctx.region)


@operation("UpdateAccount")
async def update_account(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    async with ctx.tx() as tx:
        doc = apply_patch(await account(tx, ctx.region), inp.get("patchOperations"), _RULES)
        throttle = doc["throttleSettings"]
        if throttle["burstLimit"] < 0 or throttle["rateLimit"] < 0:
            raise BadRequest("Throttle settings must be non-negative")
        arn = doc.get("cloudwatchRoleArn")
        if arn is not None and not arn.startswith("arn:"):
            raise BadRequest(f"The role ARN is not well formed: {arn}")
        await tx.put(ctx.region, kinds.ACCOUNT, "", ACCOUNT_ID, doc)
    return doc
