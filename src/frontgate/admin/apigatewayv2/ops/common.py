"""Look-ups with AWS's not-found messages, paging (``maxResults``/``nextToken``) and small
helpers shared by the apigatewayv2 operation modules. Registers no operation."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import Any

from frontgate import ids
from frontgate.admin.apigatewayv2.context import Ctx
from frontgate.admin.errors import BadRequest, NotFound, TooManyRequests
from frontgate.compile.http_checks import check_http_deployable
from frontgate.definition import kinds
from frontgate.definition.httpapis import auto_deploy
from frontgate.state.store import ConfigStore, Doc, Tx, parse_key

Reader = Tx | ConfigStore


def new_id() -> str:
    """A child id (route, integration, deployment...): 7 lowercase alphanumerics, as AWS's."""
    return ids.short_id(7)


async def get_api(r: Reader, ctx: Ctx, api_id: str) -> Doc:
    api = await r.get(ctx.region, kinds.V2_API, "", api_id)
    if api is None:
        raise NotFound(f"Invalid API identifier specified {ctx.account_id}:{api_id}")
    return api


async def need(r: Reader, ctx: Ctx, kind: str, parent: str, id: str, what: str) -> Doc:
    """The document, or ``NotFoundException: Invalid {what} identifier specified {id}``."""
    doc = await r.get(ctx.region, kind, parent, id)
    if doc is None:
        raise NotFound(f"Invalid {what} identifier specified {id}")
    return doc


def view_api(ctx: Ctx, api: Doc) -> Doc:
    """An Api as answered: its endpoint from this node's data-plane settings (the stored one
    may predate a change of port or domain)."""
    return {
        **api,
        "apiEndpoint": ctx.api_endpoint(str(api["apiId"]), str(api.get("protocolType"))),
    }


async def redeploy(tx: Tx, ctx: Ctx, api_id: str) -> None:
    """After a write to the API's definition: move its ``autoDeploy`` stages (AWS deploys the
    change at once; a definition that does not deploy leaves them where they were, with the
    reason in ``lastDeploymentStatusMessage``)."""
    await auto_deploy(tx, ctx.region, api_id, check=check_http_deployable)


# AWS's default quotas per HTTP API (https://docs.aws.amazon.com/apigateway/latest/developerguide/
# http-api-quotas.html): exceeding one is 429 TooManyRequestsException, as AWS answers.
QUOTAS = {kinds.V2_ROUTE: ("routes", 300), kinds.V2_INTEGRATION: ("integrations", 300),
          kinds.V2_STAGE: ("stages", 10)}  # fmt: skip


async def check_quota(tx: Tx, ctx: Ctx, kind: str, api_id: str) -> None:
    """Before a create: ``TooManyRequestsException`` when the API has its quota of ``kind``."""
    what, limit = QUOTAS[kind]
    if len(await tx.list(ctx.region, kind, api_id)) >= limit:
        raise TooManyRequests(f"An API can have at most {limit} {what} (AWS's default quota)")


# -- paging -----------------------------------------------------------------------------------

DEFAULT_PAGE = 100  # AWS documents no default; its consoles page by 100
MAX_PAGE = 500

_TOKEN_TAG = "v2:"
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _page_size(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_PAGE
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise BadRequest(f"Invalid maxResults {raw!r}: must be a number from 1 to {MAX_PAGE}")
    return int(raw)


def _encode_token(key: str) -> str:
    return base64.urlsafe_b64encode((_TOKEN_TAG + key).encode()).decode().rstrip("=")


def _decode_token(token: str) -> str:
    try:
        if not _TOKEN_CHARS.fullmatch(token):
            raise ValueError(token)
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        if not raw.startswith(_TOKEN_TAG):
            raise ValueError(token)
        key = raw[len(_TOKEN_TAG) :]
        parse_key(key)
    except (ValueError, binascii.Error):
        raise BadRequest("Invalid nextToken") from None
    return key


async def page(
    ctx: Ctx,
    kind: str,
    parent: str,
    inp: dict[str, Any],
    view: Callable[[Doc], Doc] | None = None,
) -> dict[str, Any]:
    """One page of a stored collection, in creation order: ``{"items", "nextToken"?}``.
    Keyset paging on the store's keys: the token names the last item handed out, so inserts
    and deletes between pages make nothing skip or repeat."""
    limit = _page_size(inp.get("maxResults"))
    token = inp.get("nextToken")
    after = _decode_token(token) if token else None
    rows, next_key = await ctx.store.list_page(ctx.region, kind, parent, after, limit)
    items = [doc if view is None else view(doc) for _, doc in rows]
    out: dict[str, Any] = {"items": items}
    if next_key is not None and rows:
        # One row further tells whether another page exists at all.
        more, _ = await ctx.store.list_page(ctx.region, kind, parent, rows[-1][0], 1)
        if more:
            out["nextToken"] = _encode_token(rows[-1][0])
    return out


# -- values -----------------------------------------------------------------------------------


def pick(inp: dict[str, Any], *names: str) -> Doc:
    """The members of ``inp`` among ``names`` that were given."""
    return {n: inp[n] for n in names if inp.get(n) is not None}


def check_tags(tags: dict[str, str] | None) -> dict[str, str]:
    for key in tags or {}:
        if key.lower().startswith("aws:"):
            raise BadRequest("Tag keys cannot start with 'aws:'")
    return dict(tags or {})
