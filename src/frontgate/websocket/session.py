"""One WebSocket connection of a WebSocket API, from the pending handshake to ``$disconnect``.

The HTTP core hands the transport over (``gateway.WebSocketGateway.upgrade``); this protocol
then runs ``$connect`` (authorizer first) while the handshake waits, answers 101 or the
refusal, and feeds frames through wsproto. AWS's limits: text frames only (binary → close
1003), a frame ≤ 32 KB and a message ≤ 128 KB (close 1009), an idle timeout and a maximum
duration (close 1001), pings answered. Each message runs its route in its own task (AWS gives
no ordering either)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from wsproto.connection import Connection, ConnectionState, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, Ping, TextMessage
from wsproto.utilities import RemoteProtocolError

from frontgate import ids
from frontgate.http.message import Request
from frontgate.snapshot.snapshot import Stage
from frontgate.snapshot.websocket import WsStage
from frontgate.traffic.keys import PlanBinding
from frontgate.websocket import api_keys, events, iam, messages, validation
from frontgate.websocket.authorizer import Refused, authorize
from frontgate.websocket.flow import Flow
from frontgate.websocket.handshake import Offer, accept, refuse
from frontgate.websocket.integrations import Call, IntegrationFailed, call

if TYPE_CHECKING:
    from frontgate.http.server import HttpProtocol
    from frontgate.websocket.gateway import WebSocketGateway

log = logging.getLogger("frontgate.websocket")

GOING_AWAY = 1001
UNSUPPORTED_DATA = 1003
MESSAGE_TOO_BIG = 1009


class Session(asyncio.Protocol):
    def __init__(
        self,
        gateway: WebSocketGateway,
        http: HttpProtocol,
        transport: asyncio.Transport,
        request: Request,
        offer: Offer,
        stage: WsStage,
        domain_name: str,
        rest: bytes,
        compiled: Stage | None = None,
    ) -> None:
        self.gateway = gateway
        self.http = http
        self.transport = transport
        self.offer = offer
        self.stage = stage
        self.compiled = compiled  # the snapshot's Stage (throttling reads it)
        self.connection_id = ids.request_ids()[1]
        self.api_id = stage.api_id
        self.stage_name = stage.stage_name
        self.domain_name = domain_name
        self.connected_at = time.time()
        self.last_active_at = self.connected_at
        self.source_ip = request.client_addr[0]
        self.user_agent = next((v for k, v in request.headers if k.lower() == "user-agent"), "")
        self.headers = request.headers
        self.request = request
        # AWS_IAM on $connect: the caller (accessKey, userArn, ...) for the events' identity.
        self.caller: dict[str, Any] = {}
        _, _, query = request.target.partition("?")
        self.query = _query_pairs(query)
        self.authorizer: dict[str, Any] | None = None
        self.api_key: PlanBinding | None = None  # the usage plan binding of its key (api_keys)
        self._early = [rest] if rest else []
        self._ws: Connection | None = None  # set once the handshake is accepted
        self._closed = False
        self._registered = False
        self._frame_bytes = 0
        self._message: list[str] = []
        self._message_bytes = 0
        self._close_code = 1006  # no close frame seen (yet)
        self._close_reason = ""
        loop = asyncio.get_running_loop()
        self._loop = loop
        limits = gateway.limits
        self._idle_timer = loop.call_later(limits.idle_timeout, self._idle_check)
        self._max_timer = loop.call_later(limits.max_duration, self._too_long)
        self.flow = Flow(self)  # backlog and in-flight caps (flow.py)

    # -- handshake ------------------------------------------------------------------------------

    async def open(self) -> None:
        """``$connect``: the authorizer, then the integration; 101 or the refusal."""
        stage = self.stage
        request_id = ids.request_ids()[1]
        now = time.time()
        event = events.connect_event(self, request_id, now)
        route = stage.routes.get("$connect")
        protocol: str | None = None
        try:
            if route is not None and route.authorization_type == "AWS_IAM":
                snapshot = self.gateway.pipeline.snapshot
                self.caller = iam.check(self.gateway.env, snapshot, self.request, stage)
                event["requestContext"]["identity"].update(self.caller)
            if route is not None and route.authorizer is not None:
                self.authorizer = await authorize(self.gateway.env, stage, route.authorizer, event)
                event["requestContext"]["authorizer"] = self.authorizer
            if route is not None:
                # API key, required parameters, then the throttle (the key's plan counts).
                if not api_keys.admitted(self, route):
                    self._refuse(403, request_id)
                    return
                event["requestContext"]["identity"].update(self.caller)
                missing = validation.missing_parameters(self, route)
                if missing is not None:
                    self._refuse(400, request_id, missing)
                    return
                if not await messages.admit(self, route, request_id):
                    self._refuse(429, request_id)
                    return
            if route is not None and route.integration is not None:
                outcome = await call(
                    self.gateway.env,
                    route.integration,
                    Call(
                        stage,
                        "$connect",
                        "",
                        None,
                        event,
                        messages.template_context(self, "$connect", "CONNECT", request_id),
                    ),
                )
                status = outcome.status
                if not 200 <= status < 300:
                    # A status HTTP cannot carry (99, 1000) is the integration's fault: 502.
                    self._refuse(status if 300 <= status <= 599 else 502, request_id)
                    return
                returned = {k.lower(): v for k, v in outcome.headers.items()}
                protocol = returned.get("sec-websocket-protocol")
        except Refused as exc:
            self._refuse(exc.status, request_id)
            return
        except IntegrationFailed as exc:
            log.warning("%s $connect: %s", stage.api_id, exc)
            self._refuse(502 if exc.status == 502 else 500, request_id)
            return
        except Exception:
            log.exception("%s $connect failed", stage.api_id)
            self._refuse(500, request_id)
            return
        if self._closed:
            return
        self.transport.write(accept(self.offer, protocol))
        self._ws = Connection(ConnectionType.SERVER, extensions=list(self.offer.extensions))
        self.gateway.registry.add(self)
        self._registered = True
        early, self._early = self._early, []
        for data in early:
            self._feed(data)
        if not self._closed and not self.flow.paused:
            self.transport.resume_reading()

    def _refuse(self, status: int, request_id: str, message: str | None = None) -> None:
        if self._closed:
            return
        self.transport.write(refuse(status, request_id, message))
        self._closed = True
        self._cancel_timers()
        self.transport.close()

    # -- asyncio.Protocol -----------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._ws is None:
            self._early.append(data)  # reading is paused; what came with the handshake
            return
        self._feed(data)

    def eof_received(self) -> bool | None:
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._cancel_timers()
        self.flow.stop()
        if self._registered:
            self._registered = False
            self.gateway.registry.remove(self)
            self.gateway.disconnected(self, self._close_code, self._close_reason)
        self.http.connection_lost(exc)

    # -- frames ---------------------------------------------------------------------------------

    def _feed(self, data: bytes) -> None:
        ws = self._ws
        assert ws is not None
        try:
            ws.receive_data(data)
            for event in ws.events():
                if self._closed:
                    return
                if isinstance(event, TextMessage):
                    self._text(event)
                elif isinstance(event, BytesMessage):
                    self.close(UNSUPPORTED_DATA, "Binary frames are not supported")
                elif isinstance(event, Ping):
                    self.last_active_at = time.time()
                    self._write(ws.send(event.response()))
                elif isinstance(event, CloseConnection):
                    self._close_code = event.code
                    self._close_reason = event.reason or ""
                    if ws.state is ConnectionState.REMOTE_CLOSING:
                        self._write(ws.send(event.response()))
                    self._shut()
        except RemoteProtocolError as exc:
            self.close(1002, str(exc)[:120])

    def _text(self, event: TextMessage) -> None:
        limits = self.gateway.limits
        size = len(event.data.encode("utf-8")) if not event.data.isascii() else len(event.data)
        self._frame_bytes += size
        self._message_bytes += size
        if self._frame_bytes > limits.max_frame_bytes:
            self.close(MESSAGE_TOO_BIG, "Frame size limit exceeded")
            return
        if self._message_bytes > limits.max_message_bytes:
            self.close(MESSAGE_TOO_BIG, "Message too big")
            return
        self._message.append(event.data)
        if event.frame_finished:
            self._frame_bytes = 0
        if not event.message_finished:
            return
        text = "".join(self._message)
        self._message = []
        self._message_bytes = 0
        self.last_active_at = time.time()
        self.flow.dispatch(text)

    # -- output and closing ---------------------------------------------------------------------

    def pause_writing(self) -> None:
        self.flow.pause_writing()

    def resume_writing(self) -> None:
        self.flow.resume_writing()

    def _write(self, data: bytes) -> None:
        if data and not self._closed:
            self.transport.write(data)

    def post(self, text: str) -> None:
        """Send one text message (a route response, an ``@connections`` POST)."""
        ws = self._ws
        if ws is None or self._closed or ws.state is not ConnectionState.OPEN:
            return
        self._write(ws.send(TextMessage(data=text)))

    def close(self, code: int, reason: str = "") -> None:
        """Close with ``code`` (the client sees it; ``$disconnect`` reports it)."""
        ws = self._ws
        if self._closed:
            return
        self._close_code = code
        self._close_reason = reason
        if ws is not None and ws.state is ConnectionState.OPEN:
            self._write(ws.send(CloseConnection(code=code, reason=reason)))
        self._shut()

    def disconnect(self) -> None:
        """``DeleteConnection``."""
        self.close(1000, "Connection closed by the @connections API")

    def shutdown(self) -> None:
        """The gateway is stopping."""
        if self._ws is None:
            self._closed = True
            self.transport.close()
            return
        self.close(GOING_AWAY, "Going away")

    def _shut(self) -> None:
        self._closed = True
        self._cancel_timers()
        self.transport.close()

    def _cancel_timers(self) -> None:
        self._idle_timer.cancel()
        self._max_timer.cancel()

    def _idle_check(self) -> None:
        idle = self.gateway.limits.idle_timeout
        due = self.last_active_at + idle - time.time()
        if due > 0:
            self._idle_timer = self._loop.call_later(due, self._idle_check)
            return
        if self._ws is None:
            self._refuse(504, ids.request_ids()[1])
            return
        self.close(GOING_AWAY, "Going away")

    def _too_long(self) -> None:
        self.close(GOING_AWAY, "Going away")


def _query_pairs(query: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(query, keep_blank_values=True)
