"""asyncio adapter for the data-plane HTTP/1.1 listener: runs ``ServerConnection`` over a
transport, calls the handler, writes responses in request order, and owns timers and shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from functools import partial
from typing import Any, Final, TypeAlias, cast

from frontgate.deferred import Continuation, Deferred
from frontgate.http import write_batch
from frontgate.http.budget import ConnectionBudget
from frontgate.http.errors import (
    INTERNAL_ERROR,
    SHUTTING_DOWN,
    ErrorRenderer,
    ProtocolError,
    error_response,
)
from frontgate.http.limits import Limits
from frontgate.http.message import Request, Response
from frontgate.http.server_conn import CLOSE, ServerConnection

__all__ = [
    "Handler",
    "HttpProtocol",
    "ServerState",
    "make_server_factory",
]

logger = logging.getLogger(__name__)

Handler: TypeAlias = Callable[[Request], Response | Deferred[Response] | Awaitable[Response]]
# Takes over a connection whose request asked to upgrade (a WebSocket handshake): called with
# the request, the transport, the bytes received after the request's head, and the protocol,
# whose ``connection_lost`` it must call when the connection ends (for the budget and the
# listener's count). Returns False to decline: the request is then answered as a plain one.
UpgradeHandler: TypeAlias = Callable[[Request, "asyncio.Transport", bytes, "HttpProtocol"], bool]

# Methods RFC 9110 calls safe: only these may run in parallel when pipelined (RFC 9112 §9.3.2).
_SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# After a connection is force-closed at the end of shutdown, how long to wait for the
# transports to report connection_lost.
_CLOSE_GRACE: Final = 1.0


class ServerState:
    """What all connections of one listener share: the handler, limits, the connection budget
    (possibly shared with other listeners), how protocol errors are answered, live connections,
    counters, and the draining flag set by ``shutdown``."""

    def __init__(
        self,
        handler: Handler,
        limits: Limits | None = None,
        scheme: str = "http",
        budget: ConnectionBudget | None = None,
        render_error: ErrorRenderer | None = None,
        upgrade: UpgradeHandler | None = None,
    ) -> None:
        self.handler = handler
        self.upgrade = upgrade
        self.limits = limits if limits is not None else Limits()
        self.scheme = scheme
        self.budget = budget
        self.render_error: ErrorRenderer = (
            render_error if render_error is not None else error_response
        )
        self.connections: set[HttpProtocol] = set()
        self.draining = False
        self.connections_total = 0
        self.requests_total = 0
        self.protocol_errors_total = 0
        self.handler_errors_total = 0
        self._all_closed: asyncio.Event | None = None

    def internal_error(self) -> Response:
        # A fresh object each time: the pipeline may treat a Response as its own to mutate.
        return self.render_error(INTERNAL_ERROR)

    def connection_closed(self, protocol: HttpProtocol) -> None:
        if protocol in self.connections:
            self.connections.discard(protocol)
            if self.budget is not None:
                self.budget.release(protocol.client_host)
        if not self.connections and self._all_closed is not None:
            self._all_closed.set()

    async def shutdown(self, timeout: float) -> None:
        """Stop keep-alive: idle connections close now, in-flight requests get their response
        (with ``Connection: close``), and whatever is left is closed after ``timeout`` seconds.

        Stop accepting first (``asyncio.Server.close()``); connections accepted later are closed
        on arrival anyway. A request still unanswered at the end is answered 503 and logged.
        """
        self.draining = True
        self._all_closed = asyncio.Event()
        for protocol in list(self.connections):
            protocol.drain()
        if not self.connections:
            return
        try:
            await asyncio.wait_for(self._all_closed.wait(), timeout)
        except TimeoutError:
            for protocol in list(self.connections):
                protocol.cut(timeout)
            try:
                await asyncio.wait_for(self._all_closed.wait(), _CLOSE_GRACE)
            except TimeoutError:
                logger.warning("%d connections did not close", len(self.connections))


class _Pending(Continuation[Response]):
    """A request whose handler is still running; responses leave in arrival order. It is also
    the continuation of the handler's Deferred, when the handler answers with one."""

    __slots__ = ("deferred", "protocol", "request", "response", "task")

    def __init__(self, request: Request, protocol: HttpProtocol) -> None:
        self.request = request
        self.protocol = protocol
        self.response: Response | None = None
        self.task: asyncio.Future[Response] | None = None
        self.deferred: Deferred[Response] | None = None

    def settled(self, deferred: Deferred[Response]) -> None:
        self.protocol._deferred_done(self, deferred)


