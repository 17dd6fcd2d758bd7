"""What the WebSocket data plane tells ``observe``: the hooks ``session``, ``messages`` and
``gateway`` call — each behind one test of ``stage.observe`` (``observe.ws_plan``), so that a
stage without a plan costs an attribute read. An event (``observe.ws_event.WsEvent``) starts
with ``connect``, ``message`` or ``disconnect`` and ends once:

- a ``$connect`` at the handshake: ``accepted`` (101; the connection counts as open) or
  ``refused`` (the status the upgrade was refused with);
- a message or a ``$disconnect`` when ``call`` (the integration, timed) returns or fails (for
  an integration run inline, such as MOCK: ``answered`` / ``failed``), or by ``refused``
  (Forbidden, Too Many Requests...) or ``done`` (a route without integration).

``sent`` counts each message the gateway sends to a client (AWS's MessageCount counts both
directions)."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from frontgate.observe import ws_exec_log, ws_record
from frontgate.observe import ws_metrics as w
from frontgate.observe.exec_log import body_text
from frontgate.observe.ws_event import WsEvent
from frontgate.websocket import integrations
from frontgate.websocket.integrations import Call, IntegrationFailed, Outcome

if TYPE_CHECKING:
    from frontgate.observe.ws_plan import WsObservePlan
    from frontgate.snapshot.websocket import WsIntegration
    from frontgate.websocket.session import Session

# AWS's gateway-response types, for $context.error.responseType.
_ERROR_TYPES = {400: "BAD_REQUEST_BODY", 401: "UNAUTHORIZED", 403: "ACCESS_DENIED",
                429: "THROTTLED"}  # fmt: skip
_MESSAGES = {400: "Bad request body", 401: "Unauthorized", 403: "Forbidden",
             429: "Too Many Requests"}  # fmt: skip


def _plan(s: Session) -> WsObservePlan:
    plan: WsObservePlan = s.stage.observe
    if plan.observer is None:
        plan.bind(s.gateway.env.observer)
    return plan


def _event(s: Session, event_type: str, route_key: str | None, request_id: str) -> WsEvent:
    plan = _plan(s)
    e = WsEvent(plan, plan.route(route_key), s, event_type, route_key, request_id)
    if e.lines is not None:
        ws_exec_log.begin(e)
    return e


def connect(s: Session, request_id: str) -> WsEvent:
    e = _event(s, "CONNECT", "$connect", request_id)
    ws_record.count(e.plan, e.route.base, w.CONNECT)
    return e


def message(s: Session, route_key: str | None, request_id: str, text: str) -> WsEvent:
    """A message from the client; ``route_key`` None: no route takes it."""
    e = _event(s, "MESSAGE", route_key, request_id)
    ws_record.count(e.plan, e.route.base, w.MESSAGE_IN)
    if e.lines is not None:
        ws_exec_log.message_body(e, text)
    return e


def quiet(s: Session, route_key: str) -> bool:
    """Count a message from the client for a route whose event would only count metrics (no
    access log, execution logs off): True then, and no event is made unless the message does
    not end well (``late``); False (nothing counted): ``message`` makes the event."""
    plan = _plan(s)
    if plan.access is not None:
        return False
    r = plan.route(route_key)
    if r.log_level != "OFF":
        return False
    plan.v[r.base + w.MESSAGE_IN] += 1
    return True


def late(s: Session, route_key: str, request_id: str) -> WsEvent:
    """The event of a message ``quiet`` counted, made when it turns out to need one (a
    refusal, an integration to call): it ends as ``message``'s would (metrics only)."""
    return _event(s, "MESSAGE", route_key, request_id)


def integration_error(s: Session, route_key: str) -> None:
    """A ``quiet`` message's MOCK integration answered a 4XX/5XX status (as ``finish`` counts)."""
    plan = _plan(s)
    plan.v[plan.route(route_key).base + w.INTEGRATION_ERROR] += 1


def disconnect(s: Session, request_id: str, code: int, reason: str) -> WsEvent:
    """The connection was open (``accepted``) and is gone: it no longer counts as open."""
    e = _event(s, "DISCONNECT", "$disconnect", request_id)
    ws_record.count(e.plan, e.plan.base, w.OPEN, -1)
    ws_exec_log.step(e, f"Close code: {code}, reason: {reason or '(none)'}")
    return e


