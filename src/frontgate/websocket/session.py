"""One WebSocket connection of a WebSocket API, from the pending handshake to ``$disconnect``.

The HTTP core hands the transport over (``gateway.WebSocketGateway.upgrade``); this protocol
then runs ``$connect`` (authorizer first) while the handshake waits, answers 101 or the
refusal, and feeds frames through wsproto. AWS's limits: text frames only (binary → close
1003), a frame ≤ 32 KB and a message ≤ 128 KB (close 1009), an idle timeout and a maximum
duration (close 1001), pings answered. A MOCK route is answered as its message is read; a
route that waits for an integration runs in a task of its own (AWS gives no ordering
either)."""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from typing import TYPE_CHECKING, Any

from wsproto.connection import Connection, ConnectionState, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, Ping, TextMessage
from wsproto.extensions import Extension
from wsproto.utilities import RemoteProtocolError

from frontgate import ids
from frontgate.http.message import Request
from frontgate.snapshot.snapshot import Stage
from frontgate.snapshot.websocket import WsStage
from frontgate.traffic.keys import PlanBinding
from frontgate.websocket import api_keys, events, iam, messages, telemetry, validation
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
_CLOSE_GRACE = 2.0  # seconds a closed connection waits for the client's FIN


_NOTHING: list[tuple[str, str]] = []  # shared by every session once $connect is over
_NO_CALLER: dict[str, Any] = {}  # shared until AWS_IAM sets a caller of its own
# What the $disconnect event carries of the handshake's headers (events.disconnect_event).
# x-api-key: api_keys looks the connection's key up again on each message of a key route.
_KEPT_HEADERS = ("host", "x-forwarded-for", "x-api-key")


