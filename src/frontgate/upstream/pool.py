"""The upstream client: serializes requests, keeps idle keep-alive connections per origin, bounds
connections, applies the retry rule and the per-call deadline, and sets up TLS.

Two entry points: :meth:`UpstreamPool.start` reports through a callback and, when an idle
connection is at hand (the steady state), involves no Task or Future at all; the coroutine
:meth:`UpstreamPool.request` wraps it for callers that prefer ``await``."""

from __future__ import annotations

import asyncio
import functools
import re
import ssl
from collections import deque
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlsplit

from frontgate.upstream.connection import OnDone, UpstreamConnection, UpstreamResponse
from frontgate.upstream.errors import (
    UpstreamConnectError,
    UpstreamError,
    UpstreamProtocolError,
    UpstreamTimeout,
)

__all__ = [
    "Exchange",
    "ParsedUrl",
    "UpstreamPool",
    "UpstreamResponse",
    "parse_url",
    "serialize_request",
]

# Amazon API Gateway's 10 MB payload quota, applied to what an integration sends back.
MAX_RESPONSE_BYTES: Final = 10 * 1024 * 1024

# RFC 9110 section 9.2.2: repeating these cannot change the outcome, so a request that may never
# have reached the server can be sent again.
IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})

# Framing headers the pool always writes itself (bodies are buffered, connections kept alive).
_POOL_OWNED: Final = frozenset({"content-length", "transfer-encoding", "connection"})
# Finds those and Host at the start of a line of the lowered header block, in one C-level scan.
_SPECIAL_FIELD: Final = re.compile(r"\n(content-length|transfer-encoding|connection|host):")
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}

# Timeouts of at least _COARSE_TIMEOUT are enforced by a shared sweep that may fire up to
# _SWEEP_INTERVAL late (at most 5 %); shorter ones get a precise timer of their own.
_COARSE_TIMEOUT: Final = 1.0
_SWEEP_INTERVAL: Final = 0.05


def connect_host(host: str) -> str:
    """Where to connect for ``host``: ``localhost`` and every name under it are loopback
    (RFC 6761 §6.3), as curl and browsers treat them, so an integration URI naming an invoke URL
    such as ``http://{apiId}.execute-api.localhost:8080/`` reaches this machine; the resolver
    would not know those names. The Host header and TLS server name stay the name."""
    lowered = host.lower()
    if lowered == "localhost" or lowered.endswith(".localhost"):
        return "127.0.0.1"
    return host


OriginKey = tuple[str, str, int, str]  # (scheme, host, port, server_hostname)


@dataclass(frozen=True, slots=True)
class ParsedUrl:
    """An absolute upstream URL split once. ``target`` is the request-target (path and query,
    never empty); ``host_header`` is the Host value (port only when not the default)."""

    scheme: str
    host: str
    port: int
    target: str
    host_header: str
    # The pool key for the default SNI name, precomputed so the hot path hashes a ready tuple.
    key: OriginKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", (self.scheme, self.host, self.port, self.host))


