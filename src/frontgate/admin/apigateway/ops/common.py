"""Look-ups with AWS's not-found messages, pagination and small helpers shared by the ops."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Awaitable, Callable
from typing import Any

from frontgate.admin.apigateway.context import Ctx, Doc, Reader
from frontgate.admin.errors import BadRequest, NotFound
from frontgate.definition import kinds
from frontgate.state.store import parse_key

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


def _limit(inp: dict[str, Any]) -> int:
    """``limit`` 25 by default, 500 at most (AWS's documented bounds); a negative limit is
    answered with an empty page (AWS's recorded answer to limit=-1), shown here as 0."""
    limit: int | None = inp.get("limit")
    if limit is None or limit == 0:
        return 25
    if limit < 0:
        return 0
    if limit > 500:
        raise BadRequest("The limit must be between 1 and 500")
    return limit


def page(items: list[Doc], inp: dict[str, Any]) -> dict[str, Any]:
    """One page of a small computed collection (gateway responses): ``position`` is an opaque
    offset. Stored collections page with ``store_page`` instead."""
    limit = _limit(inp)
    if limit == 0:
        return {"items": []}
    try:
        start = int(inp.get("position") or 0)
    except ValueError:
        raise BadRequest("Invalid position parameter") from None
    out: dict[str, Any] = {"items": items[start : start + limit]}
    if start + limit < len(items):
        out["position"] = str(start + limit)
    return out


# A position names the last document of the previous page by its store key, wrapped so that
# clients treat it as opaque (AWS's positions are opaque strings): base64url, no padding.
_POSITION_TAG = "k1:"
_POSITION_CHARS = re.compile(r"[A-Za-z0-9_-]{1,64}")


def encode_position(key: str) -> str:
    return base64.urlsafe_b64encode((_POSITION_TAG + key).encode()).decode().rstrip("=")


def decode_position(position: str) -> str:
    """The store key a position wraps; ``Invalid position parameter`` (400) for anything this
    gateway did not hand out."""
    try:
        if not _POSITION_CHARS.fullmatch(position):
            raise ValueError(position)
        raw = base64.urlsafe_b64decode(position + "=" * (-len(position) % 4)).decode()
        if not raw.startswith(_POSITION_TAG):
            raise ValueError(position)
        key = raw[len(_POSITION_TAG) :]
        parse_key(key)
    except (ValueError, binascii.Error):
        raise BadRequest("Invalid position parameter") from None
    return key


View = Callable[[Doc], Awaitable[Doc | None]]


async def store_page(
    ctx: Ctx, kind: str, parent: str, inp: dict[str, Any], view: View | None = None
) -> dict[str, Any]:
    """One page of a stored collection in its list order (first insert), read from the store
    one page at a time from the key in ``position`` (keyset pagination: the cost is the page's,
    not the offset's). ``view`` turns each stored document into its list item, or None to leave
    it out (filters): the scan then goes on until the page is full, so a filtered page is as
    full as an unfiltered one, and ``position`` is given only when a further item exists."""
    limit = _limit(inp)
    if limit == 0:
        return {"items": []}
    position = inp.get("position")
    after = decode_position(position) if position else None
    # One extra row tells whether another page exists; a filter reads in larger steps.
    batch = limit + 1 if view is None else max(limit + 1, 100)
    items: list[Doc] = []
    last = ""
    more = False
    while not more:
        rows, next_key = await ctx.store.list_page(ctx.region, kind, parent, after, batch)
        for key, doc in rows:
            item = doc if view is None else await view(doc)
            if item is None:
                continue
            if len(items) == limit:
                more = True
                break
            items.append(item)
            last = key
        if next_key is None:
            break
        after = next_key
    out: dict[str, Any] = {"items": items}
    if more:
        out["position"] = encode_position(last)
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
