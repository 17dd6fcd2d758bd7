"""One keep-alive HTTP/1.1 client connection: an asyncio.Protocol that writes a serialized request,
parses its response with httptools and hands it to a callback, then tells the pool whether the
connection may be reused."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable
from typing import Final, TypeAlias, cast

from httptools import (
    HttpParserError,
    HttpParserUpgrade,
    HttpResponseParser,
)

from frontgate.http import write_batch
from frontgate.http.message import header_pairs
from frontgate.upstream.errors import (
    UpstreamError,
    UpstreamProtocolError,
    UpstreamResponseTooLarge,
    UpstreamTimeout,
)

# Bounds the memory a misbehaving upstream can make us buffer before the head ends; well above
# any sane response head (nginx's largest default header buffer set is 4 x 8 KiB).
MAX_RESPONSE_HEAD_BYTES: Final = 64 * 1024


class UpstreamResponse:
    """A complete upstream response. ``head`` holds the header lines exactly as received (each
    ending in its line end, llhttp-validated, decoded as latin-1), for the proxy path to pass
    through without taking them apart; ``headers`` is the same as (name, value) pairs in the
    upstream's order and casing, repeated fields as separate entries, parsed on first use.
    ``body`` is de-chunked."""

    __slots__ = ("_headers", "body", "head", "status", "status_line")

    def __init__(
        self,
        status: int,
        status_line: str,
        head: str,
        body: bytes,
    ) -> None:
        self.status = status
        self.status_line = status_line  # "HTTP/1.1 200 OK", without its CRLF
        self.head = head
        self.body = body
        self._headers: list[tuple[str, str]] | None = None

    @property
    def reason(self) -> str:
        parts = self.status_line.split(" ", 2)
        return parts[2].strip() if len(parts) == 3 else ""

    @property
    def headers(self) -> list[tuple[str, str]]:
        headers = self._headers
        if headers is None:
            headers = self._headers = header_pairs(self.head)
        return headers

    def __repr__(self) -> str:
        return f"UpstreamResponse({self.status}, {self.reason!r}, {self.headers!r}, {self.body!r})"


def _split_head(buf: bytes) -> tuple[str, str, int]:
    """The head that starts ``buf`` (llhttp has just reported it complete, so it is plain CRLF
    lines) as its status line, its header lines (each with its CRLF; latin-1, as HTTP field
    values are) and the offset in ``buf`` just past its blank line."""
    # Searched as str: mypyc calls str.find directly, bytes.find through a method lookup and
    # an argument tuple. A buffer that also holds a long body is cut first.
    if len(buf) > _DECODE_WHOLE:
        cut = buf.find(b"\r\n\r\n")
        buf = buf[: cut + 4 if cut >= 0 else len(buf)]
    text = buf.decode("latin-1")
    end = text.find("\r\n\r\n")
    if end < 0:
        end = len(text)
    line_end = text.find("\r\n")
    if line_end < 0 or line_end >= end:
        return text[:end], "", end + 4
    return text[:line_end], text[line_end + 2 : end + 2], end + 4


# A first read holding head and body is decoded whole up to this size, and searched as text.
_DECODE_WHOLE: Final = 4096

# Called once per request with the response, or with the error that ended the exchange.
OnDone: TypeAlias = Callable[[UpstreamResponse | None, UpstreamError | None], None]

# What a closed connection parses with: a parser with no callbacks, shared (it is never fed).
_RELEASED: Final = HttpResponseParser(object())


class UpstreamConnection(asyncio.Protocol):
    """A client connection carrying one request at a time (no pipelining).

    The pool owns the lifecycle; this class only frames bytes. When the callback given to
    :meth:`send` runs, ``reusable`` says whether the connection may go back to the idle list
    and ``got_bytes`` whether any byte of the response arrived (the pool's retry rule needs it).
    The callback runs after llhttp has returned, never from inside a parser callback, so it may
    send the next request on this very connection.
    """

    __slots__ = (
        "_batch",
        "_body",
        "_body_size",
        "_buf",
        "_complete",
        "_head",
        "_headers_done",
        "_interim",
        "_is_head",
        "_keep_alive",
        "_max_body",
        "_on_done",
        "_parser",
        "_parser_stale",
        "_status_line",
        "closed",
        "deadline",
        "got_bytes",
        "idle",
        "idle_since",
        "on_lost",
        "reusable",
        "timeout",
        "transport",
    )

    def __init__(self, loop: asyncio.AbstractEventLoop, max_body: int) -> None:
        self._batch = write_batch.batch_for(loop)
        self._max_body = max_body
        self._parser = HttpResponseParser(self)
        self._parser_stale = False
        self._on_done: OnDone | None = None
        self._complete = False
        self._keep_alive = False
        self._is_head = False
        self._interim = False
        self._headers_done = False
        # The head is collected as raw bytes and split once complete (no per-header callback:
        # the proxy path passes the header lines through as they came).
        self._buf = b""
        self._head = ""
        self._status_line = ""
        self._body: list[bytes] = []
        self._body_size = 0
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.got_bytes = False
        self.reusable = False
        # Owned by the pool: whether the connection sits in an idle list, since when, and whom to
        # tell when the peer closes it.
        self.idle = False
        self.idle_since = 0.0
        self.on_lost: Callable[[UpstreamConnection], None] | None = None
        # Set by the pool per request: when the exchange expires, and the budget it was given.
        self.deadline = 0.0
        self.timeout = 0.0

    # -- driven by the pool -------------------------------------------------------------------

    def send(self, data: bytes, is_head: bool, on_done: OnDone) -> bool:
        """Write one serialized request; ``on_done`` gets its response or an ``UpstreamError``.
        Returns False, having written nothing, if the connection is already closing (so the
        caller may safely retry elsewhere)."""
        transport = self.transport
        if self.closed or transport is None or transport.is_closing():
            return False
        if self._parser_stale:
            # After a HEAD response llhttp still expects the body its Content-Length announced.
            self._parser = HttpResponseParser(self)
            self._parser_stale = False
        self._is_head = is_head
        self._interim = False
        self._headers_done = False
        self._buf = b""
        self._head = ""
        self._status_line = ""
        self._body = []
        self._body_size = 0
        self.got_bytes = False
        self.reusable = False
        self._complete = False
        self._on_done = on_done
        self._batch.write(transport, data)  # Sent at the end of this loop iteration.
        return True

    def expire(self) -> None:
        """Deadline callback: fail the pending request and drop the connection."""
        if self._on_done is not None:
            self._fail(UpstreamTimeout(f"upstream did not respond within {self.timeout:g} s"))

    def detach(self) -> None:
        """Forget the pending request's callback (its caller gave up); the pool then drops
        the connection, whose exchange state is unknown."""
        self._on_done = None

    def abort(self) -> None:
        self.reusable = False
        if self.transport is not None:
            self.transport.abort()

    # -- asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # A stream transport, by construction.
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # Requests are written in one call and wait for a reply; Nagle would only add delay.
            with contextlib.suppress(OSError, AttributeError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        if self._on_done is None:
            # Bytes nobody asked for (e.g. a 408 sent before closing an idle connection): the
            # framing can no longer be trusted.
            self.abort()
            return
        self.got_bytes = True
        if not self._headers_done:
            self._buf = self._buf + data if self._buf else data
        try:
            self._parser.feed_data(data)
        except HttpParserUpgrade:
            self._fail(UpstreamProtocolError("upstream switched protocols; not supported"))
            return
        except HttpParserError as exc:
            if self._complete:
                # Junk after a complete response: deliver it, but never reuse the connection.
                self._keep_alive = False
            else:
                # Also raised when a callback below stopped the parse after failing the request.
                if self._on_done is not None:
                    self._fail(UpstreamProtocolError(f"malformed upstream response: {exc}"))
                return
        if self._complete:
            self._deliver(self._keep_alive)
            return
        # Checked after the feed: once the head is complete the buffer is let go.
        if (
            not self._headers_done
            and self._on_done is not None
            and len(self._buf) > MAX_RESPONSE_HEAD_BYTES
        ):
            self._fail(UpstreamProtocolError("upstream response head too large"))

    def eof_received(self) -> bool | None:
        return False  # Close our side too; connection_lost settles any pending response.

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.reusable = False
        on_done = self._on_done
        if on_done is not None:
            if self._complete or (self._headers_done and not self._has_explicit_length()):
                # Complete, or no Content-Length and not chunked: the body is delimited by the
                # close (RFC 9112 section 6.3, rule 8).
                self._deliver(keep_alive=False)
            else:
                self._on_done = None
                if self.got_bytes:
                    reason = "upstream closed the connection mid-response"
                else:
                    reason = "upstream closed the connection before responding"
                if exc is not None:
                    reason = f"{reason}: {exc}"
                on_done(None, UpstreamProtocolError(reason))
        if self.on_lost is not None:
            self.on_lost(self)
        # The parser holds this object's callbacks: without that cycle a closed connection is
        # freed by reference counting (see http.server_conn.ServerConnection.release).
        self._parser = _RELEASED

    # -- httptools callbacks ------------------------------------------------------------------

    def on_message_begin(self) -> None:
        if self._complete:
            self._keep_alive = False  # A second response to one request.

    # No on_status / on_header: without them llhttp makes no call per header (see _buf).

    def on_headers_complete(self) -> None:
        if self._parser.get_status_code() < 200:
            # 1xx interim response (100 Continue, 103 Early Hints): llhttp parses it as a
            # complete message of its own; forget it and wait for the final response.
            self._interim = True
            self._buf = self._buf[_split_head(self._buf)[2] :]  # The final response follows.
            return
        self._headers_done = True
        self._status_line, self._head, _ = _split_head(self._buf)
        self._buf = b""
        if self._is_head:
            # A HEAD response has no body whatever its Content-Length says (RFC 9110 9.3.2),
            # which llhttp cannot know; finish here and renew the parser before the next request.
            self._parser_stale = True
            if not self._complete:
                self._complete = True
                self._keep_alive = self._parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        if self._complete:
            self._keep_alive = False  # Body bytes after a HEAD response: framing is broken.
            return
        self._body_size += len(body)
        if self._body_size > self._max_body:
            self._fail(
                UpstreamResponseTooLarge(f"upstream response body exceeds {self._max_body} bytes")
            )
            raise _StopParsing
        self._body.append(body)

    def on_message_complete(self) -> None:
        if self._interim:
            self._interim = False
            return
        if not self._complete:
            self._complete = True
            self._keep_alive = self._parser.should_keep_alive()

    # -- internals ----------------------------------------------------------------------------

    def _deliver(self, keep_alive: bool) -> None:
        on_done = self._on_done
        if on_done is None:
            return
        self._on_done = None
        self.reusable = keep_alive and not self.closed
        body = self._body
        on_done(
            UpstreamResponse(
                self._parser.get_status_code(),
                self._status_line,
                self._head,
                body[0] if len(body) == 1 else b"".join(body),
            ),
            None,
        )

    def _fail(self, exc: UpstreamError) -> None:
        on_done = self._on_done
        self._on_done = None
        self.abort()
        if on_done is not None:
            on_done(None, exc)

    def _has_explicit_length(self) -> bool:
        # Only consulted when the connection closes before llhttp saw the message end.
        for name, _ in header_pairs(self._head):
            lowered = name.lower()
            if lowered == "content-length" or lowered == "transfer-encoding":
                return True
        return False


class _StopParsing(Exception):
    """Raised from a parser callback to stop llhttp once the request has already failed."""