@functools.lru_cache(maxsize=4096)
def parse_url(url: str) -> ParsedUrl:
    """Parse an absolute http:// or https:// URL; cached because integration URLs repeat.

    Raises ValueError for other schemes, a missing host, credentials in the URL (they would be
    silently dropped otherwise) or whitespace/control characters in the target.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError(f"upstream URL must be http:// or https://: {url!r}")
    host = parts.hostname
    if not host:
        raise ValueError(f"upstream URL has no host: {url!r}")
    if parts.username is not None or parts.password is not None:
        raise ValueError("credentials in the upstream URL are not supported; send a header")
    port = parts.port or _DEFAULT_PORTS[scheme]  # .port raises ValueError when out of range
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    if any(ch <= " " or ch == "\x7f" for ch in target):
        raise ValueError(f"upstream URL target must be percent-encoded: {target!r}")
    name = f"[{host}]" if ":" in host else host
    host_header = name if port == _DEFAULT_PORTS[scheme] else f"{name}:{port}"
    return ParsedUrl(scheme, host, port, target, host_header)


def serialize_request(
    method: str,
    url: ParsedUrl,
    headers: list[tuple[str, str]],
    body: bytes,
    vetted: bool = False,
) -> bytes:
    """The request head and body as one buffer. Caller headers keep their order and casing;
    Content-Length, Transfer-Encoding and Connection from the caller are replaced by the pool's
    own, and Host is added unless given. Raises ValueError on CR/LF/NUL inside any field.

    ``vetted`` is the caller's promise that ``headers`` hold no Host, framing field or CR/LF
    (client headers llhttp has parsed, minus the ones the proxy drops): the scans are skipped."""
    if vetted:
        block = "".join([f"{name}: {value}\r\n" for name, value in headers])
        head = (
            f"{method} {url.target} HTTP/1.1\r\n{block}Host: {url.host_header}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
        )
        try:
            raw = head.encode("latin-1")
        except UnicodeEncodeError:
            raw = head.encode("utf-8")
        return raw + body if body else raw
    fields = ""
    count = 0
    host_line = f"Host: {url.host_header}\r\n"
    if headers:
        block = "\r\n".join(map(": ".join, headers))
        special = _SPECIAL_FIELD.findall(("\n" + block).lower())
        count = len(headers)
        if special:
            if "host" in special:
                host_line = ""
            if len(special) > special.count("host"):
                kept = [h for h in headers if h[0].lower() not in _POOL_OWNED]
                block = "\r\n".join(map(": ".join, kept))
                count = len(kept)
        if count:
            fields = f"{block}\r\n"
    if host_line:
        count += 1
    head = (
        f"{method} {url.target} HTTP/1.1\r\n{fields}{host_line}"
        f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
    )
    # Request line + fields + Content-Length + Connection + blank line. Any extra CR or LF came
    # from a caller value and would let it inject headers or a second request.
    # NUL too (RFC 9110 5.5: CR, LF and NUL in a field are invalid and dangerous); the client's
    # own headers never hold one (llhttp refuses them), only a mapped value can.
    expected = count + 4
    if head.count("\n") != expected or head.count("\r") != expected or "\x00" in head:
        raise ValueError("CR, LF or NUL inside a request method, header name or header value")
    try:
        raw = head.encode("latin-1")
    except UnicodeEncodeError:
        raw = head.encode("utf-8")  # Values from mapping templates may be arbitrary text.
    return raw + body if body else raw


class _Origin:
    """Connections to one (scheme, host, port, server_hostname): the idle LIFO, the count of
    connection slots taken (idle + in use + connecting) and the requests waiting for a slot."""

    __slots__ = (
        "conns",
        "host",
        "idle",
        "idle_timeout",
        "label",
        "max_body",
        "max_idle",
        "max_open",
        "open",
        "port",
        "server_hostname",
        "ssl",
        "waiters",
    )

    def __init__(
        self,
        key: OriginKey,
        ssl_context: ssl.SSLContext | None,
        max_idle: int,
        max_open: int,
        idle_timeout: float,
        max_body: int,
    ) -> None:
        scheme, self.host, self.port, self.server_hostname = key
        self.label = f"{scheme}://{self.host}:{self.port}"
        if self.server_hostname != self.host:
            self.label = f"{self.label} (SNI {self.server_hostname})"
        self.ssl = ssl_context
        self.max_idle = max_idle
        self.max_open = max_open
        self.idle_timeout = idle_timeout
        self.max_body = max_body
        self.idle: deque[UpstreamConnection] = deque()
        self.open = 0
        self.waiters: deque[asyncio.Future[UpstreamConnection | None]] = deque()
        self.conns: set[UpstreamConnection] = set()  # Every live connection, for close().

    def pop_idle(self, now: float) -> UpstreamConnection | None:
        idle = self.idle
        while idle:
            conn = idle.pop()
            conn.idle = False
            if now - conn.idle_since > self.idle_timeout:
                # LIFO: every connection below this one has been idle even longer.
                self.discard(conn)
                while idle:
                    old = idle.pop()
                    old.idle = False
                    self.discard(old)
                return None
            if conn.reusable:
                return conn
            self.discard(conn)  # Closing, but connection_lost has not run yet.
        return None

    def release(self, conn: UpstreamConnection, now: float) -> None:
        """Give back a connection after a complete response (or drop it if not reusable)."""
        if not conn.reusable:
            self.discard(conn)
        elif self.waiters and self._hand_off(conn):
            pass
        elif len(self.idle) < self.max_idle:
            conn.idle = True
            conn.idle_since = now
            idle = self.idle
            idle.append(conn)
            # Lazily expire from the old end; normally one comparison.
            while now - idle[0].idle_since > self.idle_timeout:
                old = idle.popleft()
                old.idle = False
                self.discard(old)
        else:
            self.discard(conn)

    def discard(self, conn: UpstreamConnection) -> None:
        """Close a connection and free its slot."""
        conn.abort()
        self.free_slot()

    def free_slot(self) -> None:
        if not (self.waiters and self._hand_off(None)):
            self.open -= 1

    def _hand_off(self, item: UpstreamConnection | None) -> bool:
        # Waiters that timed out or were cancelled are done already; skip them lazily.
        waiters = self.waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(item)
                return True
        return False

    def on_lost(self, conn: UpstreamConnection) -> None:
        """The peer closed a connection. Only an idle one is ours to account for; a busy one is
        settled by the request that holds it."""
        self.conns.discard(conn)
        if conn.idle:
            conn.idle = False
            self.idle.remove(conn)
            self.free_slot()

    async def acquire(self, loop: asyncio.AbstractEventLoop, deadline: float) -> UpstreamConnection:
        """A connection when none was idle: open one if under the bound, else wait for one."""
        if self.open < self.max_open:
            self.open += 1
            return await self.connect(loop, deadline)
        waiter: asyncio.Future[UpstreamConnection | None] = loop.create_future()
        self.waiters.append(waiter)
        # A timer on the future rather than asyncio.timeout_at: the request path may run
        # without a Task (http/drive.py), and timeout_at needs one.
        timer = loop.call_at(deadline, _expire, waiter)
        try:
            item = await waiter
        except BaseException as exc:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                # Handed a slot or connection just as we gave up: pass it on.
                got = waiter.result()
                if got is None:
                    self.free_slot()
                else:
                    self.release(got, loop.time())
            else:
                waiter.cancel()
            if isinstance(exc, TimeoutError):
                raise UpstreamTimeout(f"no free connection to {self.label} in time") from None
            raise
        finally:
            timer.cancel()
        if item is None:
            return await self.connect(loop, deadline)
        return item

    async def connect(self, loop: asyncio.AbstractEventLoop, deadline: float) -> UpstreamConnection:
        """Open a new connection in a slot the caller already holds; the slot is freed on
        failure."""
        conn = UpstreamConnection(loop, self.max_body)
        connecting = asyncio.ensure_future(
            loop.create_connection(
                lambda: conn,
                connect_host(self.host),
                self.port,
                ssl=self.ssl,
                server_hostname=self.server_hostname if self.ssl is not None else None,
            )
        )
        expired: list[bool] = []

        def expire() -> None:
            expired.append(True)
            connecting.cancel()

        # A timer cancelling the connect task rather than asyncio.timeout_at: see acquire().
        timer = loop.call_at(deadline, expire)
        try:
            await connecting
        except BaseException as exc:
            connecting.cancel()
            conn.abort()
            self.free_slot()
            if expired:
                raise UpstreamTimeout(f"connect to {self.label} timed out") from None
            if isinstance(exc, ssl.SSLCertVerificationError):
                raise UpstreamConnectError(
                    f"TLS certificate verification failed for {self.label}: {exc.verify_message}"
                ) from exc
            if isinstance(exc, OSError):  # Includes DNS (gaierror) and other ssl.SSLError.
                raise UpstreamConnectError(f"cannot connect to {self.label}: {exc}") from exc
            raise
        finally:
            timer.cancel()
        conn.on_lost = self.on_lost
        self.conns.add(conn)
        return conn


class _Deadlines:
    """Deadlines of in-flight exchanges, checked by one timer per pool that ticks every
    ``_SWEEP_INTERVAL`` while anything is in flight. Arming and cancelling a timer per request
    costs about 0.8 us on uvloop; a set add and discard cost about 0.1 us."""

    __slots__ = ("_handle", "inflight", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.inflight: set[UpstreamConnection] = set()
        self._handle: asyncio.TimerHandle | None = None

    def watch(self, conn: UpstreamConnection) -> None:
        self.inflight.add(conn)
        if self._handle is None:
            self._handle = self.loop.call_at(self.loop.time() + _SWEEP_INTERVAL, self._sweep)

    def _sweep(self) -> None:
        now = self.loop.time()
        expired = [conn for conn in self.inflight if conn.deadline <= now]
        for conn in expired:
            self.inflight.discard(conn)
            conn.expire()
        self._handle = None
        if self.inflight:
            self._handle = self.loop.call_at(now + _SWEEP_INTERVAL, self._sweep)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self.inflight.clear()


def _expire(waiter: asyncio.Future[UpstreamConnection | None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


class Exchange:
    """One request through the pool, from slot to response: the steady state (an idle
    connection) runs with plain callbacks; waiting for a slot, connecting and the one retry
    run in a Task of their own."""

    __slots__ = (
        "conn",
        "data",
        "deadline",
        "handle",
        "is_head",
        "loop",
        "method",
        "on_done",
        "origin",
        "pool",
        "retry_allowed",
        "reused",
        "task",
        "timeout",
    )

    def __init__(
        self,
        pool: UpstreamPool,
        origin: _Origin,
        method: str,
        data: bytes,
        timeout: float,
        deadline: float,
        on_done: OnDone,
    ) -> None:
        self.pool = pool
        self.origin = origin
        self.method = method
        self.is_head = method == "HEAD"
        self.data = data
        self.timeout = timeout
        self.deadline = deadline
        self.on_done: OnDone | None = on_done
        loop = pool._loop
        assert loop is not None
        self.loop = loop
        self.conn: UpstreamConnection | None = None
        self.handle: asyncio.TimerHandle | None = None
        self.task: asyncio.Task[None] | None = None
        self.retry_allowed = True
        self.reused = False

    def send_on(self, conn: UpstreamConnection) -> None:
        self.conn = conn
        self.reused = conn.reusable  # Set once a connection has completed a response.
        if not conn.send(self.data, self.is_head, self._conn_done):
            self._failed(
                UpstreamProtocolError(
                    f"connection to {self.origin.label} closed before the request was sent"
                ),
                sent=False,
            )
            return
        conn.deadline = self.deadline
        conn.timeout = self.timeout
        if self.timeout >= _COARSE_TIMEOUT:
            deadlines = self.pool._deadlines
            assert deadlines is not None
            deadlines.watch(conn)
        else:
            self.handle = self.loop.call_at(self.deadline, conn.expire)

    def cancel(self) -> None:
        """The caller no longer wants the response: stop waiting, drop the connection (its
        exchange state is unknown), and never call ``on_done``."""
        self.on_done = None
        task = self.task
        if task is not None:
            self.task = None
            task.cancel()  # acquire()/connect() free the slot they held.
        conn = self.conn
        if conn is not None:
            self.conn = None
            self._unwatch(conn)
            conn.detach()
            self.origin.discard(conn)

    def _unwatch(self, conn: UpstreamConnection) -> None:
        handle = self.handle
        if handle is None:
            deadlines = self.pool._deadlines
            if deadlines is not None:
                deadlines.inflight.discard(conn)
        else:
            self.handle = None
            handle.cancel()

    def _conn_done(self, response: UpstreamResponse | None, error: UpstreamError | None) -> None:
        conn = self.conn
        if conn is None:
            return
        self._unwatch(conn)
        if error is not None:
            self._failed(error, sent=True)
            return
        self.conn = None
        self.origin.release(conn, self.loop.time())
        on_done = self.on_done
        if on_done is not None:
            self.on_done = None
            on_done(response, None)

    def _failed(self, error: UpstreamError, *, sent: bool) -> None:
        conn = self.conn
        assert conn is not None
        self.conn = None
        # Retry rule: a reused connection may have been closed by the server while idle; if
        # it failed before any response byte, send once more on a fresh connection, but only
        # if doing so cannot repeat a non-idempotent request the server may have acted on.
        if (
            self.retry_allowed
            and self.reused
            and isinstance(error, UpstreamProtocolError)
            and (not sent or (not conn.got_bytes and self.method in IDEMPOTENT_METHODS))
        ):
            self.retry_allowed = False
            conn.abort()  # Its slot carries over to the fresh connection.
            self.task = self.loop.create_task(self.connect_then_send(fresh=True))
            return
        self.origin.discard(conn)
        self._finish(error)

    def _finish(self, error: UpstreamError) -> None:
        on_done = self.on_done
        if on_done is not None:
            self.on_done = None
            on_done(None, error)

    async def connect_then_send(self, *, fresh: bool = False) -> None:
        """Wait for a slot (or open a connection in one), then send. ``fresh``: the retry's new
        connection, in the slot of the one that failed."""
        origin = self.origin
        try:
            if fresh:
                conn = await origin.connect(self.loop, self.deadline)
            else:
                conn = await origin.acquire(self.loop, self.deadline)
        except UpstreamError as exc:
            self.task = None
            self._finish(exc)
            return
        self.task = None
        if self.on_done is None:  # Cancelled just as the connection came.
            origin.release(conn, self.loop.time())
            return
        self.send_on(conn)


class UpstreamPool:
    """Keep-alive HTTP/1.1 client for integration calls; one per event loop.

    Defaults: up to ``max_per_host`` connections per origin (busy + idle; more requests wait for
    a slot within their own timeout), at most ``max_idle_per_host`` of them kept idle, each for
    ``idle_timeout`` seconds (a little under the 60 s keep-alive of common servers, so that we
    rarely reuse a connection the server is about to close).
    """

    def __init__(
        self,
        *,
        max_idle_per_host: int = 100,
        max_per_host: int = 1000,
        idle_timeout: float = 30.0,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if max_per_host < 1 or max_idle_per_host < 0:
            raise ValueError("max_per_host must be >= 1 and max_idle_per_host >= 0")
        self._max_idle = max_idle_per_host
        self._max_open = max_per_host
        self._idle_timeout = idle_timeout
        self._max_body = max_response_bytes
        self._ssl_context = ssl_context
        self._origins: dict[OriginKey, _Origin] = {}
        self._deadlines: _Deadlines | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    def _bind(self) -> asyncio.AbstractEventLoop:
        # Once per pool: asyncio.get_running_loop() costs a getpid() syscall on Python 3.11.
        loop = self._loop = asyncio.get_running_loop()
        self._deadlines = _Deadlines(loop)
        return loop

    def start(
        self,
        method: str,
        url: str | ParsedUrl,
        headers: list[tuple[str, str]],
        body: bytes,
        timeout: float,
        on_done: OnDone,
        *,
        server_hostname: str | None = None,
        vetted: bool = False,
    ) -> Exchange:
        """Send one request; ``on_done(response, None)`` or ``on_done(None, error)`` runs once
        when it ends (possibly before this returns), unless the exchange is cancelled first.

        ``timeout`` bounds everything: waiting for a slot, connecting, sending and reading.
        ``server_hostname`` overrides the TLS SNI / verification name (default: the URL host).
        Raises ValueError for a bad URL or CR/LF in a header, UpstreamConnectError once closed.
        ``vetted``: see :func:`serialize_request`.
        """
        parsed = url if isinstance(url, ParsedUrl) else parse_url(url)
        key = parsed.key if server_hostname is None else (*parsed.key[:3], server_hostname)
        origin = self._origins.get(key)
        if origin is None:
            origin = self._add_origin(key)
        data = serialize_request(method, parsed, headers, body, vetted)
        loop = self._loop
        if loop is None:
            loop = self._bind()
        now = loop.time()
        exchange = Exchange(self, origin, method, data, timeout, now + timeout, on_done)
        conn = origin.pop_idle(now)
        if conn is None:
            exchange.task = loop.create_task(exchange.connect_then_send())
        else:
            exchange.send_on(conn)
        return exchange

    async def request(
        self,
        method: str,
        url: str | ParsedUrl,
        headers: list[tuple[str, str]],
        body: bytes,
        timeout: float,
        *,
        server_hostname: str | None = None,
    ) -> UpstreamResponse:
        """:meth:`start` as a coroutine: the response, or the ``UpstreamError`` raised."""
        loop = self._loop
        if loop is None:
            loop = self._bind()
        done: asyncio.Future[UpstreamResponse] = loop.create_future()

        def settle(response: UpstreamResponse | None, error: UpstreamError | None) -> None:
            if done.done():
                return
            if error is not None:
                done.set_exception(error)
            else:
                assert response is not None
                done.set_result(response)

        exchange = self.start(
            method, url, headers, body, timeout, settle, server_hostname=server_hostname
        )
        try:
            return await done
        except asyncio.CancelledError:
            exchange.cancel()
            raise

    def stats(self) -> dict[str, dict[str, int]]:
        """Gauges per origin: connection slots taken (``open``, includes connecting), idle,
        in use, and requests waiting for a slot."""
        out: dict[str, dict[str, int]] = {}
        for origin in self._origins.values():
            idle = len(origin.idle)
            out[origin.label] = {
                "open": origin.open,
                "idle": idle,
                "in_use": origin.open - idle,
                "waiting": sum(1 for w in origin.waiters if not w.done()),
            }
        return out

    async def close(self) -> None:
        """Close every connection; requests in flight fail with UpstreamProtocolError, waiting
        ones with UpstreamConnectError, and later calls to request() with UpstreamConnectError."""
        self._closed = True
        for origin in self._origins.values():
            for waiter in origin.waiters:
                if not waiter.done():
                    waiter.set_exception(UpstreamConnectError("upstream pool closed"))
            origin.waiters.clear()
            origin.idle.clear()
            for conn in list(origin.conns):
                conn.idle = False
                conn.abort()
            origin.conns.clear()
            origin.open = 0
        self._origins.clear()
        if self._deadlines is not None:
            self._deadlines.close()
        self._loop = None
        await asyncio.sleep(0)  # Let connection_lost callbacks run before the loop goes away.

    def _add_origin(self, key: OriginKey) -> _Origin:
        if self._closed:
            raise UpstreamConnectError("upstream pool closed")
        ssl_context: ssl.SSLContext | None = None
        if key[0] == "https":
            if self._ssl_context is None:
                # Built on first use: loading the system CA store takes milliseconds.
                self._ssl_context = ssl.create_default_context()
            ssl_context = self._ssl_context
        origin = _Origin(
            key, ssl_context, self._max_idle, self._max_open, self._idle_timeout, self._max_body
        )
        self._origins[key] = origin
        return origin
