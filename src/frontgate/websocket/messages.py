"""What a WebSocket message goes through once received (``session.Session`` hands it over):
the route the selection expression picks, the route's throttle, its integration, and what is
sent back (the route response, or AWS's error frames: Forbidden, Too Many Requests, Internal
server error); and the ``$context`` variables templates see."""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any

from frontgate import ids
from frontgate.gateway_errors import GatewayError
from frontgate.pipeline.context import Context
from frontgate.snapshot.websocket import WsRoute
from frontgate.websocket import api_keys, events, validation
from frontgate.websocket.integrations import Call, IntegrationFailed, call
from frontgate.websocket.routing import route_for

if TYPE_CHECKING:
    from frontgate.websocket.session import Session

log = logging.getLogger("frontgate.websocket")


async def route_message(self: Session, text: str) -> None:
    """Route one message and run its route; answers the Forbidden frame when none takes it."""
    stage = self.stage
    route, parsed = route_for(stage.routes, stage.route_selection, text)
    request_id = ids.request_ids()[1]
    if route is None:
        self.post(error_frame(self, "Forbidden", request_id))
        return
    await _run(self, route, text, parsed, request_id)


async def admit(self: Session, route: WsRoute, request_id: str) -> bool:
    """The route's throttle (and the account's): False when a bucket is empty."""
    throttle = route.throttle
    env = self.gateway.env
    if throttle is None or env.limiter is None or self.compiled is None:
        return True
    ctx = Context(self.request, self.gateway.pipeline.snapshot, request_id, request_id)
    ctx.stage = self.compiled
    ctx.api_key = api_keys.throttle_binding(self, route)
    try:
        waiting = throttle(ctx, env)
        if waiting is not None:
            await waiting
    except GatewayError as exc:
        if exc.response_type in ("THROTTLED", "QUOTA_EXCEEDED"):
            return False
        raise
    return True


async def _run(self: Session, route: WsRoute, text: str, parsed: Any, request_id: str) -> None:
    refused = None
    if not api_keys.admitted(self, route):
        refused = "Forbidden"
    elif route.models:
        refused = validation.refused_message(self, route, parsed)
    if refused is not None:
        self.post(error_frame(self, refused, request_id))
        return
    if not await admit(self, route, request_id):
        self.post(error_frame(self, "Too Many Requests", request_id))
        return
    if route.integration is None:
        return
    message_id = ids.request_ids()[1]
    now = time.time()
    event = events.message_event(self, route.key, text, message_id, request_id, now)
    context = template_context(self, route.key, "MESSAGE", request_id)
    context["messageId"] = message_id
    try:
        outcome = await call(
            self.gateway.env,
            route.integration,
            Call(self.stage, route.key, text, parsed, event, context, route.responds),
        )
    except IntegrationFailed as exc:
        log.warning("%s %s: %s", self.api_id, route.key, exc)
        self.post(error_frame(self, "Internal server error", request_id))
        return
    except Exception:
        log.exception("%s %s failed", self.api_id, route.key)
        self.post(error_frame(self, "Internal server error", request_id))
        return
    if route.responds and outcome.text is not None:
        self.post(outcome.text)


def error_frame(self: Session, message: str, request_id: str) -> str:
    """AWS's error frame, spaced as AWS writes it (a space after the first colon only):
    ``{"message": "Forbidden", "connectionId":"…", "requestId":"…"}``."""
    dumps = json.dumps
    return (
        f'{{"message": {dumps(message)}, "connectionId":{dumps(self.connection_id)}, '
        f'"requestId":{dumps(request_id)}}}'
    )


def template_context(
    self: Session, route_key: str, event_type: str, request_id: str
) -> dict[str, Any]:
    """``$context`` variables for mapping templates."""
    identity = {f"identity.{k}": v for k, v in self.caller.items()}
    return {
        **identity,
        "connectionId": self.connection_id,
        "routeKey": route_key,
        "eventType": event_type,
        "requestId": request_id,
        "extendedRequestId": request_id,
        "apiId": self.api_id,
        "stage": self.stage_name,
        "domainName": self.domain_name,
        "connectedAt": int(self.connected_at * 1000),
        "messageDirection": "IN",
        "requestTimeEpoch": int(time.time() * 1000),
        "identity.sourceIp": self.source_ip,
        "identity.userAgent": self.user_agent,
    }