class Session(asyncio.Protocol):
    """Slotted and lazy: an idle connection holds little besides its transport. The wsproto
    connection is made when the first frame arrives (or the first frame is sent), the
    handshake's headers and query string are dropped once ``$connect`` is over (but Host and
    X-Forwarded-For, which ``$disconnect`` reports, and X-Api-Key), and the deadlines live on
    the gateway's ``timers.DeadlineWheel``, not in two loop timers per connection."""

    __slots__ = (
        "_close_code",
        "_close_reason",
        "_closed",
        "_early",
        "_extensions",
        "_frame_bytes",
        "_message",
        "_message_bytes",
        "_open",
        "_out",
        "_registered",
        "_ws",
        "api_id",
        "api_key",
        "authorizer",
        "caller",
        "compiled",
        "connected_at",
        "connection_id",
        "domain_name",
        "flow",
        "gateway",
        "headers",
        "http",
        "last_active_at",
        "observed",
        "offer",
        "query",
        "request",
        "slot",
        "source_ip",
        "stage",
        "stage_name",
        "transport",
        "user_agent",
    )

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
        self.offer: Offer | None = offer  # None once the handshake is answered
        self.stage = stage
        self.compiled = compiled  # the snapshot's Stage (throttling reads it)
        self.connection_id = ids.request_ids()[1]
        self.api_id = stage.api_id
        self.stage_name = stage.stage_name
        # Many connections share these: one copy each (interned strings are freed when unused).
        self.domain_name = sys.intern(domain_name)
        self.connected_at = time.time()
        self.last_active_at = self.connected_at
        self.source_ip = sys.intern(request.client_addr[0])
        agent = next((v for k, v in request.headers if k.lower() == "user-agent"), "")
        self.user_agent = sys.intern(agent)
        self.headers = request.headers
        self.request = request
        # AWS_IAM on $connect: the caller (accessKey, userArn, ...) for the events' identity.
        self.caller = _NO_CALLER
        _, _, query = request.target.partition("?")
        self.query = _query_pairs(query) if query else _NOTHING
        self.authorizer: dict[str, Any] | None = None
        self.api_key: PlanBinding | None = None  # the usage plan binding of its key (api_keys)
        self.observed: Any = None  # the $connect event while it runs (telemetry), when observed
        self._early = rest  # what came after the handshake, while it waits (reading paused)
        self._extensions: list[Extension] = []
        self._ws: Connection | None = None  # made on first use once the handshake is accepted
        self._open = False  # the 101 was sent
        self._closed = False
        self._registered = False
        self._frame_bytes = 0
        self._message: list[str] | None = None  # the parts of a fragmented message
        self._out: list[bytes] | None = None  # while frames are read: what to write after
        self._message_bytes = 0
        self._close_code = 1006  # no close frame seen (yet)
        self._close_reason = ""
        self.slot = 0
        limits = gateway.limits
        gateway.wheel.add(self, self.connected_at + min(limits.idle_timeout, limits.max_duration))
        self.flow = Flow(self)  # backlog and in-flight caps (flow.py)

    # -- handshake ------------------------------------------------------------------------------

    async def open(self) -> None:
        """``$connect``: the authorizer, then the integration; 101 or the refusal."""
        stage = self.stage
        request_id = ids.request_ids()[1]
        now = time.time()
        event = events.connect_event(self, request_id, now)
        route = stage.routes.get("$connect")
        if stage.observe is not None:
            self.observed = telemetry.connect(self, request_id)
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
                c = Call(
                    stage,
                    "$connect",
                    "",
                    None,
                    event,
                    messages.template_context(self, "$connect", "CONNECT", request_id),
                )
                env, ev = self.gateway.env, self.observed
                outcome = await (
                    call(env, route.integration, c)
                    if ev is None
                    else telemetry.call(ev, env, route.integration, c)
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
            if self.observed is not None:  # the client left while $connect ran
                telemetry.done(self.observed)
                self.observed = None
            return
        offer = self.offer
        assert offer is not None
        self.transport.write(accept(offer, protocol))
        self._open = True
        self._release_handshake(offer)
        self.gateway.registry.add(self)
        self._registered = True
        if self.observed is not None:
            telemetry.accepted(self.observed)
            self.observed = None
        early, self._early = self._early, b""
        if early:
            self._feed(early)
        if not self._closed and not self.flow.paused:
            self.transport.resume_reading()

    def _release_handshake(self, offer: Offer) -> None:
        """$connect is over: keep of the handshake only what later events and calls read."""
        if offer.extensions:
            self._extensions = list(offer.extensions)
        self.offer = None
        self.query = _NOTHING
        kept = [(k, v) for k, v in self.headers if k.lower() in _KEPT_HEADERS]
        self.headers = kept
        request = self.request
        request.headers = kept
        request.body = b""

    def _refuse(self, status: int, request_id: str, message: str | None = None) -> None:
        if self.observed is not None:
            telemetry.refused(self.observed, status, message)
            self.observed = None
        if self._closed:
            return
        self.transport.write(refuse(status, request_id, message))
        self._closed = True
        self.gateway.wheel.discard(self)
        self.transport.close()

    # -- asyncio.Protocol -----------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._closed:
            return  # closing: what the client still sends is dropped
        if not self._open:
            self._early += data  # reading is paused; what came with the handshake
            return
        self._feed(data)

    def eof_received(self) -> bool | None:
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self.gateway.wheel.discard(self)
        self.flow.stop()
        if self._registered:
            self._registered = False
            self.gateway.registry.remove(self)
            self.gateway.disconnected(self, self._close_code, self._close_reason)
        self.http.connection_lost(exc)

    # -- frames ---------------------------------------------------------------------------------

    def _connection(self) -> Connection:
        """The wsproto connection, made on first use (idle connections never need one)."""
        ws = self._ws
        if ws is None:
            ws = self._ws = Connection(ConnectionType.SERVER, extensions=self._extensions)
        return ws

    def _feed(self, data: bytes) -> None:
        """Read frames; what they are answered with goes out in one write at the end."""
        self._out = []
        try:
            self._read_frames(data)
        finally:
            self._flush()

    def _read_frames(self, data: bytes) -> None:
        ws = self._connection()
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
        data = event.data
        size = len(data) if data.isascii() else len(data.encode("utf-8"))
        self._frame_bytes += size
        self._message_bytes += size
        if self._frame_bytes > limits.max_frame_bytes:
            self.close(MESSAGE_TOO_BIG, "Frame size limit exceeded")
            return
        if self._message_bytes > limits.max_message_bytes:
            self.close(MESSAGE_TOO_BIG, "Message too big")
            return
        if event.frame_finished:
            self._frame_bytes = 0
        parts = self._message
        if not event.message_finished:
            if parts is None:
                self._message = [data]
            else:
                parts.append(data)
            return
        if parts is not None:
            parts.append(data)
            data = "".join(parts)
            self._message = None
        self._message_bytes = 0
        self.last_active_at = time.time()
        # MOCK routes (and every answer the gateway gives itself) are answered here and now;
        # a route that must wait for an integration runs in a task of its own (flow.py).
        self.flow.dispatch(data)

    # -- output and closing ---------------------------------------------------------------------

    def pause_writing(self) -> None:
        self.flow.pause_writing()

    def resume_writing(self) -> None:
        self.flow.resume_writing()

    def _write(self, data: bytes) -> None:
        if not data or self._closed:
            return
        out = self._out
        if out is not None:
            out.append(data)  # answering what was just read: written when the read is over
        else:
            # Posted from elsewhere (@connections, an integration's answer): written with the
            # loop iteration's other writes (http.write_batch).
            self.gateway.batch().write(self.transport, data)

    def _flush(self) -> None:
        out = self._out
        self._out = None
        if out:
            self.transport.write(out[0] if len(out) == 1 else b"".join(out))

    def post(self, text: str) -> None:
        """Send one text message (a route response, an ``@connections`` POST)."""
        if not self._open or self._closed:
            return
        ws = self._connection()
        if ws.state is not ConnectionState.OPEN:
            return
        if self._extensions:
            self._write(ws.send(TextMessage(data=text)))
        else:
            self._write(text_frame(text))
        if self.stage.observe is not None:
            telemetry.sent(self)

    def close(self, code: int, reason: str = "") -> None:
        """Close with ``code`` (the client sees it; ``$disconnect`` reports it)."""
        if self._closed:
            return
        self._close_code = code
        self._close_reason = reason
        if self._open:
            ws = self._connection()
            if ws.state is ConnectionState.OPEN:
                self._write(ws.send(CloseConnection(code=code, reason=reason)))
        self._shut()

    def disconnect(self) -> None:
        """``DeleteConnection``."""
        self.close(1000, "Connection closed by the @connections API")

    def shutdown(self) -> None:
        """The gateway is stopping."""
        if not self._open:
            self._closed = True
            self.gateway.wheel.discard(self)
            self.transport.close()
            return
        self.close(GOING_AWAY, "Going away")

    def _shut(self) -> None:
        self._flush()
        self.gateway.batch().flush()  # what was posted before the close frame goes first
        self._closed = True
        self.gateway.wheel.discard(self)
        transport = self.transport
        if self._open and transport.can_write_eof():
            # The client may still be sending (a message cut at 1009, frames after a binary
            # one): closing a socket with unread input makes the kernel send RST, which can
            # destroy our close frame before the client reads it. So half-close, drop what
            # still arrives (data_received), and close on the client's FIN or after a grace.
            transport.write_eof()
            if not transport.is_reading():
                transport.resume_reading()
            asyncio.get_running_loop().call_later(_CLOSE_GRACE, transport.close)
        else:
            transport.close()

    # -- deadlines (timers.DeadlineWheel) -------------------------------------------------------

    def expire(self, now: float) -> float:
        """The idle timeout (504 while the handshake waits, else close 1001) or the maximum
        duration (close 1001); else the next deadline."""
        if self._closed:
            return 0.0
        limits = self.gateway.limits
        idle_due = self.last_active_at + limits.idle_timeout
        end = self.connected_at + limits.max_duration
        if now >= idle_due:
            if not self._open:
                self._refuse(504, ids.request_ids()[1])
            else:
                self.close(GOING_AWAY, "Going away")
            return 0.0
        if now >= end:
            self.close(GOING_AWAY, "Going away")
            return 0.0
        return min(idle_due, end)


def text_frame(text: str) -> bytes:
    """One unfragmented text frame from the server (unmasked), as wsproto writes it when no
    extension is negotiated (with permessage-deflate, wsproto compresses and frames)."""
    payload = text.encode("utf-8")
    n = len(payload)
    if n < 126:
        return bytes((0x81, n)) + payload
    if n < 65536:
        return b"\x81\x7e" + n.to_bytes(2, "big") + payload
    return b"\x81\x7f" + n.to_bytes(8, "big") + payload


def _query_pairs(query: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(query, keep_blank_values=True)
