"""ApiKey operations, including ImportApiKeys (CSV)."""

from __future__ import annotations

import csv
import io
from typing import Any

from frontgate import ids
from frontgate.admin.apigateway.context import Ctx, Doc, Reader, now
from frontgate.admin.apigateway.ops.common import arn_tags, need, pick, store_page, with_tags
from frontgate.admin.apigateway.patch import apply_patch, as_bool, rule
from frontgate.admin.apigateway.registry import operation
from frontgate.admin.errors import BadRequest, Conflict
from frontgate.definition import kinds
from frontgate.traffic.crypto import same_value, seal, unseal

NOT_FOUND = "Invalid API Key identifier specified"
_RULES = (
    rule("/description", "replace", "remove"),
    rule("/enabled", conv=as_bool),
    rule("/name"),
    rule("/customerId", "replace", "remove"),
    rule("/stages", "add", "remove", kind="item", key=("stageKeys",), listed=False),
)


def check_value(value: str) -> None:
    if len(value) < 20:
        raise BadRequest("API Key value should be at least 20 characters")
    if len(value) > 128:
        raise BadRequest("API Key value exceeds maximum size of 128 characters")
    if not value.isascii() or not value.isalnum():
        raise BadRequest("API Key value must be alphanumeric")


def view(key: Doc, include_value: bool) -> Doc:
    return key if include_value else {k: v for k, v in key.items() if k != "value"}


async def _check_unique(r: Reader, ctx: Ctx, value: str) -> None:
    keyring = ctx.settings.keyring
    # Stored values are encrypted (random nonces): compare their keyed hashes instead.
    digest = keyring.lookup_hash(value) if keyring is not None else None
    for other in await r.list(ctx.region, kinds.API_KEY):
        if same_value(other, value, digest):
            raise Conflict("API Key already exists")


async def _check_stages(r: Reader, ctx: Ctx, stage_keys: list[str]) -> None:
    for sk in stage_keys:
        api_id, _, stage = sk.partition("/")
        if not stage or await r.get(ctx.region, kinds.STAGE, api_id, stage) is None:
            raise BadRequest(f"Invalid stage key specified: {sk}")


def _check_description(key: dict[str, Any]) -> None:
    if len(key.get("description") or "") > 125_000:  # AWS's bound; its recorded message
        raise BadRequest("Invalid API Key description specified.")


def new_key(inp: dict[str, Any]) -> Doc:
    if len(inp.get("name") or "") > 1024:
        raise BadRequest("Invalid API Key name, can be at most 1024 characters.")
    _check_description(inp)
    value = inp.get("value") or ids.api_key_value()
    check_value(value)
    ts = now()
    key: Doc = {
        "id": ids.short_id(10),
        "value": value,
        "enabled": bool(inp.get("enabled")),
        "createdDate": ts,
        "lastUpdatedDate": ts,
    }
    key.update(pick(inp, "name", "description", "customerId"))
    if key.get("name") == "":
        del key["name"]  # AWS leaves an empty name out (recorded: create-api-key-empty-name)
    key["stageKeys"] = [
        f"{s['restApiId']}/{s['stageName']}"
        for s in inp.get("stageKeys") or []
        if s.get("restApiId") and s.get("stageName")
    ]
    if inp.get("tags"):
        key["tags"] = arn_tags(inp)
    return key


