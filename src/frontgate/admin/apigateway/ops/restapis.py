"""RestApi operations: create (and clone), read, update, delete, import and put (OpenAPI)."""

from __future__ import annotations

import json
from typing import Any

from frontgate import ids
from frontgate.admin.apigateway.context import Ctx, Doc, now
from frontgate.admin.apigateway.ops.common import (
    arn_tags,
    check_description,
    get_api,
    pick,
    store_page,
    with_tags,
)
from frontgate.admin.apigateway.patch import PatchOp, apply_patch, as_bool, enum_of, rule
from frontgate.admin.apigateway.registry import operation
from frontgate.admin.errors import BadRequest
from frontgate.definition import kinds
from frontgate.definition.model import ApiDefinition
from frontgate.definition.restapis import load_api, save_api
from frontgate.iam import resource_policy_error

MAX_COMPRESSION = 10_485_760
_COMPRESSION_ERROR = "Invalid minimum compression size, must be between 0 and 10485760"

# The two models AWS adds to every new (not imported) REST API.
DEFAULT_MODELS = (
    (
        "Empty",
        "This is a default empty schema model",
        {
            "$schema": "http://json-schema.org/draft-04/schema#",
            "title": "Empty Schema",
            "type": "object",
        },
    ),
    (
        "Error",
        "This is a default error schema model",
        {
            "$schema": "http://json-schema.org/draft-04/schema#",
            "title": "Error Schema",
            "type": "object",
            "properties": {"message": {"type": "string"}},
        },
    ),
)


def _compression(value: str | None, path: str) -> Any:
    if not value:
        return None  # an empty value disables compression
    try:
        size = int(value)
    except ValueError:
        raise BadRequest(_COMPRESSION_ERROR) from None
    if not 0 <= size <= MAX_COMPRESSION:
        raise BadRequest(_COMPRESSION_ERROR)
    return size


_RULES = (
    rule("/name"),
    rule("/description", "replace", "remove"),
    rule("/version", "replace", "remove"),
    rule("/policy", "replace", "remove"),
    rule("/apiKeySource", conv=enum_of("HEADER", "AUTHORIZER")),
    rule("/minimumCompressionSize", conv=_compression),
    rule("/disableExecuteApiEndpoint", conv=as_bool),
    rule("/binaryMediaTypes/{type}", "add", "replace", "remove", kind="element"),
    rule(
        "/endpointConfiguration/vpcEndpointIds",
        "add",
        "remove",
        kind="item",
        key=("endpointConfiguration", "vpcEndpointIds"),
        listed=False,
    ),
)


def _rest_api_fallback(doc: Doc, op: PatchOp) -> bool:
    if op.segments == ("binaryMediaTypes",):
        raise BadRequest(f"Invalid patch path {op.path}")
    # endpointConfiguration, with AWS's recorded messages.
    if op.segments == ("endpointConfiguration", "ipAddressType"):
        if op.op != "replace":
            raise BadRequest("Invalid patch operation specified. Must be one of: [replace]")
        if op.value not in ("ipv4", "dualstack"):
            raise BadRequest("ipAddressType must be either ipv4 or dualstack.")
        doc.setdefault("endpointConfiguration", {})["ipAddressType"] = op.value
        return True
    if op.segments[:2] == ("endpointConfiguration", "types"):
        if op.op != "replace":  # an API keeps exactly one type
            raise BadRequest("Invalid patch operation specified. Must be 'add'|'remove'|'replace'")
        if op.value not in ("EDGE", "REGIONAL", "PRIVATE"):
            raise BadRequest(
                "Invalid EndpointTypes specified. Valid options are REGIONAL,EDGE,PRIVATE"
            )
        conf = doc.setdefault("endpointConfiguration", {})
        conf["types"] = [op.value]
        if op.value == "PRIVATE":
            conf["ipAddressType"] = "dualstack"  # the only kind a private API has (recorded)
        return True
    if op.segments[:2] == ("endpointConfiguration", "vpcEndpointIds") and len(op.segments) == 2:
        ids_ = doc.setdefault("endpointConfiguration", {}).setdefault("vpcEndpointIds", [])
        if op.op == "add" and op.value and op.value not in ids_:
            ids_.append(op.value)
        elif op.op == "remove" and op.value in ids_:
            ids_.remove(op.value)
        return op.op in ("add", "remove")
    return False


def _check_policy(api: Doc) -> None:
    problem = resource_policy_error(api.get("policy"))
    if problem is not None:
        raise BadRequest(problem)


def validate_endpoint(conf: Doc | None) -> Doc:
    """An endpoint configuration with AWS's defaults (EDGE; ipv4, dualstack for PRIVATE)."""
    conf = dict(conf or {})
    types = conf.get("types", ["EDGE"])
    if not types:
        raise BadRequest("REGIONAL Configuration and EDGE Configuration cannot be both DISABLED.")
    if len(types) > 1:
        raise BadRequest("Cannot create an api with multiple Endpoint Types.")
    conf["types"] = types
    conf.setdefault("ipAddressType", "dualstack" if types == ["PRIVATE"] else "ipv4")
    _check_private(conf)
    return conf


def _check_private(conf: Doc) -> None:
    if conf.get("types") == ["PRIVATE"] and conf.get("ipAddressType") != "dualstack":
        raise BadRequest("Only dualstack ipAddressType is supported for Private APIs.")


