"""The connection registry of a cluster (``--redis``): every worker process of every node keeps
its own connections in memory (``LocalRegistry``: messages and local ``@connections`` calls
never touch Redis) and publishes where they live; an ``@connections`` call on a connection of
another process goes to its owner over Redis pub/sub and waits for the owner's reply.

Outcomes of a call made elsewhere: what the owner answers (200, 204, or 410 when it no longer
holds the connection); 410 when no entry names an owner, or the owner stopped cleanly (it
deletes its entries) or died (its heartbeat lapsed: at most ``node_ttl`` seconds after its
death; ``$disconnect`` is not run, as on AWS); 500 when the owner's state is unknown — Redis
unreachable, or no reply within ``timeout``.

The keys and messages are in ``cluster_wire``. Redis outages: the calls fail at once (500)
while this process reconnects every ``retry_interval``; once back, it writes its heartbeat and
its connections' entries again (an entry written while Redis was away was lost)."""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
from collections.abc import Awaitable
from typing import Any

from frontgate.counters.resp import RedisUrl, RespConnection, RespError
from frontgate.websocket import cluster_wire as wire
from frontgate.websocket.registry import Connection, LocalRegistry, execute_for_peer

log = logging.getLogger("frontgate.websocket.cluster")

PREFIX = "fg:ws:"
UNKNOWN = (500, b"")
GONE = (410, b"")
_FAILURES = (OSError, TimeoutError, RespError, ConnectionError)