@operation("CreateApiKey")
async def create_api_key(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    key = new_key(inp)
    async with ctx.tx() as tx:
        await _check_unique(tx, ctx, key["value"])
        await _check_stages(tx, ctx, key["stageKeys"])
        await tx.put(ctx.region, kinds.API_KEY, "", key["id"], seal(ctx.settings.keyring, key))
    return key


@operation("GetApiKey")
async def get_api_key(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    key = await need(ctx.store, ctx, kinds.API_KEY, "", inp["apiKey"], NOT_FOUND)
    # A single key is answered with its tags, ``{}`` when it has none (lists leave them out).
    return with_tags(view(unseal(ctx.settings.keyring, key), bool(inp.get("includeValue"))))


@operation("GetApiKeys")
async def get_api_keys(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    keyring = ctx.settings.keyring
    name_query, customer = inp.get("nameQuery"), inp.get("customerId")
    values = bool(inp.get("includeValues"))

    async def item(sealed: Doc) -> Doc | None:
        key = unseal(keyring, sealed)
        if name_query and not (key.get("name") or "").startswith(name_query):
            return None
        if customer and key.get("customerId") != customer:
            return None
        return view(key, values)

    return await store_page(ctx, kinds.API_KEY, "", inp, item)


@operation("UpdateApiKey")
async def update_api_key(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    async with ctx.tx() as tx:
        key = await need(tx, ctx, kinds.API_KEY, "", inp["apiKey"], NOT_FOUND)
        key = apply_patch(unseal(ctx.settings.keyring, key), inp.get("patchOperations"), _RULES)
        _check_description(key)
        key.setdefault("stageKeys", [])  # always listed, even empty (recorded)
        await _check_stages(tx, ctx, key.get("stageKeys") or [])
        key["lastUpdatedDate"] = now()
        await tx.put(ctx.region, kinds.API_KEY, "", key["id"], seal(ctx.settings.keyring, key))
    return with_tags(view(key, False))  # as AWS records UpdateApiKey


@operation("DeleteApiKey")
async def delete_api_key(ctx: Ctx, inp: dict[str, Any]) -> None:
    async with ctx.tx() as tx:
        key = await need(tx, ctx, kinds.API_KEY, "", inp["apiKey"], NOT_FOUND)
        await tx.delete(ctx.region, kinds.API_KEY, "", key["id"])
        # A deleted key leaves every usage plan it was in.
        for plan in await tx.list(ctx.region, kinds.USAGE_PLAN):
            await tx.delete(ctx.region, kinds.USAGE_PLAN_KEY, plan["id"], key["id"])


@operation("ImportApiKeys")
async def import_api_keys(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    try:
        text = bytes(inp["body"]).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadRequest("Invalid API key file: not UTF-8 text") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise BadRequest("Invalid API key file: empty")
    header = [h.strip().lower() for h in rows[0]]
    if "key" not in header:
        raise BadRequest("Invalid API key file: the header must name a Key column")
    created, warnings = [], []
    async with ctx.tx() as tx:
        for line, row in enumerate(rows[1:], start=2):
            if not any(cell.strip() for cell in row):
                continue
            rec = {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header)}
            try:
                # A file's key is imported as written: an empty one is not replaced by a new one.
                check_value(rec.get("key", ""))
                enabled = as_bool(rec.get("enabled", "") or "false", "Enabled")
                key = new_key(
                    {
                        "value": rec.get("key"),
                        "name": rec.get("name") or None,
                        "description": rec.get("description") or None,
                        "enabled": enabled,
                    }
                )
                await _check_unique(tx, ctx, key["value"])
            except (BadRequest, Conflict) as exc:
                warnings.append(f"Line {line}: {exc.message}")
                continue
            await tx.put(ctx.region, kinds.API_KEY, "", key["id"],
                         seal(ctx.settings.keyring, key))  # fmt: skip
            created.append(key["id"])
            for plan_id in filter(
                None, (p.strip() for p in rec.get("usageplanids", "").split(","))
            ):
                if await tx.get(ctx.region, kinds.USAGE_PLAN, "", plan_id) is None:
                    warnings.append(f"Line {line}: Invalid Usage Plan ID specified: {plan_id}")
                    continue
                await tx.put(
                    ctx.region,
                    kinds.USAGE_PLAN_KEY,
                    plan_id,
                    key["id"],
                    {"id": key["id"], "type": "API_KEY"},
                )
        if warnings and inp.get("failOnWarnings"):
            raise BadRequest("; ".join(warnings))
    return {"ids": created, "warnings": warnings}