def accepted(e: WsEvent) -> None:
    ws_record.count(e.plan, e.plan.base, w.OPEN)
    ws_record.finish(e, 200)


def refused(e: WsEvent, status: int, message: str | None = None, why: str | None = None) -> None:
    """The event ends refused with ``status``: by the gateway (before any integration: a
    ClientError, or an ExecutionError for a 5XX), or with the status the integration chose."""
    if e.ended:
        return
    if e.integration_error is None and (e.integration_status is None or message is not None):
        e.error = message or e.error or _MESSAGES.get(status, "Internal server error")
        e.error_type = e.error_type or _ERROR_TYPES.get(
            status, "DEFAULT_4XX" if status < 500 else "DEFAULT_5XX"
        )
        ws_exec_log.step(e, f"Execution failed: {why or e.error}")
    ws_record.finish(e, status)


def done(e: WsEvent) -> None:
    """The event ends well (a route without integration; ``$disconnect`` without a route)."""
    ws_record.finish(e, 200)


def sent(s: Session) -> None:
    plan = _plan(s)
    ws_record.count(plan, plan.base, w.MESSAGE_OUT)


async def call(e: WsEvent, env: Any, integ: WsIntegration, c: Call) -> Outcome:
    """``integrations.call``, observed: its status and latency (none for MOCK, as AWS), its
    failure. Ends a message or ``$disconnect`` event; a ``$connect`` ends at the handshake."""
    start = _calling(e, integ, c)
    try:
        outcome = await integrations.call(env, integ, c)
    except Exception as exc:
        _failed(e, integ, exc, start)
        raise
    return _answered(e, integ, outcome, start)


def answered(e: WsEvent, integ: WsIntegration, c: Call, outcome: Outcome) -> None:
    """An integration answered without waiting (a MOCK run inline): ends the event as ``call``
    does."""
    _answered(e, integ, outcome, _calling(e, integ, c))


def failed(e: WsEvent, integ: WsIntegration, c: Call, exc: BaseException) -> None:
    """An integration run inline failed (``exc``): ends the event as ``call`` does."""
    _failed(e, integ, exc, _calling(e, integ, c))


def _calling(e: WsEvent, integ: WsIntegration, c: Call) -> float:
    e.message_id = c.context.get("messageId")
    if e.lines is not None:
        _request_steps(e, integ, c, integ.type == "MOCK")
    return time.perf_counter()


def _failed(e: WsEvent, integ: WsIntegration, exc: BaseException, start: float) -> None:
    if integ.type != "MOCK":
        e.integration_latency = int((time.perf_counter() - start) * 1000)
    status = 502 if isinstance(exc, IntegrationFailed) and exc.status == 502 else 500
    e.integration_error = str(exc) or type(exc).__name__
    e.failed = status == 500  # could not call it; 502: it answered what cannot be used
    e.error = "Internal server error"
    e.error_type = "INTEGRATION_FAILURE"
    ws_exec_log.step(e, f"Execution failed: {e.integration_error}")
    if e.event_type != "CONNECT":
        ws_record.finish(e, status)


def _answered(e: WsEvent, integ: WsIntegration, outcome: Outcome, start: float) -> Outcome:
    e.integration_status = outcome.status
    if integ.type == "MOCK":
        ws_exec_log.step(e, f"Received response. Status: {outcome.status}")
    else:
        e.integration_latency = int((time.perf_counter() - start) * 1000)
        ws_exec_log.step(e, f"Received response. Status: {outcome.status}, "
                            f"Integration latency: {e.integration_latency} ms")  # fmt: skip
    if e.lines is not None and e.route.data_trace and outcome.text is not None:
        ws_exec_log.trace(e, "Endpoint response body before transformations: "
                             + body_text(outcome.text.encode()))  # fmt: skip
    if e.event_type != "CONNECT":
        ws_record.finish(e, 200)
    return outcome


def _request_steps(e: WsEvent, integ: WsIntegration, c: Call, mock: bool) -> None:
    if integ.type in ("AWS_PROXY", "HTTP_PROXY"):  # sent as they are: no template
        body = json.dumps(c.event) if integ.type == "AWS_PROXY" else c.body
        ws_exec_log.trace(e, "Endpoint request body after transformations: "
                             + body_text(body.encode()))  # fmt: skip
    if not mock:
        ws_exec_log.step(e, f"Sending request to {integ.uri}")
