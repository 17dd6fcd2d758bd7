"""API keys of WebSocket APIs: a route with ``apiKeyRequired`` admits a connection only with an
enabled key that a usage plan binds to the API's stage, the plan's throttle and quota then
counting that route's requests (``messages.admit`` hands the binding to the route's throttle).

Where the key comes from is the API's ``apiKeySelectionExpression``:
``$request.header.x-api-key`` (the handshake's header) or
``$context.authorizer.usageIdentifierKey`` (what the ``$connect`` Lambda authorizer answered).
Both are facts of the ``$connect`` request, so a connection has one key for its life: on
``$connect`` a missing or refused key fails the handshake with 403 ``{"message":"Forbidden"}``
(AWS's INVALID_API_KEY); on a message route the same key is looked up again in the current
snapshot (a key disabled or taken out of the plan since stops counting at once) and a refusal
is the ``Forbidden`` error frame, the connection kept.

Looking a key up is the traffic key index's (``traffic.keys.KeyIndex.find``: a digest lookup,
then a constant-time comparison of the value)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from frontgate.snapshot.websocket import WsRoute
from frontgate.traffic.keys import PlanBinding
from frontgate.websocket.authorizer import Authorized

if TYPE_CHECKING:
    from frontgate.websocket.session import Session

log = logging.getLogger("frontgate.websocket")

FROM_AUTHORIZER = "$context.authorizer.usageIdentifierKey"


def presented_key(session: Session) -> str | None:
    """The key the API's selection expression selects for this connection, or None."""
    if session.stage.api_key_selection == FROM_AUTHORIZER:
        auth = session.authorizer
        return auth.usage_identifier_key if isinstance(auth, Authorized) else None
    for name, value in session.headers:
        if name.lower() == "x-api-key":
            return value or None
    return None


def binding(session: Session) -> PlanBinding | None:
    """The usage plan binding of the connection's key for its stage; None when there is no
    key, it is unknown or disabled, or no plan of this stage holds it."""
    value = presented_key(session)
    if not value:
        return None
    index = session.gateway.pipeline.snapshot.keys
    rec = index.find(session.stage.region, value)
    if rec is None or not rec.enabled:
        return None
    return index.bindings.get((session.api_id, session.stage_name, rec.id))


def admitted(session: Session, route: WsRoute) -> bool:
    """Whether the route takes this connection's key (always, when it requires none); the
    binding is kept on the session (``Session.api_key``) for the route's throttle, and the key
    shows in the connection's later events and templates as ``identity.apiKey`` /
    ``identity.apiKeyId``, as on AWS where a key is required."""
    if not route.api_key_required:
        return True
    found = binding(session)
    session.api_key = found
    if found is not None and session.caller.get("apiKeyId") != found.key_id:
        session.caller = {**session.caller, "apiKey": found.key_value, "apiKeyId": found.key_id}
    if found is None:
        log.info(
            "%s/%s %s: API key refused (connection %s from %s)",
            session.api_id, session.stage_name, route.key, session.connection_id,
            session.source_ip,
        )  # fmt: skip
        return False
    return True


def throttle_binding(session: Session, route: WsRoute) -> PlanBinding | None:
    """The binding a route's throttle counts against: the connection's, on key routes only (on
    AWS a usage plan's limits apply only where a key is required)."""
    return session.api_key if route.api_key_required else None
