"""ApiMapping operations. An API mapping is the REST API's base path mapping seen through
apigatewayv2: one stored record (``kinds.BASE_PATH_MAPPING``, parent the domain name, id the
base path, ``(none)`` for the empty key) holding ``restApiId``, ``stage`` and an
``apiMappingId``, so GetBasePathMappings and GetApiMappings list the same mappings, and a
mapping made through either API is changed or deleted through the other. A mapping may target
an HTTP API or a REST API, as on AWS.

A record written before mappings had ids (or by a REST call of an older version) gets an id
derived from its base path, stable until the path changes."""

from __future__ import annotations

import hashlib
import re

from frontgate.admin.apigatewayv2.context import Ctx
from frontgate.admin.apigatewayv2.ops.common import Reader, new_id, page
from frontgate.admin.apigatewayv2.ops.domains import need_domain
from frontgate.admin.apigatewayv2.registry import operation
from frontgate.admin.errors import BadRequest, Conflict, NotFound
from frontgate.definition import kinds
from frontgate.state.store import Doc, Tx

NONE = "(none)"  # the REST API's name for the empty base path
_NOT_FOUND = "Invalid ApiMapping identifier specified"
# A key segment (AWS's recorded message lists the characters); several segments, joined by "/",
# make a multi-level mapping (REST APIs only).
_SEGMENT = re.compile(r"[A-Za-z0-9$\-_.+!*'()]+")
_KEY_CHARS = "An ApiMapping key may contain only letters, numbers and one of $-_.+!*'()"


def mapping_id(record: Doc) -> str:
    """The mapping's id: stored, or derived from the base path for a record without one."""
    stored = record.get("apiMappingId")
    if stored:
        return str(stored)
    digest = hashlib.sha256(str(record["basePath"]).encode()).hexdigest()
    return "m" + digest[:9]


def view(record: Doc) -> Doc:
    base = record["basePath"]
    out: Doc = {
        "apiMappingId": mapping_id(record),
        "apiId": record["restApiId"],
        "apiMappingKey": "" if base == NONE else base,
    }
    if record.get("stage"):
        out["stage"] = record["stage"]
    return out


async def domains_mapping(r: Reader, ctx: Ctx, api_id: str, stage: str | None = None) -> list[str]:
    """The custom domains with an API mapping to the API (to one of its stages, if given):
    what DeleteApi and DeleteStage refuse to orphan, as AWS does."""
    found: list[str] = []
    for domain in await r.list(ctx.region, kinds.DOMAIN_NAME):
        name = str(domain.get("domainName", ""))
        for record in await r.list(ctx.region, kinds.BASE_PATH_MAPPING, name):
            if record.get("restApiId") == api_id and stage in (None, record.get("stage")):
                found.append(name)
                break
    return found


async def _find(r: Reader, ctx: Ctx, domain: str, mapping: str) -> Doc:
    for record in await r.list(ctx.region, kinds.BASE_PATH_MAPPING, domain):
        if mapping_id(record) == mapping:
            return record
    raise NotFound(_NOT_FOUND)


async def _check_target(tx: Tx, ctx: Ctx, api_id: str, stage: str, key: str) -> None:
    """The API (HTTP or REST) and its stage exist; the key is well formed for that API."""
    if await tx.get(ctx.region, kinds.V2_API, "", api_id) is not None:
        stage_kind = kinds.V2_STAGE
        if "/" in key:
            raise BadRequest("Multi-level API mapping keys are supported only for REST APIs")
    elif await tx.get(ctx.region, kinds.REST_API, "", api_id) is not None:
        stage_kind = kinds.STAGE
    else:
        raise NotFound(f"Invalid API identifier specified {ctx.account_id}:{api_id}")
    if await tx.get(ctx.region, stage_kind, api_id, stage) is None:
        raise BadRequest(f"Invalid stage identifier specified {stage}")
    if key and not all(_SEGMENT.fullmatch(seg) for seg in key.split("/")):
        raise BadRequest(_KEY_CHARS)


async def _store(tx: Tx, ctx: Ctx, domain: str, record: Doc, old_base: str | None) -> None:
    if record["basePath"] != old_base:
        if await tx.get(ctx.region, kinds.BASE_PATH_MAPPING, domain, record["basePath"]):
            raise Conflict("ApiMapping key already exists for this domain name")
        if old_base is not None:
            await tx.delete(ctx.region, kinds.BASE_PATH_MAPPING, domain, old_base)
    await tx.put(ctx.region, kinds.BASE_PATH_MAPPING, domain, record["basePath"], record)


@operation("CreateApiMapping")
async def create_api_mapping(ctx: Ctx, inp: Doc) -> Doc:
    key = inp.get("apiMappingKey") or ""
    record: Doc = {
        "basePath": key or NONE,
        "restApiId": inp["apiId"],
        "stage": inp["stage"],
        "apiMappingId": new_id(),
    }
    async with ctx.tx() as tx:
        domain = (await need_domain(tx, ctx, inp["domainName"]))["domainName"]
        await _check_target(tx, ctx, inp["apiId"], inp["stage"], key)
        await _store(tx, ctx, domain, record, None)
    return view(record)


@operation("GetApiMapping")
async def get_api_mapping(ctx: Ctx, inp: Doc) -> Doc:
    domain = (await need_domain(ctx.store, ctx, inp["domainName"]))["domainName"]
    return view(await _find(ctx.store, ctx, domain, inp["apiMappingId"]))


@operation("GetApiMappings")
async def get_api_mappings(ctx: Ctx, inp: Doc) -> Doc:
    domain = (await need_domain(ctx.store, ctx, inp["domainName"]))["domainName"]

    return await page(ctx, kinds.BASE_PATH_MAPPING, domain, inp, view)


@operation("UpdateApiMapping")
async def update_api_mapping(ctx: Ctx, inp: Doc) -> Doc:
    async with ctx.tx() as tx:
        domain = (await need_domain(tx, ctx, inp["domainName"]))["domainName"]
        old = await _find(tx, ctx, domain, inp["apiMappingId"])
        record = dict(old)
        record["apiMappingId"] = mapping_id(old)  # a derived id is kept from now on
        record["restApiId"] = inp["apiId"]
        if inp.get("stage") is not None:
            record["stage"] = inp["stage"]
        if inp.get("apiMappingKey") is not None:
            record["basePath"] = inp["apiMappingKey"] or NONE
        base = record["basePath"]
        await _check_target(
            tx, ctx, record["restApiId"], str(record.get("stage")), "" if base == NONE else base
        )
        await _store(tx, ctx, domain, record, old["basePath"])
    return view(record)


@operation("DeleteApiMapping")
async def delete_api_mapping(ctx: Ctx, inp: Doc) -> None:
    async with ctx.tx() as tx:
        domain = (await need_domain(tx, ctx, inp["domainName"]))["domainName"]
        record = await _find(tx, ctx, domain, inp["apiMappingId"])
        await tx.delete(ctx.region, kinds.BASE_PATH_MAPPING, domain, record["basePath"])