class HttpProtocol(asyncio.Protocol):
    """One client connection. Requests are handed to the handler as soon as they are parsed
    (several at once only when all are safe methods); responses are written in order."""

    def __init__(self, state: ServerState) -> None:
        self._state = state
        self._handler = state.handler
        self._limits = state.limits
        self._loop = asyncio.get_running_loop()
        self._conn = ServerConnection(state.limits, self._loop.time)
        self._transport: asyncio.Transport | None = None
        self._client: tuple[str, int] = ("", 0)
        self._server_port = 0
        # Requests handed to the handler but not answered yet, oldest first.
        self._pending: deque[_Pending] = deque()
        self._unsafe_pending = 0
        # A request taken from the core that must wait for the pending ones (not a safe method).
        self._held: Request | None = None
        self._reading_paused = False
        self._writing_paused = False
        self._closed = False
        self._eof = False
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0
        # Set by an upgrade handler that took the connection over: closes it at shutdown.
        self.upgraded: Callable[[], None] | None = None
        # Writes go out at the end of the loop iteration, together (see write_batch).
        self._batch = write_batch.batch_for(self._loop)

    # -- asyncio.Protocol -----------------------------------------------------------------------

    @property
    def client_host(self) -> str:
        """The client's address (what the per-client connection cap counts by)."""
        return self._client[0]

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # create_server always hands a stream transport (TCP or TLS) to a stream protocol.
        transport = cast(asyncio.Transport, transport)
        self._transport = transport
        state = self._state
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple) and len(peer) >= 2:
            self._client = (str(peer[0]), int(peer[1]))
        budget = state.budget
        if budget is not None and not budget.admit(self._client[0]):
            # Over a cap: close at once (no response: reading a request is what a flood of
            # idle connections would make us do). Never counted in, so never released.
            self._closed = True
            transport.abort()
            return
        state.connections.add(self)
        state.connections_total += 1
        sock = transport.get_extra_info("sockname")
        if isinstance(sock, tuple) and len(sock) >= 2:
            self._server_port = int(sock[1])
        if state.draining:
            self._close()
            return
        self._arm_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for pending in self._pending:
            if pending.task is not None:
                pending.task.cancel()
            elif pending.deferred is not None:
                pending.deferred.cancel()
        self._pending.clear()
        self._held = None
        self._conn.release()
        self._state.connection_closed(self)

    def data_received(self, data: bytes) -> None:
        if self._closed:
            return
        conn = self._conn
        conn.feed(data)
        if conn.upgrade is not None and self._hand_off():
            return
        interim = conn.data_to_send()
        if interim:
            self._write([interim])
        self._dispatch()
        if not self._closed:
            self._arm_timer()

    def eof_received(self) -> bool | None:
        # A client that half-closes after sending its requests still gets the responses it is
        # owed; close once they are written. TLS transports can't half-close, so they close now.
        self._eof = True
        if self._owes_nothing() or self._transport is None:
            return None
        return self._transport.get_extra_info("sslcontext") is None

    @property
    def writing_paused(self) -> bool:
        """True while the transport's write buffer is above its high-water mark."""
        return self._writing_paused

    def pause_writing(self) -> None:
        # Stop starting handlers (and stop reading) until the client drains what we wrote:
        # buffered output stays bounded by the requests already in flight.
        self._writing_paused = True
        self._pause_reading()

    def resume_writing(self) -> None:
        self._writing_paused = False
        self._dispatch()
        self._update_reading()

    def _hand_off(self) -> bool:
        """Give the connection to the listener's upgrade handler, when there is one and the
        upgrade request is the only one owed; else it is answered as a plain request."""
        conn = self._conn
        request = conn.upgrade
        conn.upgrade = None
        upgrade = self._state.upgrade
        transport = self._transport
        if (
            upgrade is None
            or transport is None
            or request is None
            or self._pending
            or self._held is not None
            or conn.queued != 1
        ):
            return False
        conn.next_request()
        request.client_addr = self._client
        request.server_port = self._server_port
        request.scheme = self._state.scheme
        if not upgrade(request, transport, conn.upgrade_rest, self):
            self._held = request  # answered as a plain request, then closed
            self._dispatch()
            return True
        # The handler owns the transport now; this object only waits for connection_lost (the
        # connection counts). Drop the parser and what it buffered: an idle WebSocket
        # connection should not hold them for hours.
        self._state.requests_total += 1
        self._closed = True
        conn.release()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        return True

    # -- request flow ---------------------------------------------------------------------------

    def _dispatch(self) -> None:
        """Start handlers for parsed requests, write what is ready, then settle errors."""
        conn = self._conn
        out: list[bytes] = []
        max_pipelined = self._limits.max_pipelined
        while not self._closed and not self._writing_paused:
            if len(self._pending) >= max_pipelined:
                break
            request = self._held
            if request is None:
                request = conn.next_request()
                if request is None:
                    break
            else:
                self._held = None
            safe = request.method in _SAFE_METHODS
            if self._pending and (self._unsafe_pending or not safe):
                # RFC 9112 §9.3.2: only safe requests may be processed in parallel.
                self._held = request
                break
            if not self._start(request, safe, out):
                break
        if out:
            self._write(out)
        self._after_writes()

    def _start(self, request: Request, safe: bool, out: list[bytes]) -> bool:
        """Run the handler for ``request``; False once the connection is closing."""
        state = self._state
        state.requests_total += 1
        request.client_addr = self._client
        request.server_port = self._server_port
        request.scheme = state.scheme
        try:
            result = self._handler(request)
        except Exception:
            state.handler_errors_total += 1
            logger.exception("handler failed for %s %s", request.method, request.target)
            result = state.internal_error()
        deferred: Deferred[Response] | None = None
        if isinstance(result, Deferred):
            if result.settled:
                result = self._outcome(request, result.value, result.error)
            else:
                deferred = result
        if type(result) is Response and not self._pending:
            # Fast path: a synchronous answer with nothing ahead of it goes straight out.
            return self._render(request, result, out)
        pending = _Pending(request, self)
        if isinstance(result, Response):
            pending.response = result
        elif deferred is not None:
            # Continued from the upstream's callback (_deferred_done), once it is queued.
            pending.deferred = deferred
        else:
            try:
                # A coroutine (the usual case, compiled or not) goes straight to the loop:
                # ensure_future's Python frames cost more per request than a failed attempt.
                task: asyncio.Future[Response] = self._task(cast(Awaitable[Response], result))
            except TypeError:
                state.handler_errors_total += 1
                logger.error("handler returned %r, not a Response or awaitable", type(result))
                pending.response = state.internal_error()
            else:
                pending.task = task
                task.add_done_callback(partial(self._task_done, pending))
        self._pending.append(pending)
        if not safe:
            self._unsafe_pending += 1
        if pending.deferred is not None:
            pending.deferred.then(pending)
        return True

    def _task(self, awaitable: Awaitable[Response]) -> asyncio.Future[Response]:
        try:
            return self._loop.create_task(cast(Coroutine[Any, Any, Response], awaitable))
        except TypeError:
            return asyncio.ensure_future(awaitable)

    def _outcome(self, request: Request, value: object, error: BaseException | None) -> Response:
        """What a handler that finished later produced, or a 500 if it failed."""
        if error is None and isinstance(value, Response):
            return value
        self._state.handler_errors_total += 1
        if error is not None:
            logger.error("handler failed for %s %s", request.method, request.target, exc_info=error)
        else:
            logger.error("handler returned %r, not a Response", type(value))
        return self._state.internal_error()

    def _settled(self, pending: _Pending, response: Response) -> None:
        pending.response = response
        if self._pending and self._pending[0] is pending:
            self._flush_pending()

    def _deferred_done(self, pending: _Pending, deferred: Deferred[Response]) -> None:
        if not self._closed:
            self._settled(pending, self._outcome(pending.request, deferred.value, deferred.error))

    def _task_done(self, pending: _Pending, task: asyncio.Future[Response]) -> None:
        if task.cancelled():
            return
        # Read the outcome even when closed, so asyncio doesn't report it as never retrieved.
        exc = task.exception()
        if not self._closed:
            value = task.result() if exc is None else None
            self._settled(pending, self._outcome(pending.request, value, exc))

    def _flush_pending(self) -> None:
        """Write every finished response at the head of the queue, then start waiting work."""
        out: list[bytes] = []
        pending_queue = self._pending
        while pending_queue and not self._closed:
            head = pending_queue[0]
            response = head.response
            if response is None:
                break
            pending_queue.popleft()
            if head.request.method not in _SAFE_METHODS:
                self._unsafe_pending -= 1
            if not self._render(head.request, response, out):
                break
        if out:
            self._write(out)
        if not self._closed:
            self._dispatch()
            self._arm_timer()

    def _render(self, request: Request, response: Response, out: list[bytes]) -> bool:
        """Serialize into ``out``; on ``Connection: close`` write everything and close."""
        conn = self._conn
        if self._state.draining and self._owes_nothing():
            # Shutting down: the last response owed on this connection closes it.
            request.keep_alive = False
        try:
            data = conn.serialize(response, request)
        except Exception:
            self._state.handler_errors_total += 1
            logger.exception("cannot serialize response to %s %s", request.method, request.target)
            data = conn.serialize(self._state.internal_error(), request)
        out.append(data)
        conn.response_sent()
        interim = conn.data_to_send()
        if interim:
            out.append(interim)
        if not request.keep_alive:
            self._write(out)
            out.clear()
            self._close()
            return False
        return True

    def _owes_nothing(self) -> bool:
        return not self._pending and self._held is None and not self._conn.queued

    def _after_writes(self) -> None:
        """Settle a protocol error once earlier responses are out, and adjust reading."""
        if self._closed:
            return
        conn = self._conn
        if self._owes_nothing():
            if conn.error is not None:
                self._send_error(conn.error)
                return
            if self._eof or (self._state.draining and not conn.receiving):
                self._close()
                return
        self._update_reading()

    def _send_error(self, error: ProtocolError) -> None:
        state = self._state
        state.protocol_errors_total += 1
        try:
            response = state.render_error(error)
        except Exception:
            logger.exception("cannot render the %d answer", error.status)
            response = error_response(error)
        self._write([self._conn.serialize_error(response)])
        self._close()

    # -- transport helpers ----------------------------------------------------------------------

    def _write(self, out: list[bytes]) -> None:
        transport = self._transport
        if transport is None or self._closed:
            return
        self._batch.write(transport, out[0] if len(out) == 1 else b"".join(out))

    def _update_reading(self) -> None:
        # Hysteresis: pause above max_pipelined, resume once the backlog has halved.
        backlog = len(self._pending) + self._conn.queued
        limit = self._limits.max_pipelined
        if self._writing_paused or backlog > limit:
            self._pause_reading()
        elif self._reading_paused and backlog <= limit // 2:
            self._reading_paused = False
            if self._transport is not None and not self._closed:
                self._transport.resume_reading()

    def _pause_reading(self) -> None:
        if not self._reading_paused and self._transport is not None and not self._closed:
            self._reading_paused = True
            self._transport.pause_reading()

    def _close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._transport is not None:
            self._batch.flush()  # Our queued responses first.
            # close() still flushes what was written; connection_lost follows.
            self._transport.close()

    def drain(self) -> None:
        """Called at shutdown: close now if nothing is owed, else close after the responses."""
        if self.upgraded is not None:
            self.upgraded()
            return
        self._after_writes()

    def abort(self) -> None:
        """Drop the connection, writing nothing more."""
        self._closed = True
        if self._transport is not None:
            self._transport.abort()

    def cut(self, timeout: float) -> None:
        """Called when shutdown's grace period ends: log each request this connection still
        owes an answer to (one line each), answer the oldest 503 (responses go out in order,
        so the later ones get none), and close."""
        if self.upgraded is not None and self._transport is not None:
            self._transport.abort()
            return
        if self._closed:
            return
        owed = [p.request for p in self._pending]
        if self._held is not None:
            owed.append(self._held)
        while (request := self._conn.next_request()) is not None:
            owed.append(request)
        receiving = self._conn.receiving
        # Nothing can be said to a client that stopped reading.
        answer = not self._writing_paused and bool(owed or receiving)
        client = self._client[0]
        for i, request in enumerate(owed):
            logger.warning(
                "shutdown: %s %s from %s not answered within the %g s shutdown timeout: %s",
                request.method, request.target, client, timeout,
                "answered 503" if answer and i == 0 else "connection closed",
            )  # fmt: skip
        if not owed and receiving:
            logger.warning(
                "shutdown: a request from %s still arriving after the %g s shutdown timeout: %s",
                client, timeout, "answered 503" if answer else "connection closed",
            )  # fmt: skip
        if not answer:
            self.abort()
            return
        self._write([self._conn.serialize_error(self._state.render_error(SHUTTING_DOWN))])
        self._close()

    # -- deadline timer -------------------------------------------------------------------------

    def _arm_timer(self) -> None:
        # One timer per connection, moved only when the deadline comes earlier: a later deadline
        # is picked up when the old timer fires, so a kept-alive connection doesn't cancel and
        # re-create a timer per request.
        due = self._conn.deadline()
        if due is None:
            return
        timer = self._timer
        if timer is not None:
            if due >= self._timer_at:
                return
            timer.cancel()
        self._timer_at = due
        self._timer = self._loop.call_at(due, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        if self._closed:
            return
        # The loop may fire a hair early (clock resolution); the timer was set for _timer_at.
        result = self._conn.on_deadline(max(self._loop.time(), self._timer_at))
        if result is None:
            self._arm_timer()
        elif self._writing_paused:
            # The client stopped reading: a graceful close would wait on it forever.
            self.abort()
        elif result == CLOSE:
            self._close()
        elif isinstance(result, ProtocolError):
            self._send_error(result)


def make_server_factory(state: ServerState) -> Callable[[], HttpProtocol]:
    """The protocol factory for ``loop.create_server`` (plain or TLS)."""

    def factory() -> HttpProtocol:
        return HttpProtocol(state)

    return factory
