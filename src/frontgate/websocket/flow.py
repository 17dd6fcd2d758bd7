"""Flow control of one WebSocket connection, both ways (AWS documents neither; what we do):

- **Slow readers.** Outbound bytes the client has not read yet wait in the transport's buffer,
  whose high-water mark is ``WsLimits.max_backlog`` (``websocket_max_backlog``, 1 MiB). Over
  it the connection is *backlogged*: an ``@connections`` POST to it answers 429
  ``LimitExceededException`` (AWS's error for "the WebSocket client side buffer is full")
  instead of growing the buffer, and if the backlog is still over the mark after
  ``stall_timeout`` (``websocket_stall_timeout``, 30 s) the connection is closed with 1008
  (policy violation) and aborted: a client that does not read cannot be sent a close frame
  either, and its buffer is freed at once. Route responses and error frames are still queued
  while backlogged (each is bounded by the message size limit, and the in-flight cap below
  bounds how many are pending), so a client that reads again loses nothing it asked for.
- **Fast writers.** At most ``max_in_flight`` (``websocket_max_in_flight``, 64) messages of a
  connection are at their integrations at once; at the cap the transport stops reading, so
  TCP pushes back on the client, and the messages already decoded from what was read wait
  here, in order, for a slot. Nothing is dropped and no error frame is sent."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from frontgate.websocket import messages

if TYPE_CHECKING:
    from frontgate.websocket.session import Session

log = logging.getLogger("frontgate.websocket")

POLICY_VIOLATION = 1008


class Flow:
    """The flow state of one connection (``Session.flow``)."""

    __slots__ = ("backlogged", "in_flight", "paused", "session", "stall", "waiting")

    def __init__(self, session: Session) -> None:
        self.session = session
        self.in_flight = 0
        self.waiting: deque[str] | None = None  # decoded messages past the cap
        self.paused = False  # reading paused by the cap
        self.backlogged = False  # the transport said pause_writing
        self.stall: asyncio.TimerHandle | None = None
        limits = session.gateway.limits
        session.transport.set_write_buffer_limits(high=limits.max_backlog)

    # -- inbound: messages to their routes ----------------------------------------------------

    def dispatch(self, text: str) -> None:
        """Run one received message's route, or queue it when the connection is at its cap."""
        if self.in_flight >= self.session.gateway.limits.max_in_flight:
            if self.waiting is None:
                self.waiting = deque()
            self.waiting.append(text)
            self._pause()
            return
        self._start(text)

    def _start(self, text: str) -> None:
        # What is answered at once (MOCK, error frames) never counts as in flight.
        running = messages.route_message(self.session, text)
        if running is None:
            return
        self.in_flight += 1
        if self.in_flight >= self.session.gateway.limits.max_in_flight:
            self._pause()
        self.session.gateway.spawn(self._run(running))

    async def _run(self, running: Coroutine[Any, Any, None]) -> None:
        try:
            await running
        finally:
            self._done()

    def _done(self) -> None:
        self.in_flight -= 1
        session = self.session
        if session._closed:
            self.waiting = None
            return
        cap = session.gateway.limits.max_in_flight
        while self.waiting and self.in_flight < cap and not session._closed:
            self._start(self.waiting.popleft())
        if self.paused and self.in_flight < cap and not self.waiting:
            self.paused = False
            session.transport.resume_reading()

    def _pause(self) -> None:
        if not self.paused:
            self.paused = True
            self.session.transport.pause_reading()

    # -- outbound: the transport's buffer ------------------------------------------------------

    def pause_writing(self) -> None:
        """The transport's buffer went over ``max_backlog``."""
        self.backlogged = True
        if self.stall is None:
            delay = self.session.gateway.limits.stall_timeout
            self.stall = asyncio.get_running_loop().call_later(delay, self._stalled)

    def resume_writing(self) -> None:
        """The client read enough: the buffer is back under the low-water mark."""
        self.backlogged = False
        if self.stall is not None:
            self.stall.cancel()
            self.stall = None

    def _stalled(self) -> None:
        self.stall = None
        session = self.session
        if not self.backlogged or session._closed:
            return
        log.info(
            "%s/%s connection %s: backlog over %d bytes for %.0f s; closed",
            session.api_id, session.stage_name, session.connection_id,
            session.gateway.limits.max_backlog, session.gateway.limits.stall_timeout,
        )  # fmt: skip
        session.close(POLICY_VIOLATION, "Slow reader: outbound backlog over the limit")
        session.transport.abort()

    def stop(self) -> None:
        """The connection is gone."""
        if self.stall is not None:
            self.stall.cancel()
            self.stall = None
        self.waiting = None


def backlogged(conn: Any) -> bool:
    """Whether an ``@connections`` POST to ``conn`` (a registry entry) must be refused: its
    outbound backlog is over the cap. Asked where the connection lives (``registry.execute``,
    also for calls made on another worker or node)."""
    flow = getattr(conn, "flow", None)
    return isinstance(flow, Flow) and flow.backlogged
