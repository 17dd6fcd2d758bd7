"""A minimal pipelining Redis (RESP2) client on an ``asyncio.Protocol``: every caller writes its
command at once and gets a future; replies come back in order, so one connection carries any
number of concurrent requests without a lock, a task, or a queue per call.

A connection given a ``push`` callback is a subscriber (``SUBSCRIBE``): the messages published
to its channels arrive between the replies, and go to the callback instead."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from typing import Any, cast
from urllib.parse import unquote, urlsplit

_INCOMPLETE = object()


class RespError(Exception):
    """An error reply (``-ERR ...``) from the server."""


def encode(args: tuple[bytes | str | int | float, ...]) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        if isinstance(arg, bytes):
            raw = arg
        elif isinstance(arg, str):
            raw = arg.encode()
        else:
            raw = repr(arg).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(raw), raw))
    return b"".join(out)


def parse(buf: bytearray, pos: int) -> tuple[Any, int]:
    """One reply starting at ``pos``: ``(value, next position)``, or ``(_INCOMPLETE, pos)``."""
    nl = buf.find(b"\r\n", pos)
    if nl < 0:
        return _INCOMPLETE, pos
    kind = buf[pos]
    line = bytes(buf[pos + 1 : nl])
    after = nl + 2
    if kind == 0x2B:  # +
        return line.decode(), after
    if kind == 0x2D:  # -
        return RespError(line.decode()), after
    if kind == 0x3A:  # :
        return int(line), after
    if kind == 0x24:  # $
        size = int(line)
        if size < 0:
            return None, after
        if len(buf) < after + size + 2:
            return _INCOMPLETE, pos
        return bytes(buf[after : after + size]), after + size + 2
    if kind == 0x2A:  # *
        count = int(line)
        if count < 0:
            return None, after
        items = []
        for _ in range(count):
            item, after = parse(buf, after)
            if item is _INCOMPLETE:
                return _INCOMPLETE, pos
            items.append(item)
        return items, after
    raise RespError(f"unexpected reply type {chr(kind)!r}")


class RespConnection(asyncio.Protocol):
    def __init__(self, push: Callable[[bytes, bytes], None] | None = None) -> None:
        self.transport: asyncio.Transport | None = None
        self.push = push  # (channel, message) for each published message (a subscriber)
        self._buf = bytearray()
        # (future, send time) in send order: the n-th reply answers the n-th call.
        self._waiting: deque[tuple[asyncio.Future[Any], float]] = deque()
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        buf = self._buf
        buf += data
        pos = 0
        waiting = self._waiting
        push = self.push
        while waiting or push is not None:
            try:
                value, nxt = parse(buf, pos)
            except (RespError, ValueError) as exc:
                self.fail(ConnectionError(f"bad reply from Redis: {exc}"))
                return
            if value is _INCOMPLETE:
                break
            pos = nxt
            if push is not None and type(value) is list and value[:1] == [b"message"]:
                push(value[1], value[2])
                continue
            if not waiting:
                continue  # nothing asked for it (cannot happen with a well-behaved server)
            fut, _ = waiting.popleft()
            if not fut.done():
                if isinstance(value, RespError):
                    fut.set_exception(value)
                else:
                    fut.set_result(value)
        del buf[:pos]

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self._fail_all(exc or ConnectionError("Redis closed the connection"))

    def _fail_all(self, exc: BaseException) -> None:
        while self._waiting:
            fut, _ = self._waiting.popleft()
            if not fut.done():
                fut.set_exception(exc)

    def fail(self, exc: BaseException) -> None:
        self.lost = True
        self._fail_all(exc)
        if self.transport is not None:
            self.transport.abort()

    def call(self, *args: bytes | str | int | float) -> asyncio.Future[Any]:
        fut = asyncio.get_running_loop().create_future()
        if self.transport is None or self.lost:
            fut.set_exception(ConnectionError("not connected to Redis"))
            return fut
        self.transport.write(encode(args))
        self._waiting.append((fut, time.monotonic()))
        return fut

    def oldest_wait(self) -> float:
        """Seconds the oldest unanswered call has waited (0 when none is waiting)."""
        return time.monotonic() - self._waiting[0][1] if self._waiting else 0.0


async def connect(
    host: str, port: int, timeout: float, push: Callable[[bytes, bytes], None] | None = None
) -> RespConnection:
    loop = asyncio.get_running_loop()
    make = lambda: RespConnection(push)  # noqa: E731
    _, proto = await asyncio.wait_for(loop.create_connection(make, host, port), timeout)
    return proto


class RedisUrl:
    """``redis://[user:password@]host[:port][/db]``, parsed."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme != "redis":
            raise ValueError(f"unsupported Redis URL {url!r} (expected redis://host:port/db)")
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 6379
        self.password = unquote(parts.password) if parts.password else None
        self.username = unquote(parts.username) if parts.username else None
        path = parts.path.strip("/")
        self.db = int(path) if path else 0

    async def open(
        self, timeout: float, push: Callable[[bytes, bytes], None] | None = None
    ) -> RespConnection:
        """A connection, authenticated and on the URL's database."""
        conn = await connect(self.host, self.port, timeout, push)
        try:
            if self.password is not None:
                auth = (self.username, self.password) if self.username else (self.password,)
                await asyncio.wait_for(conn.call("AUTH", *auth), timeout)
            if self.db:
                await asyncio.wait_for(conn.call("SELECT", self.db), timeout)
        except BaseException:
            if conn.transport is not None:
                conn.transport.abort()
            raise
        return conn
