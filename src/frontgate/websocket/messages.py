"""What a WebSocket message goes through once received (``session.Session`` hands it over):
the route the selection expression picks, the route's throttle, its integration, and what is
sent back (the route response, or AWS's error frames: Forbidden, Too Many Requests, Internal
server error); and the ``$context`` variables templates see."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Coroutine
from typing import TYPE_CHECKING, Any

from frontgate import ids
from frontgate.gateway_errors import GatewayError
from frontgate.pipeline.context import Context
from frontgate.snapshot.websocket import WsIntegration, WsRoute
from frontgate.websocket import api_keys, events, telemetry, validation
from frontgate.websocket.integrations import (
    Call,
    IntegrationFailed,
    Outcome,
    call,
    fixed_answer,
    mock,
)
from frontgate.websocket.routing import route_for

if TYPE_CHECKING:
    from frontgate.pipeline.env import Env
    from frontgate.websocket.session import Session

log = logging.getLogger("frontgate.websocket")


def route_message(self: Session, text: str) -> Coroutine[Any, Any, None] | None:
    """Route one message and run its route. What can be answered at once is (no route, a
    refused key, an invalid body: the error frames; a MOCK or no integration under a throttle
    that decides at once), and None is returned; else the coroutine that finishes the work
    (the caller runs it as a task)."""
    stage = self.stage
    route, parsed = route_for(stage.routes, stage.route_selection, text)
    request_id = ids.request_ids()[1]
    ev = None
    # Metrics only (the stage's are always on): the message is counted, and the event that
    # ends it is made only when it does not end well (telemetry.quiet / late).
    quiet = False
    if stage.observe is not None:
        if route is not None and telemetry.quiet(self, route.key):
            quiet = True
        else:
            ev = telemetry.message(self, route.key if route else None, request_id, text)
    if route is None:
        self.post(error_frame(self, "Forbidden", request_id))
        if ev is not None:
            telemetry.refused(ev, 403, "Forbidden", "no route for the message, and no $default")
        return None
    refused = None
    if not api_keys.admitted(self, route):
        refused = "Forbidden"
    elif route.models:
        refused = validation.refused_message(self, route, parsed)
    if refused is not None:
        if quiet:
            ev = telemetry.late(self, route.key, request_id)
        self.post(error_frame(self, refused, request_id))
        if ev is not None:
            telemetry.refused(ev, 403 if refused == "Forbidden" else 400, refused)
        return None
    integ = route.integration
    if integ is not None and integ.type != "MOCK":
        if quiet:
            ev = telemetry.late(self, route.key, request_id)
        return _run(self, route, text, parsed, request_id, ev)
    admitted = admit_now(self, route, request_id)
    if not isinstance(admitted, bool):
        if quiet:
            ev = telemetry.late(self, route.key, request_id)
        return _run_after(self, admitted, route, text, parsed, request_id, ev)
    if not admitted:
        if quiet:
            ev = telemetry.late(self, route.key, request_id)
        self.post(error_frame(self, "Too Many Requests", request_id))
        if ev is not None:
            telemetry.refused(ev, 429, "Too Many Requests", "the route's throttle is exhausted")
    elif integ is not None:
        if ev is None:
            fixed = fixed_answer(integ, route.responds)
            if fixed is not None:
                # Neither template reads the message or $context: the same answer every time.
                if quiet and fixed[0] >= 400:
                    telemetry.integration_error(self, route.key)
                if route.responds and fixed[1] is not None:
                    self.post(fixed[1])
                return None
            if quiet:
                ev = telemetry.late(self, route.key, request_id)
        _answer(self, route, integ, text, parsed, request_id, ev)
    elif ev is not None:
        telemetry.done(ev)
    return None


_SHARED: list[Context | None] = [None]  # admit_now's context for checks without a key


def admit_now(self: Session, route: WsRoute, request_id: str) -> bool | Awaitable[None]:
    """The route's throttle (and the account's): True or False when the buckets decide at
    once (local counters), else what to wait for (a shared counter store's answer)."""
    throttle = route.throttle
    env = self.gateway.env
    stage = self.compiled
    if throttle is None or env.limiter is None or stage is None:
        return True
    snapshot = self.gateway.pipeline.snapshot
    binding = api_keys.throttle_binding(self, route)
    if binding is None:
        # Without a key the limiter reads only the context's stage and snapshot (a quota and
        # the usage count need a key) and writes only its error, which nobody reads here:
        # one context serves every such check (no allocation per message).
        ctx = _SHARED[0]
        if ctx is None or ctx.snapshot is not snapshot or ctx.stage is not stage:
            ctx = Context(self.request, snapshot, request_id, request_id)
            ctx.stage = stage
            _SHARED[0] = ctx
    else:
        ctx = Context(self.request, snapshot, request_id, request_id)
        ctx.stage = stage
        ctx.api_key = binding
    try:
        waiting = throttle(ctx, env)
    except GatewayError as exc:
        if exc.response_type in ("THROTTLED", "QUOTA_EXCEEDED"):
            return False
        raise
    return True if waiting is None else waiting


async def admit(self: Session, route: WsRoute, request_id: str) -> bool:
    """The route's throttle (and the account's): False when a bucket is empty."""
    admitted = admit_now(self, route, request_id)
    if isinstance(admitted, bool):
        return admitted
    return await _waited(admitted)


async def _waited(waiting: Awaitable[None]) -> bool:
    try:
        await waiting
    except GatewayError as exc:
        if exc.response_type in ("THROTTLED", "QUOTA_EXCEEDED"):
            return False
        raise
    return True


async def _run_after(
    self: Session, waiting: Awaitable[None], route: WsRoute, text: str, parsed: Any,
    request_id: str, ev: Any = None,
) -> None:  # fmt: skip
    if not await _waited(waiting):
        self.post(error_frame(self, "Too Many Requests", request_id))
        if ev is not None:
            telemetry.refused(ev, 429, "Too Many Requests", "the route's throttle is exhausted")
        return
    integ = route.integration
    if integ is not None:
        _answer(self, route, integ, text, parsed, request_id, ev)
    elif ev is not None:
        telemetry.done(ev)


async def _run(
    self: Session, route: WsRoute, text: str, parsed: Any, request_id: str, ev: Any = None
) -> None:
    if not await admit(self, route, request_id):
        self.post(error_frame(self, "Too Many Requests", request_id))
        if ev is not None:
            telemetry.refused(ev, 429, "Too Many Requests", "the route's throttle is exhausted")
        return
    integ = route.integration
    if integ is None:
        if ev is not None:
            telemetry.done(ev)
        return
    env = self.gateway.env
    outcome = await _outcome(self, env, route, integ, text, parsed, request_id, ev)
    if outcome is not None and route.responds and outcome.text is not None:
        self.post(outcome.text)


def _answer(
    self: Session, route: WsRoute, integ: WsIntegration, text: str, parsed: Any,
    request_id: str, ev: Any = None,
) -> None:  # fmt: skip
    """Run a MOCK integration (no waiting) and send its answer."""
    c: Call | None = None
    try:
        c = _call(self, route, text, parsed, request_id)
        outcome = mock(integ, c)
    except Exception as exc:
        if ev is not None and c is not None:
            telemetry.failed(ev, integ, c, exc)
        if isinstance(exc, IntegrationFailed):
            log.warning("%s %s: %s", self.api_id, route.key, exc)
        else:
            log.exception("%s %s failed", self.api_id, route.key)
        self.post(error_frame(self, "Internal server error", request_id))
        return
    if ev is not None:
        telemetry.answered(ev, integ, c, outcome)
    if route.responds and outcome.text is not None:
        self.post(outcome.text)


async def _outcome(
    self: Session, env: Env, route: WsRoute, integ: WsIntegration, text: str, parsed: Any,
    request_id: str, ev: Any = None,
) -> Outcome | None:  # fmt: skip
    """Run an integration that waits; None after answering its failure."""
    try:
        c = _call(self, route, text, parsed, request_id)
        return await (call(env, integ, c) if ev is None else telemetry.call(ev, env, integ, c))
    except IntegrationFailed as exc:
        log.warning("%s %s: %s", self.api_id, route.key, exc)
    except Exception:
        log.exception("%s %s failed", self.api_id, route.key)
    self.post(error_frame(self, "Internal server error", request_id))
    return None


def _call(self: Session, route: WsRoute, text: str, parsed: Any, request_id: str) -> Call:
    """The integration call's inputs: the Lambda event only for the types that send it."""
    message_id = ids.request_ids()[1]
    now = time.time()
    integ = route.integration
    event: dict[str, Any] = {}
    if integ is not None and integ.type in ("AWS_PROXY", "AWS"):
        event = events.message_event(self, route.key, text, message_id, request_id, now)
    context = template_context(self, route.key, "MESSAGE", request_id)
    context["messageId"] = message_id
    return Call(self.stage, route.key, text, parsed, event, context, route.responds)


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
