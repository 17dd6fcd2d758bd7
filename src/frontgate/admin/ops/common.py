"""Look-ups with AWS's not-found messages, pagination and small helpers shared by the ops."""

from __future__ import annotations

from typing import Any

from frontgate.admin.context import Ctx, Doc, Reader
from frontgate.admin.errors import BadRequest, NotFound
from frontgate.control import kinds

# CreateResource/PutMethod accept these (ANY is API Gateway's catch-all).
HTTP_METHODS = ("GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD", "ANY")


async def get_api(r: Reader, ctx: Ctx, api_id: str) -> Doc:
    api = await r.get(ctx.region, kinds.REST_API, "", api_id)
    if api is None:
        raise NotFound(f"Invalid API identifier specified {ctx.account_id}:{api_id}")
    return api


async def need(r: Reader, ctx: Ctx, kind: str, parent: str, id: str, message: str) -> Doc:
    doc = await r.get(ctx.region, kind, parent, id)
    if doc is None:
        raise NotFound(message)
    return doc


async def need_in_api(r: Reader, ctx: Ctx, kind: str, api_id: str, id: str, message: str) -> Doc:
    """``need`` for a document kept under a REST API. AWS looks such a document up by API and
    id at once: with an unknown API the answer names the document (``Invalid Resource
    identifier specified``), not the API; only collection operations (Create*, Get*s) and a few
    recorded exceptions report the API."""
    return await need(r, ctx, kind, api_id, id, message)


async def get_resource(r: Reader, ctx: Ctx, api_id: str, resource_id: str) -> Doc:
    return await need_in_api(
        r, ctx, kinds.RESOURCE, api_id, resource_id, "Invalid Resource identifier specified"
    )


def get_method(resource: Doc, http_method: str) -> Doc:
    method = resource.get("resourceMethods", {}).get(http_method)
    if method is None:
        raise NotFound("Invalid Method identifier specified")
    return method  # type: ignore[no-any-return]


async def get_stage(r: Reader, ctx: Ctx, api_id: str, stage_name: str) -> Doc:
    return await need_in_api(
        r, ctx, kinds.STAGE, api_id, stage_name, "Invalid Stage identifier specified"
    )


def page(items: list[Doc], inp: dict[str, Any]) -> dict[str, Any]:
    """One page of a collection: ``position`` is an opaque offset, ``limit`` 25 by default, 500
    at most (AWS's documented bounds)."""
    limit = inp.get("limit")
    if limit is None or limit == 0:
        limit = 25
    if limit < 0:
        # AWS answers an empty page for a negative limit (its recorded answer to limit=-1).
        return {"items": []}
    if limit > 500:
        raise BadRequest("The limit must be between 1 and 500")
    try:
        start = int(inp.get("position") or 0)
    except ValueError:
        raise BadRequest("Invalid position parameter") from None
    out: dict[str, Any] = {"items": items[start : start + limit]}
    if start + limit < len(items):
        out["position"] = str(start + limit)
    return out


def pick(inp: dict[str, Any], *names: str) -> Doc:
    """The members of ``inp`` among ``names`` that were given."""
    return {n: inp[n] for n in names if inp.get(n) is not None}


def check_description(inp: dict[str, Any]) -> None:
    if inp.get("description") == "":
        raise BadRequest("Description cannot be an empty string")


def arn_tags(inp: dict[str, Any]) -> dict[str, str]:
    tags: dict[str, str] = inp.get("tags") or {}
    for key in tags:
        if key.startswith("aws:"):
            raise BadRequest("Tag keys cannot start with 'aws:'")
    return tags


def with_tags(doc: Doc) -> Doc:
    """A single resource as AWS answers its Get and Update (and PutRestApi): ``tags`` always
    there, ``{}`` when none; creates, imports and list items leave it out unless there are tags
    (recorded)."""
    return {"tags": {}, **doc}
