"""Plumbing shared by the apigatewayv2 resource families of this package (authorizers, models,
route responses, tags, VPC links, domain names): handlers that work on the wire shape, the API
look-up, and ``maxResults``/``nextToken`` pages of a stored collection.

Handlers registered with ``wire_operation`` read their input and return their result keyed by
the wire names (``apiId``, ``authorizerType``...), the shape the documents are stored in
(``frontgate.definition.httpapis``); the conversion to and from the model's member names happens
here, once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from frontgate.admin.apigateway.ops.common import decode_position, encode_position
from frontgate.admin.apigatewayv2.context import Ctx
from frontgate.admin.apigatewayv2.registry import operation
from frontgate.admin.apigatewayv2.wire import SERVICE, from_wire, to_wire
from frontgate.admin.errors import BadRequest, NotFound
from frontgate.admin.wire.model import operations
from frontgate.definition import kinds
from frontgate.definition.httpapis import HttpApiDefinition, auto_deploy
from frontgate.state.store import ConfigStore, Doc, Tx

WireHandler = Callable[[Ctx, Doc], Awaitable[Doc | None]]
Reader = Tx | ConfigStore


def wire_operation(name: str) -> Callable[[WireHandler], WireHandler]:
    """Register ``fn`` for operation ``name``, its input and output in wire names."""
    op = operations(SERVICE)[name]
    in_shape = op.get("input", {}).get("shape")
    out_shape = op.get("output", {}).get("shape")

    def register(fn: WireHandler) -> WireHandler:
        async def handler(ctx: Ctx, inp: dict[str, Any]) -> dict[str, Any] | None:
            out = await fn(ctx, to_wire(in_shape, inp) or {})
            return None if out is None else from_wire(out_shape, out)  # type: ignore[no-any-return]

        operation(name)(handler)
        return fn

    return register


def api_not_found(ctx: Ctx, api_id: str) -> NotFound:
    return NotFound(f"Invalid API identifier specified {ctx.account_id}:{api_id}")


async def need_api(r: Reader, ctx: Ctx, api_id: str) -> Doc:
    """The HTTP/WebSocket API document, or AWS's 404."""
    api = await r.get(ctx.region, kinds.V2_API, "", api_id)
    if api is None:
        raise api_not_found(ctx, api_id)
    return api


async def need(r: Reader, ctx: Ctx, kind: str, parent: str, id: str, message: str) -> Doc:
    doc = await r.get(ctx.region, kind, parent, id)
    if doc is None:
        raise NotFound(message)
    return doc


def _limit(raw: str | None) -> int:
    """``maxResults``: a string on the wire; 1..500, 100 when absent."""
    if raw is None or raw == "":
        return 100
    if not raw.isdigit() or not 1 <= int(raw) <= 500:
        raise BadRequest(f"Invalid maxResults value '{raw}': it must be between 1 and 500")
    return int(raw)


View = Callable[[Doc], Awaitable[Doc | None]]


async def page(
    ctx: Ctx, kind: str, parent: str, inp: Doc, view: View | None = None
) -> Doc:
    """One page of a stored collection as ``{"items", "nextToken"?}`` (wire names), read by key
    from the store as the REST collections are (``admin/apigateway/ops/common.store_page``):
    ``nextToken`` is opaque and stable under inserts and deletes. ``view`` turns a stored
    document into its item, or None to leave it out."""
    limit = _limit(inp.get("maxResults"))
    token = inp.get("nextToken")
    try:
        after = decode_position(token) if token else None
    except BadRequest:
        raise BadRequest(f"Invalid nextToken specified: {token}") from None
    items: list[Doc] = []
    last = ""
    more = False
    while not more:
        rows, next_key = await ctx.store.list_page(ctx.region, kind, parent, after, limit + 1)
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
    out: Doc = {"items": items}
    if more:
        out["nextToken"] = encode_position(last)
    return out


async def after_change(tx: Tx, ctx: Ctx, api_id: str) -> None:
    """After a change to an API's definition: move its auto-deploying stages, as AWS does."""
    await auto_deploy(tx, ctx.region, api_id, check=_no_check)


def _no_check(defn: HttpApiDefinition) -> None:
    return None


def check_tags(tags: Any) -> dict[str, str]:
    """Tags as AWS accepts them on a create or TagResource: no ``aws:`` keys, at most 50."""
    found: dict[str, str] = dict(tags or {})
    for key in found:
        if key.lower().startswith("aws:"):
            raise BadRequest("Tag keys cannot start with 'aws:'")
    if len(found) > 50:
        raise BadRequest("Too many tags: at most 50 are allowed")
    return found
