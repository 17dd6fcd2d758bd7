"""Sans-IO HTTP/1.1 server connection: bytes in, complete ``Request`` objects out, responses
serialized to bytes; framing, request-smuggling defences, size limits and deadlines live here.

No sockets and no event loop: the caller feeds received bytes, pops requests, writes what
``serialize``/``data_to_send`` return, and asks ``deadline()`` when to call ``on_deadline()``.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from email.utils import formatdate
from http import HTTPStatus
from typing import Final, Literal

import httptools

from frontgate.http.errors import (
    BAD_REQUEST,
    EXPECTATION_FAILED,
    HEADERS_TOO_LARGE,
    REQUEST_TIMEOUT,
    TOO_LARGE_TYPE,
    URI_TOO_LONG,
    VERSION_NOT_SUPPORTED,
    ProtocolError,
    error_response,
)
from frontgate.http.limits import Limits
from frontgate.http.message import Request, Response

__all__ = ["CLOSE", "ServerConnection"]

CLOSE: Final = "close"
"""Returned by ``on_deadline`` when the connection should be closed without a response."""


# Status lines are encoded once; a response head is then one join and one encode.
_STATUS_LINES: Final[dict[int, bytes]] = {
    s.value: f"HTTP/1.1 {s.value} {s.phrase}\r\n".encode("ascii") for s in HTTPStatus
}
_CONTINUE: Final = b"HTTP/1.1 100 Continue\r\n\r\n"
_KEEP_ALIVE_LINE: Final = "Connection: keep-alive\r\n\r\n"
_CLOSE_LINE: Final = "Connection: close\r\n\r\n"

# Headers the serializer owns; the app's copies are dropped. Checking the name length first keeps
# the common case (any other header) to one set lookup of an int.
_OWNED: Final = frozenset({"content-length", "connection", "date", "transfer-encoding"})
_OWNED_LENS: Final = frozenset(len(n) for n in _OWNED)
# Request headers the parser has to look at, by the same trick.
_CONTENT_LENGTH: Final = b"content-length"
_TRANSFER_ENCODING: Final = b"transfer-encoding"
_EXPECT: Final = b"expect"
_HOST: Final = b"host"
_CONNECTION: Final = b"connection"
_SPECIAL_LENS: Final = frozenset(
    {len(_CONTENT_LENGTH), len(_TRANSFER_ENCODING), len(_EXPECT), len(_HOST), len(_CONNECTION)}
)

# Interned method names so a request does not allocate a new str for "GET".
_METHODS: Final[dict[bytes, str]] = {
    m.encode(): m for m in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
}
_BODYLESS_STATUSES: Final = frozenset({204, 304})
# What ``serialize`` is told about the request when the answer ends the connection.
_CLOSING: Final = Request("GET", "", [], keep_alive=False)

# Where the connection is in reading the current request.
_IDLE: Final = 0  # Between requests: no byte of the next one seen yet.
_HEAD: Final = 1  # Request line / headers being read.
_BODY: Final = 2  # Headers done, body being read.
_DEAD: Final = 3  # Error or upgrade: no more input is parsed.

# Raw bytes an unfinished head may hold beyond the URL and header quotas: the method, version,
# ": " separators and line ends, which the quotas don't count.
_HEAD_SLACK: Final = 1024


class _Abort(Exception):
    """Raised inside a parser callback to stop httptools (which re-raises it wrapped in
    ``HttpParserCallbackError``); the reason is already in ``ServerConnection.error``."""


class _DateCache:
    """The ``Date`` header line, formatted at most once per wall-clock second."""

    __slots__ = ("_line", "_second")

    def __init__(self) -> None:
        self._second = -1
        self._line = ""

    def line(self) -> str:
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second = second
            self._line = f"Date: {formatdate(now, usegmt=True)}\r\n"
        return self._line


_DATE: Final = _DateCache()
# What a closed connection parses with: a parser with no callbacks, shared (it is never fed).
_RELEASED: Final = httptools.HttpRequestParser(object())


class ServerConnection:
    """The server side of one HTTP/1.x connection, without I/O.

    - ``feed(data)`` parses; complete requests (bodies buffered, chunked decoded) queue up in
      order and come out of ``next_request()``.
    - ``error`` is set once input is unacceptable; answer it with ``serialize_error`` and close.
    - ``data_to_send()`` returns interim bytes (``100 Continue``) in the right order.
    - ``serialize(response, request)`` renders a final response; call ``response_sent()`` once
      per response written so deadlines and ``100 Continue`` ordering stay right.
    - ``deadline()`` is the absolute time (on the ``now`` clock) at which ``on_deadline`` must be
      called, or None while the application holds a request.
    """

    __slots__ = (
        "_body_parts",
        "_body_size",
        "_connection_seen",
        "_content_length",
        "_continue_pending",
        "_expect_continue",
        "_feed_time",
        "_head_raw",
        "_header_budget",
        "_headers",
        "_host",
        "_keep_alive",
        "_limits",
        "_max_headers",
        "_now",
        "_out",
        "_outstanding",
        "_parser",
        "_phase_start",
        "_request_headers",
        "_requests",
        "_resumed_at",
        "_state",
        "_te_seen",
        "_url",
        "_version",
        "error",
        "upgrade",
        "upgrade_rest",
    )

    def __init__(self, limits: Limits, now: Callable[[], float]) -> None:
        self._limits = limits
        self._max_headers = limits.max_headers
        self._now = now
        self._parser = httptools.HttpRequestParser(self)
        self._requests: deque[Request] = deque()
        self._out: list[bytes] = []
        self.error: ProtocolError | None = None
        # An upgrade request (``Upgrade`` + ``Connection: upgrade``) that ended the input, and
        # the bytes that followed its head (the other protocol's): see ``_on_upgrade``.
        self.upgrade: Request | None = None
        self.upgrade_rest = b""
        self._state = _IDLE
        # Requests completed but not yet answered (queued here or held by the application).
        self._outstanding = 0
        self._continue_pending = False
        start = now()
        self._feed_time = start
        self._phase_start = start
        self._resumed_at = start
        self._reset_message()

    def _reset_message(self) -> None:
        self._url = b""
        self._headers: list[tuple[str, str]] = []
        self._request_headers = self._headers
        self._header_budget = self._limits.max_header_bytes
        self._head_raw = 0
        self._body_parts: list[bytes] = []
        self._body_size = 0
        self._content_length = -1
        self._te_seen = False
        self._expect_continue = False
        self._host: str | None = None
        self._connection_seen = False
        self._keep_alive = True
        self._version = "1.1"

    def release(self) -> None:
        """The connection is closed: parse nothing more and drop the parser, which holds this
        object's callbacks. Without that reference cycle a closed connection is freed as soon
        as the last reference goes, not by the cyclic collector, and a worker that froze its
        long-lived objects (frontgate/gc_policy.py) does not keep it forever."""
        self._state = _DEAD
        self._parser = _RELEASED

    # -- input ----------------------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        """Parse received bytes. Stops at the first error (see ``error``)."""
        if self._state == _DEAD or not data:
            return
        # One clock read per feed: every event in one chunk arrived at the same moment.
        self._feed_time = self._now()
        was_in_head = self._state == _HEAD
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade as upgrade:
            self._on_upgrade(data, upgrade.args[0] if upgrade.args else len(data))
            return
        except httptools.HttpParserError:
            # Callback errors carry our reason in self.error; anything else is malformed input.
            if self.error is None:
                self.error = BAD_REQUEST
            self._state = _DEAD
            return
        if self._state == _HEAD:
            # httptools buffers a header until its line ends, so an endless header value never
            # reaches on_header; bound the unfinished head by the raw bytes fed into it. The first
            # chunk of a head may also carry earlier requests, so counting starts after it.
            if was_in_head:
                self._head_raw += len(data)
                limits = self._limits
                cap = limits.max_url_chars + limits.max_header_bytes + _HEAD_SLACK
                if self._head_raw > cap:
                    self._fail(HEADERS_TOO_LARGE)
            else:
                self._head_raw = 0

    def _fail(self, error: ProtocolError) -> None:
        self.error = error
        self._state = _DEAD

    def _abort(self, error: ProtocolError) -> _Abort:
        self._fail(error)
        return _Abort()

    def _on_upgrade(self, data: bytes, offset: object) -> None:
        # The request (complete by now) is answered as a plain request, and the connection
        # closes after it since the client may already be sending bytes of another protocol;
        # unless the listener takes it over (``upgrade``: a WebSocket handshake, see
        # http/server.py), with the bytes after its head.
        if self._state != _IDLE or not self._requests:
            self._fail(BAD_REQUEST)
            return
        request = self._requests[-1]
        request.keep_alive = False
        self._state = _DEAD
        if request.method == "GET" and isinstance(offset, int):
            self.upgrade = request
            self.upgrade_rest = data[offset:]

    # httptools callbacks: bound methods found by name on ``self``.

    def on_message_begin(self) -> None:
        self._state = _HEAD
        self._phase_start = self._feed_time

    def on_url(self, url: bytes) -> None:
        # httptools may deliver the URL in several pieces when it spans reads.
        self._url += url
        if len(self._url) > self._limits.max_url_chars:
            raise self._abort(URI_TOO_LONG)

    def on_header(self, name: bytes, value: bytes) -> None:
        # The hot callback (several per request): one budget update, one append, and the name
        # looked at closer only when its length matches a header that matters to framing.
        # Chunked trailers arrive here too; they land in a scratch list (see on_headers_complete)
        # under the same quotas.
        # RFC 9110 §5.5: whitespace around a field value is not part of it. llhttp drops the
        # leading whitespace; the trailing is looked for with one byte compare.
        if value and (value[-1] == 32 or value[-1] == 9):
            value = value.rstrip(b" \t")
        budget = self._header_budget - len(name) - len(value) - 2
        self._header_budget = budget
        headers = self._headers
        headers.append((name.decode("latin-1"), value.decode("latin-1")))
        if budget < 0 or len(headers) > self._max_headers:
            raise self._abort(HEADERS_TOO_LARGE)
        if len(name) in _SPECIAL_LENS and self._state == _HEAD:
            self._special_header(name.lower(), value)

    def _special_header(self, lname: bytes, value: bytes) -> None:
        # llhttp already rejects most of these shapes; checking here too keeps the defence
        # independent of the parser's version and leniency flags.
        if lname == _CONTENT_LENGTH:
            value = value.strip(b" \t")
            if self._content_length >= 0 or self._te_seen or not value.isdigit():
                raise self._abort(BAD_REQUEST)
            self._content_length = int(value)
        elif lname == _TRANSFER_ENCODING:
            # Only a single, bare "chunked" is accepted: codings stacked under it and repeated
            # fields are the usual disagreement points between proxies.
            if self._te_seen or self._content_length >= 0 or value.lower() != b"chunked":
                raise self._abort(BAD_REQUEST)
            self._te_seen = True
        elif lname == _HOST:
            # Two Host fields are a request-smuggling shape (RFC 9112 §3.2: answer 400).
            if self._host is not None:
                raise self._abort(BAD_REQUEST)
            self._host = value.decode("latin-1").strip()
        elif lname == _CONNECTION:
            self._connection_seen = True
        elif lname == _EXPECT:
            if value.lower() != b"100-continue":
                raise self._abort(EXPECTATION_FAILED)
            self._expect_continue = True

    def on_headers_complete(self) -> None:
        parser = self._parser
        keep_alive = self._keep_alive = parser.should_keep_alive()
        # llhttp accepts HTTP/0.9, 1.0, 1.1 and 2.0, and keeps alive without a Connection field
        # only for 1.1: then the version is known without get_http_version(), which formats a
        # new string per request.
        version = "1.1" if keep_alive and not self._connection_seen else parser.get_http_version()
        if version != "1.1" and version != "1.0":
            raise self._abort(VERSION_NOT_SUPPORTED)
        self._version = version
        if self._content_length > self._limits.max_body_bytes:
            raise self._abort(self._too_large())
        self._state = _BODY
        self._phase_start = self._feed_time
        if self._te_seen:
            # Trailers may follow a chunked body; keep them out of the request's headers.
            self._headers = []
        # RFC 9110 §10.1.1: 100-continue is only meaningful from HTTP/1.1 clients, and only when
        # a body is coming. It must not overtake responses to earlier pipelined requests.
        if (
            self._expect_continue
            and version == "1.1"
            and (self._te_seen or self._content_length > 0)
        ):
            if self._outstanding:
                self._continue_pending = True
            else:
                self._out.append(_CONTINUE)

    def on_body(self, body: bytes) -> None:
        self._body_size += len(body)
        if self._body_size > self._limits.max_body_bytes:
            raise self._abort(self._too_large())
        self._body_parts.append(body)

    def on_message_complete(self) -> None:
        parser = self._parser
        method = parser.get_method()
        parts = self._body_parts
        self._requests.append(
            Request(
                _METHODS.get(method) or method.decode("latin-1"),
                self._url.decode("latin-1"),
                self._request_headers,
                parts[0] if len(parts) == 1 else b"".join(parts),
                self._version,
                self._keep_alive,
                host=self._host or "",
            )
        )
        self._outstanding += 1
        self._continue_pending = False
        self._state = _IDLE
        self._phase_start = self._feed_time
        self._reset_message()

    def _too_large(self) -> ProtocolError:
        # API Gateway's 413 for an oversized payload, measured: this plain text (not JSON).
        limit = self._limits.max_body_bytes
        method = self._parser.get_method()
        head = Request(
            _METHODS.get(method) or method.decode("latin-1"),
            self._url.decode("latin-1"),
            self._request_headers,
            host=self._host or "",
        )
        return ProtocolError(
            413,
            f"HTTP content length exceeded {limit} bytes.".encode("ascii"),
            "text/plain",
            TOO_LARGE_TYPE,
            head,
        )

    # -- output ---------------------------------------------------------------------------------

    def next_request(self) -> Request | None:
        """Pop the oldest complete request, or None."""
        return self._requests.popleft() if self._requests else None

    @property
    def queued(self) -> int:
        """Complete requests parsed but not yet popped."""
        return len(self._requests)

    @property
    def receiving(self) -> bool:
        """True while a request has started arriving but is not complete."""
        return self._state == _HEAD or self._state == _BODY

    def data_to_send(self) -> bytes:
        """Interim bytes to write now (``100 Continue``), in order with final responses."""
        if not self._out:
            return b""
        out = b"".join(self._out)
        self._out.clear()
        return out

    def response_sent(self) -> None:
        """Record that one final response was written; timers resume once none is owed."""
        if self._outstanding:
            self._outstanding -= 1
        if not self._outstanding:
            self._resumed_at = self._now()
            if self._continue_pending:
                self._continue_pending = False
                self._out.append(_CONTINUE)

    def serialize(self, response: Response, request: Request) -> bytes:
        """The full bytes of ``response`` to ``request``: head in one piece, then the body."""
        status = response.status
        status_line = _STATUS_LINES.get(status) or f"HTTP/1.1 {status} \r\n".encode("ascii")
        fields = ""
        if response.headers:
            lines = [
                f"{name}: {value}\r\n"
                for name, value in response.headers
                if len(name) not in _OWNED_LENS or name.lower() not in _OWNED
            ]
            fields = "".join(lines)
            # A CR or LF inside a name or value would split the response; counting line ends in
            # the joined text checks every header in two C-speed scans.
            if fields.count("\n") != len(lines) or fields.count("\r") != len(lines):
                fields = "".join(
                    line for line in lines if line.count("\n") == 1 == line.count("\r")
                )
        body = response.body
        if status < 200 or status in _BODYLESS_STATUSES:
            framing = ""
            body = b""
        else:
            framing = f"Content-Length: {len(body)}\r\n"
            if request.method == "HEAD":
                body = b""
        connection = _KEEP_ALIVE_LINE if request.keep_alive else _CLOSE_LINE
        head = f"{response.head}{fields}{framing}{_DATE.line()}{connection}".encode("latin-1")
        return b"".join((status_line, head, body))

    def serialize_error(self, error: ProtocolError | Response) -> bytes:
        """The response for a protocol error (``error_response`` of it, or a listener's own
        rendering); the connection must be closed after it."""
        response = error if isinstance(error, Response) else error_response(error)
        return self.serialize(response, _CLOSING)

    # -- deadlines ------------------------------------------------------------------------------

    def deadline(self) -> float | None:
        """When ``on_deadline`` is due, or None (the app owes a response, or input stopped)."""
        if self._outstanding or self._state == _DEAD:
            return None
        # Time spent waiting on the application doesn't count against the client.
        start = max(self._phase_start, self._resumed_at)
        state = self._state
        limits = self._limits
        if state == _IDLE:
            return start + limits.keepalive_timeout
        if state == _HEAD:
            return start + limits.header_timeout
        return start + limits.body_timeout

    def on_deadline(self, now: float) -> ProtocolError | Literal["close"] | None:
        """Act on the deadline at time ``now``: a 408 to send (then close), ``CLOSE`` for an idle
        keep-alive connection, or None if nothing is due yet (ask ``deadline()`` again)."""
        due = self.deadline()
        if due is None or now < due:
            return None
        if self._state == _IDLE:
            self._state = _DEAD
            return CLOSE
        self._fail(REQUEST_TIMEOUT)
        return REQUEST_TIMEOUT