class RedisRegistry(LocalRegistry):
    def __init__(
        self,
        url: str,
        node_ttl: float = 15.0,
        entry_ttl: float = 7260.0,
        *,
        prefix: str = PREFIX,
        timeout: float = 1.0,
        retry_interval: float = 1.0,
    ) -> None:
        """``node_ttl``: seconds after which a silent process's connections are gone;
        ``entry_ttl``: how long an entry outlives its last write (the longest connection)."""
        super().__init__()
        self.url = RedisUrl(url)
        self.target = secrets.token_hex(8)
        self.prefix = prefix
        self.node_ttl = node_ttl
        self.timeout = timeout
        self.retry_interval = retry_interval
        self._entry_ex = max(math.ceil(entry_ttl), 1)
        self._channel = f"{prefix}to:{self.target}"
        self._heartbeat = f"{prefix}hb:{self.target}"
        self._set = f"{prefix}n:{self.target}"
        self._cmd: RespConnection | None = None
        self._sub: RespConnection | None = None
        self._shas: dict[str, str] = {}
        self._pending: dict[bytes, asyncio.Future[tuple[int, bytes]]] = {}
        self._seq = 0
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._warned = False

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect (a failure here is not fatal: calls answer 500 until Redis is back)."""
        await self._open()
        self._task = asyncio.get_running_loop().create_task(self._keep())

    async def close(self) -> None:
        """A clean stop: this process's entries and heartbeat are deleted, so calls made
        elsewhere answer 410 at once."""
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        cmd = self._cmd
        if cmd is not None and not cmd.lost:
            try:
                await asyncio.wait_for(
                    self._eval(cmd, wire.FORGET, [self._set, self._heartbeat],
                               [self.prefix, self.target]),
                    self.timeout,
                )  # fmt: skip
            except _FAILURES as exc:
                log.warning("could not delete this worker's WebSocket entries: %s", exc)
        self._drop()

    async def _open(self) -> None:
        sub: RespConnection | None = None
        try:
            sub = await self.url.open(self.timeout, self._received)
            await asyncio.wait_for(sub.call("SUBSCRIBE", self._channel), self.timeout)
            cmd = await self.url.open(self.timeout)
            try:
                ms = math.ceil(self.node_ttl * 1000)
                await asyncio.wait_for(
                    cmd.call("SET", self._heartbeat, "1", "PX", ms), self.timeout
                )
            except BaseException:
                _abort(cmd)
                raise
        except _FAILURES as exc:
            _abort(sub)
            if not self._warned:
                log.warning("WebSocket registry: Redis %s unreachable: %s", self.url.host, exc)
                self._warned = True
            return
        self._warned = False
        self._cmd, self._sub = cmd, sub
        for conn in self.connections():  # entries written while Redis was away were lost
            self._register(conn)
        log.info("WebSocket registry on Redis %s:%d as %s", self.url.host, self.url.port,
                 self.target)  # fmt: skip

    async def _keep(self) -> None:
        """Refresh the heartbeat every third of its TTL; reconnect after a failure."""
        beat = self.node_ttl / 3
        ms = math.ceil(self.node_ttl * 1000)
        while not self._closed:
            cmd, sub = self._cmd, self._sub
            if cmd is None or sub is None or cmd.lost or sub.lost:
                self._drop()
                await asyncio.sleep(self.retry_interval)
                await self._open()
                continue
            await asyncio.sleep(beat)
            try:
                await asyncio.wait_for(cmd.call("SET", self._heartbeat, "1", "PX", ms), beat)
            except _FAILURES as exc:
                log.warning("WebSocket registry: Redis heartbeat failed: %s", exc)
                self._drop()

    def _drop(self) -> None:
        _abort(self._cmd)
        _abort(self._sub)
        self._cmd = self._sub = None
        for fut in self._pending.values():
            if not fut.done():
                fut.set_result(UNKNOWN)  # the reply would come on the lost subscription

    # -- the registry ---------------------------------------------------------------------------

    def add(self, conn: Connection) -> None:
        super().add(conn)
        self._register(conn)

    def remove(self, conn: Connection) -> None:
        cid = conn.connection_id
        if self._by_id.get(cid) is not conn:
            return
        super().remove(conn)
        cmd = self._cmd
        if cmd is not None and not cmd.lost:
            _quiet(cmd.call("DEL", self.prefix + "c:" + cid))
            _quiet(cmd.call("SREM", self._set, cid))

    def _register(self, conn: Connection) -> None:
        cmd = self._cmd
        if cmd is None or cmd.lost:
            return  # written by _open once Redis is back
        cid = conn.connection_id
        _quiet(cmd.call("SET", self.prefix + "c:" + cid, self.target, "EX", self._entry_ex))
        _quiet(cmd.call("SADD", self._set, cid))
        _quiet(cmd.call("EXPIRE", self._set, self._entry_ex))

    def remote(
        self, api_id: str, stage_name: str, connection_id: str, method: str, body: bytes
    ) -> Awaitable[tuple[int, bytes]]:
        return self._remote(api_id, stage_name, connection_id, method, body)

    async def _remote(
        self, api_id: str, stage_name: str, connection_id: str, method: str, body: bytes
    ) -> tuple[int, bytes]:
        cmd = self._cmd
        if cmd is None or cmd.lost:
            return UNKNOWN
        self._seq += 1
        rid = b"%d" % self._seq
        msg = wire.command(rid, self.target.encode(), method, api_id, stage_name,
                           connection_id, body)  # fmt: skip
        if msg is None:
            return GONE
        fut: asyncio.Future[tuple[int, bytes]] = asyncio.get_running_loop().create_future()
        self._pending[rid] = fut
        try:
            async with asyncio.timeout(self.timeout):
                key = self.prefix + "c:" + connection_id
                sent = await self._eval(cmd, wire.SEND, [key], [self.prefix, msg])
                if sent == wire.GONE:
                    return GONE
                if sent != wire.SENT:
                    return UNKNOWN
                return await fut
        except _FAILURES as exc:
            log.info("@connections %s %s: owner not reached: %s", method, connection_id, exc)
            return UNKNOWN
        finally:
            del self._pending[rid]

    # -- messages from other processes ----------------------------------------------------------

    def _received(self, channel: bytes, data: bytes) -> None:
        try:
            if data[:1] == b"R":
                rid, status, body = wire.read_reply(data)
                fut = self._pending.get(rid)
                if fut is not None and not fut.done():
                    fut.set_result((status, body))
            elif data[:1] == b"C":
                self._serve(data)
        except (ValueError, KeyError, UnicodeDecodeError) as exc:
            log.warning("WebSocket registry: malformed message on %r: %s", channel, exc)

    def _serve(self, data: bytes) -> None:
        """A command for one of this process's connections: run it, publish the reply."""
        rid, reply_to, method, api_id, stage, cid, body = wire.read_command(data)
        status, answer = execute_for_peer(self.lookup(api_id, stage, cid), method, body)
        cmd = self._cmd
        if cmd is not None and not cmd.lost:
            channel = self.prefix.encode() + b"to:" + reply_to
            _quiet(cmd.call("PUBLISH", channel, wire.reply(rid, status, answer)))

    async def _eval(
        self, cmd: RespConnection, script: str, keys: list[str], args: list[str | bytes]
    ) -> Any:
        """A script by its SHA1 (loaded on first use, and again after a Redis restart)."""
        sha = self._shas.get(script)
        if sha is not None:
            try:
                return await cmd.call("EVALSHA", sha, len(keys), *keys, *args)
            except RespError as exc:
                if not str(exc).startswith("NOSCRIPT"):
                    raise
        loaded = await cmd.call("SCRIPT", "LOAD", script)
        self._shas[script] = loaded.decode() if isinstance(loaded, bytes) else str(loaded)
        return await cmd.call("EVALSHA", self._shas[script], len(keys), *keys, *args)


def _abort(conn: RespConnection | None) -> None:
    if conn is not None and conn.transport is not None:
        conn.transport.abort()


def _quiet(fut: asyncio.Future[Any]) -> None:
    """A write whose outcome nobody waits for (its failure is the connection's, seen later)."""
    fut.add_done_callback(_consume)


def _consume(fut: asyncio.Future[Any]) -> None:
    if not fut.cancelled():
        fut.exception()