def new_rest_api(inp: dict[str, Any]) -> Doc:
    """A RestApi document with AWS's defaults; ``rootResourceId`` is set by the caller."""
    check_description(inp)
    size = inp.get("minimumCompressionSize")
    if size is not None and not 0 <= size <= MAX_COMPRESSION:
        raise BadRequest(_COMPRESSION_ERROR)
    api: Doc = {"id": ids.rest_api_id(), "createdDate": now()}
    api.update(pick(inp, "name", "description", "version", "binaryMediaTypes", "policy"))
    if api.get("binaryMediaTypes") == []:
        del api["binaryMediaTypes"]  # AWS leaves an empty list out (recorded)
    _check_policy(api)
    api.update(pick(inp, "minimumCompressionSize"))
    api["apiKeySource"] = inp.get("apiKeySource") or "HEADER"
    api["endpointConfiguration"] = validate_endpoint(inp.get("endpointConfiguration"))
    api["disableExecuteApiEndpoint"] = bool(inp.get("disableExecuteApiEndpoint"))
    if inp.get("tags"):
        api["tags"] = arn_tags(inp)
    return api


def _clone(source: ApiDefinition, api: Doc) -> ApiDefinition:
    """Copy a definition under new ids (resource ids are remapped, parents follow)."""
    remap = {
        r["id"]: (ids.rest_api_id() if r.get("path") == "/" else ids.short_id())
        for r in source.resources
    }
    resources = []
    for res in source.resources:
        copy = json.loads(json.dumps(res))
        copy["id"] = remap[res["id"]]
        if "parentId" in copy:
            copy["parentId"] = remap.get(copy["parentId"], copy["parentId"])
        for method in copy.get("resourceMethods", {}).values():
            integ = method.get("methodIntegration")
            if integ and integ.get("cacheNamespace") == res["id"]:
                integ["cacheNamespace"] = copy["id"]
        resources.append(copy)
        if copy.get("path") == "/":
            api["rootResourceId"] = copy["id"]
    return ApiDefinition(
        rest_api=api,
        resources=resources,
        models=[dict(m, id=ids.short_id()) for m in source.models],
        authorizers=[dict(a) for a in source.authorizers],
        request_validators=[dict(v) for v in source.request_validators],
        gateway_responses=[dict(g) for g in source.gateway_responses],
    )


@operation("CreateRestApi")
async def create_rest_api(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    api = new_rest_api(inp)
    async with ctx.tx() as tx:
        if inp.get("cloneFrom"):
            await get_api(tx, ctx, inp["cloneFrom"])
            source = await load_api(tx, ctx.region, inp["cloneFrom"])
            defn = _clone(source or ApiDefinition(rest_api={}), api)
        else:
            root = ids.rest_api_id()
            api["rootResourceId"] = root
            models = [
                {
                    "id": ids.short_id(),
                    "name": name,
                    "description": desc,
                    "contentType": "application/json",
                    "schema": json.dumps(schema),
                }
                for name, desc, schema in DEFAULT_MODELS
            ]
            defn = ApiDefinition(rest_api=api, resources=[{"id": root, "path": "/"}], models=models)
        await save_api(tx, ctx.region, defn)
    return api


@operation("GetRestApi")
async def get_rest_api(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    return with_tags(await get_api(ctx.store, ctx, inp["restApiId"]))


@operation("GetRestApis")
async def get_rest_apis(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    return await store_page(ctx, kinds.REST_API, "", inp)


@operation("UpdateRestApi")
async def update_rest_api(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    async with ctx.tx() as tx:
        api = await get_api(tx, ctx, inp["restApiId"])
        api = apply_patch(
            api, inp.get("patchOperations"), _RULES, fallback=_rest_api_fallback, short_op=True
        )
        if api.get("description") == "":
            raise BadRequest("Description cannot be an empty string")
        _check_private(api.get("endpointConfiguration") or {})
        _check_policy(api)
        await tx.put(ctx.region, kinds.REST_API, "", api["id"], api)
    return with_tags(api)


@operation("DeleteRestApi")
async def delete_rest_api(ctx: Ctx, inp: dict[str, Any]) -> None:
    async with ctx.tx() as tx:
        api = await get_api(tx, ctx, inp["restApiId"])
        # AWS refuses while a custom domain's base path mapping still targets the API.
        mapped: list[str] = []
        for domain in await tx.list(ctx.region, kinds.DOMAIN_NAME):
            name = str(domain.get("domainName", ""))
            records = await tx.list(ctx.region, kinds.BASE_PATH_MAPPING, name)
            if any(m.get("restApiId") == api["id"] for m in records):
                mapped.append(name)
        if mapped:
            raise BadRequest(
                f"Deleting RestApi {api['id']} failed. Please remove all base path mappings "
                f"related to the RestApi in your domains: {', '.join(mapped)}"
            )
        await tx.delete(ctx.region, kinds.REST_API, "", api["id"])
        # Every child document (resources, stages, deployments, docs...) has the API as parent.
        await tx.delete_children(ctx.region, api["id"])
        # References from elsewhere go too, as on AWS: usage-plan stages.
        for plan in await tx.list(ctx.region, kinds.USAGE_PLAN):
            stages = plan.get("apiStages") or []
            kept = [s for s in stages if s.get("apiId") != api["id"]]
            if len(kept) != len(stages):
                await tx.put(
                    ctx.region, kinds.USAGE_PLAN, "", plan["id"], {**plan, "apiStages": kept}
                )
