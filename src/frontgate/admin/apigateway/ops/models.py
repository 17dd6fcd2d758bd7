"""Model operations (JSON-schema models keyed by name) and GetModelTemplate."""

from __future__ import annotations

import json
import re
from typing import Any

from frontgate import ids, safejson
from frontgate.admin.apigateway.context import Ctx, Doc
from frontgate.admin.apigateway.ops.common import get_api, pick, store_page
from frontgate.admin.apigateway.patch import apply_patch, rule
from frontgate.admin.apigateway.registry import operation
from frontgate.admin.errors import BadRequest, Conflict, NotFound
from frontgate.definition import kinds

_NAME = re.compile(r"[a-zA-Z0-9]+")
_RULES = (rule("/description", "replace", "remove"), rule("/schema"))  # AWS lists them so


async def _model(r: Any, ctx: Ctx, api_id: str, name: str) -> Doc:
    # AWS names the model, not the API, when the API is unknown (recorded).
    doc: Doc | None = await r.get(ctx.region, kinds.MODEL, api_id, name)
    if doc is None:
        raise NotFound(f"Invalid model name specified: {name}")
    return doc


def check_schema(schema: str | None) -> None:
    """AWS's write-time check of a model's schema (shared with apigatewayv2's models)."""
    if not schema:
        raise BadRequest("Model schema must have at least 1 property or array items defined")
    try:
        safejson.loads(schema)
    except ValueError:
        raise BadRequest(
            "Invalid model specified: Validation Result: warnings : [], errors : "
            "[Invalid model schema specified]"
        ) from None


@operation("CreateModel")
async def create_model(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    api_id, name = inp["restApiId"], inp["name"]
    async with ctx.tx() as tx:
        await get_api(tx, ctx, api_id)
        if not _NAME.fullmatch(name):
            raise BadRequest(
                "Model name must be non-empty" if not name else "Model name must be alphanumeric"
            )
        if await tx.get(ctx.region, kinds.MODEL, api_id, name) is not None:
            raise Conflict("Model name already exists for this REST API")
        check_schema(inp.get("schema"))
        model = {"id": ids.short_id(), "name": name, "contentType": inp["contentType"]}
        model.update(pick(inp, "description", "schema"))
        if model.get("description") == "":
            del model["description"]  # AWS leaves an empty description out (recorded)
        await tx.put(ctx.region, kinds.MODEL, api_id, name, model)
    return model


@operation("GetModel")
async def get_model(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    return await _model(ctx.store, ctx, inp["restApiId"], inp["modelName"])


@operation("GetModels")
async def get_models(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    await get_api(ctx.store, ctx, inp["restApiId"])
    return await store_page(ctx, kinds.MODEL, inp["restApiId"], inp)


@operation("UpdateModel")
async def update_model(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    api_id = inp["restApiId"]
    async with ctx.tx() as tx:
        model = await _model(tx, ctx, api_id, inp["modelName"])
        model = apply_patch(model, inp.get("patchOperations"), _RULES)
        if model.get("description") == "":
            del model["description"]  # AWS clears it rather than keep "" (recorded)
        check_schema(model.get("schema"))
        await tx.put(ctx.region, kinds.MODEL, api_id, model["name"], model)
    return model


@operation("DeleteModel")
async def delete_model(ctx: Ctx, inp: dict[str, Any]) -> None:
    api_id, name = inp["restApiId"], inp["modelName"]
    async with ctx.tx() as tx:
        await _model(tx, ctx, api_id, name)
        for res in await tx.list(ctx.region, kinds.RESOURCE, api_id):
            for verb, method in (res.get("resourceMethods") or {}).items():
                if name in (method.get("requestModels") or {}).values():
                    raise Conflict(
                        f"Cannot delete model '{name}', is referenced in method request: "
                        f"{res['path']}/{verb}"
                    )
        await tx.delete(ctx.region, kinds.MODEL, api_id, name)


def _template(schema: Any, root: str, depth: int = 0) -> str:
    """A mapping-template skeleton echoing the schema's shape, as the console generates."""
    pad = "  " * (depth + 1)
    kind = schema.get("type") if isinstance(schema, dict) else None
    if kind == "object":
        props = schema.get("properties") or {}
        lines = [f'{pad}"{k}" : {_template(v, f"{root}.{k}", depth + 1)}' for k, v in props.items()]
        return "{\n" + ",\n".join(lines) + "\n" + "  " * depth + "}"
    if kind == "array":
        item = _template(schema.get("items") or {}, "$elem", depth + 1)
        return f"[\n#foreach($elem in {root})\n{pad}{item}\n#if($foreach.hasNext),#end\n#end\n" + (
            "  " * depth + "]"
        )
    if kind in ("integer", "number", "boolean"):
        return f"${root}"
    return f'"${root}"'


@operation("GetModelTemplate")
async def get_model_template(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    model = await _model(ctx.store, ctx, inp["restApiId"], inp["modelName"])
    return {"value": model_template(model.get("schema"))}


def model_template(schema_text: str | None) -> str:
    """The mapping template GetModelTemplate answers for a model's schema (shared with
    apigatewayv2's GetModelTemplate)."""
    body = _template(json.loads(schema_text or "{}"), "inputRoot")
    return "#set($inputRoot = $input.path('$'))\n" + body
