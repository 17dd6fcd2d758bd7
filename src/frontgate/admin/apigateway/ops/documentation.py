"""DocumentationPart operations, including ImportDocumentationParts (OpenAPI extension)."""

from __future__ import annotations

import json
from typing import Any

import yaml

from frontgate import ids, safejson
from frontgate.admin.apigateway.context import Ctx, Doc
from frontgate.admin.apigateway.ops.common import get_api, need_in_api, store_page
from frontgate.admin.apigateway.patch import apply_patch, rule
from frontgate.admin.apigateway.registry import operation
from frontgate.admin.errors import BadRequest, Conflict
from frontgate.definition import kinds

_NOT_FOUND = "Invalid Documentation part identifier specified"
_RULES = (rule("/properties"),)
_NAMED = {
    "MODEL",
    "AUTHORIZER",
    "PATH_PARAMETER",
    "QUERY_PARAMETER",
    "REQUEST_HEADER",
    "RESPONSE_HEADER",
}
_WITH_PATH = {
    "RESOURCE",
    "METHOD",
    "PATH_PARAMETER",
    "QUERY_PARAMETER",
    "REQUEST_HEADER",
    "REQUEST_BODY",
    "RESPONSE",
    "RESPONSE_HEADER",
    "RESPONSE_BODY",
}
_WITH_METHOD = _WITH_PATH - {"RESOURCE"}
_WITH_STATUS = {"RESPONSE", "RESPONSE_HEADER", "RESPONSE_BODY"}


def location(raw: Doc) -> Doc:
    """A location with AWS's defaults filled in (path ``/``, method and status ``*``)."""
    kind = raw.get("type")
    loc: Doc = {"type": kind}
    if kind in _WITH_PATH:
        loc["path"] = raw.get("path") or "/"
    if kind in _WITH_METHOD:
        loc["method"] = raw.get("method") or "*"
    if kind in _WITH_STATUS:
        loc["statusCode"] = raw.get("statusCode") or "*"
    if kind in _NAMED:
        if not raw.get("name"):
            raise BadRequest(f"Invalid location: name must be specified for type {kind}")
        loc["name"] = raw["name"]
    return loc


def check_properties(props: str | None) -> None:
    if not props:
        raise BadRequest("Documentation part properties must be non-empty")
    try:
        safejson.loads(props)
    except ValueError:
        raise BadRequest(
            "Invalid documentation content specified: properties must be JSON"
        ) from None


@operation("CreateDocumentationPart")
async def create_documentation_part(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    api_id = inp["restApiId"]
    check_properties(inp["properties"])
    doc = {
        "id": ids.short_id(),
        "location": location(inp["location"]),
        "properties": inp["properties"],
    }
    async with ctx.tx() as tx:
        await get_api(tx, ctx, api_id)
        for other in await tx.list(ctx.region, kinds.DOCUMENTATION_PART, api_id):
            if other["location"] == doc["location"]:
                raise Conflict("Documentation part already exists for the given location")
        await tx.put(ctx.region, kinds.DOCUMENTATION_PART, api_id, doc["id"], doc)
    return doc


@operation("GetDocumentationPart")
async def get_documentation_part(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    return await need_in_api(
        ctx.store,
        ctx,
        kinds.DOCUMENTATION_PART,
        inp["restApiId"],
        inp["documentationPartId"],
        _NOT_FOUND,
    )


@operation("GetDocumentationParts")
async def get_documentation_parts(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    await get_api(ctx.store, ctx, inp["restApiId"])
    type_, path, name_query = inp.get("type"), inp.get("path"), inp.get("nameQuery")
    if not (type_ or path or name_query):
        return await store_page(ctx, kinds.DOCUMENTATION_PART, inp["restApiId"], inp)

    async def item(part: Doc) -> Doc | None:
        location = part["location"]
        if type_ and location["type"] != type_:
            return None
        if path and location.get("path") != path:
            return None
        if name_query and name_query not in (location.get("name") or ""):
            return None
        return part

    return await store_page(ctx, kinds.DOCUMENTATION_PART, inp["restApiId"], inp, item)


@operation("UpdateDocumentationPart")
async def update_documentation_part(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    api_id = inp["restApiId"]
    async with ctx.tx() as tx:
        doc = await need_in_api(
            tx, ctx, kinds.DOCUMENTATION_PART, api_id, inp["documentationPartId"], _NOT_FOUND
        )
        doc = apply_patch(doc, inp.get("patchOperations"), _RULES)
        check_properties(doc.get("properties"))
        await tx.put(ctx.region, kinds.DOCUMENTATION_PART, api_id, doc["id"], doc)
    return doc


@operation("DeleteDocumentationPart")
async def delete_documentation_part(ctx: Ctx, inp: dict[str, Any]) -> None:
    api_id = inp["restApiId"]
    async with ctx.tx() as tx:
        await get_api(tx, ctx, api_id)  # here AWS reports the unknown API (recorded)
        doc = await need_in_api(
            tx, ctx, kinds.DOCUMENTATION_PART, api_id, inp["documentationPartId"], _NOT_FOUND
        )
        await tx.delete(ctx.region, kinds.DOCUMENTATION_PART, api_id, doc["id"])


@operation("ImportDocumentationParts")
async def import_documentation_parts(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    api_id = inp["restApiId"]
    try:
        spec = yaml.safe_load(bytes(inp["body"]).decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError, RecursionError):
        raise BadRequest("Unable to build importer with provided input.") from None  # recorded
    ext = (spec or {}).get("x-amazon-apigateway-documentation") if isinstance(spec, dict) else None
    if not isinstance(ext, dict):
        raise BadRequest("No x-amazon-apigateway-documentation extension found in the input")
    created, warnings = [], []
    async with ctx.tx() as tx:
        await get_api(tx, ctx, api_id)
        existing = await tx.list(ctx.region, kinds.DOCUMENTATION_PART, api_id)
        if inp.get("mode") == "overwrite":
            for old in existing:
                await tx.delete(ctx.region, kinds.DOCUMENTATION_PART, api_id, old["id"])
            existing = []
        by_loc = {json.dumps(p["location"], sort_keys=True): p for p in existing}
        for i, raw in enumerate(ext.get("documentationParts") or []):
            try:
                loc = location(raw.get("location") or {})
                props = raw.get("properties")
                props = props if isinstance(props, str) else json.dumps(props)
                check_properties(props)
            except BadRequest as exc:
                warnings.append(f"documentationParts[{i}]: {exc.message}")
                continue
            doc = by_loc.get(json.dumps(loc, sort_keys=True)) or {
                "id": ids.short_id(),
                "location": loc,
            }
            doc["properties"] = props
            await tx.put(ctx.region, kinds.DOCUMENTATION_PART, api_id, doc["id"], doc)
            created.append(doc["id"])
        if warnings and inp.get("failOnWarnings"):
            raise BadRequest("; ".join(warnings))
    return {"ids": created, "warnings": warnings}
