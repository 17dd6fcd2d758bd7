"""The connection registry of one node's workers without Redis (``--workers N``): each worker
keeps its own connections in memory and listens on a Unix socket in the supervisor's private
directory (``ws-{slot}.sock``, mode 0700 directory: only this user reaches it). An
``@connections`` call on a connection this worker does not hold asks every sibling at once;
the one holding it answers, the others answer 410.

Outcomes: the owner's answer (200, 204); 410 when every sibling said so, or cannot be reached
(a worker not listening is restarting: its connections ended with its predecessor); 500 when a
sibling did not answer within ``timeout`` and nobody else held it. The messages are
``cluster_wire``'s, each framed by its 4-byte length. Several nodes need ``--redis``
(``cluster.RedisRegistry``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import struct
from collections.abc import Awaitable

from frontgate.websocket import cluster_wire as wire
from frontgate.websocket.registry import LocalRegistry, execute_for_peer

log = logging.getLogger("frontgate.websocket.node")

GONE = (410, b"")
UNKNOWN = (500, b"")
_LEN = struct.Struct("!I")
_MAX_FRAME = 1 << 20  # a command holds at most a 128 KB message; anything larger is garbage
_BROKEN = (OSError, asyncio.IncompleteReadError, ValueError, KeyError, UnicodeDecodeError)


def _frame(data: bytes) -> bytes:
    return _LEN.pack(len(data)) + data


async def _read_frame(reader: asyncio.StreamReader) -> bytes:
    (size,) = _LEN.unpack(await reader.readexactly(4))
    if size > _MAX_FRAME:
        raise ValueError(f"frame of {size} bytes")
    return await reader.readexactly(size)


class _Peer:
    """The connection to one sibling: commands written in any order, replies matched by id."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.pending: dict[bytes, asyncio.Future[tuple[int, bytes]]] = {}
        self.closed = False
        self.task = asyncio.get_running_loop().create_task(self._replies(reader))

    async def _replies(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                rid, status, body = wire.read_reply(await _read_frame(reader))
                fut = self.pending.pop(rid, None)
                if fut is not None and not fut.done():
                    fut.set_result((status, body))
        except _BROKEN:
            pass
        finally:
            self.close()

    async def ask(self, rid: bytes, command: bytes) -> tuple[int, bytes]:
        if self.closed:
            return GONE
        fut: asyncio.Future[tuple[int, bytes]] = asyncio.get_running_loop().create_future()
        self.pending[rid] = fut
        try:
            self.writer.write(_frame(command))
            return await fut
        finally:
            self.pending.pop(rid, None)

    def close(self) -> None:
        self.closed = True
        self.writer.close()
        for fut in self.pending.values():
            if not fut.done():
                fut.set_result(GONE)  # the sibling went away, and its connections with it


class NodeRegistry(LocalRegistry):
    def __init__(self, directory: str, slot: int, workers: int, timeout: float = 1.0) -> None:
        """``slot``: this worker's (0..workers-1); ``directory``: the supervisor's private one."""
        super().__init__()
        self.directory = directory
        self.slot = slot
        self.workers = workers
        self.timeout = timeout
        self._server: asyncio.AbstractServer | None = None
        self._peers: dict[int, asyncio.Task[_Peer]] = {}
        self._served: set[asyncio.StreamWriter] = set()
        self._seq = 0

    def path(self, slot: int) -> str:
        return os.path.join(self.directory, f"ws-{slot}.sock")

    async def start(self) -> None:
        path = self.path(self.slot)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)  # left by this slot's previous worker
        self._server = await asyncio.start_unix_server(self._serve, path)

    async def close(self) -> None:
        """Siblings asking now find nobody (410: this worker's connections end with it)."""
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path(self.slot))
        for writer in list(self._served):
            writer.close()
        for task in self._peers.values():
            if not task.done():
                task.cancel()
            elif not _broken(task):
                task.result().close()
        self._peers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """A sibling's commands, answered in order."""
        self._served.add(writer)
        try:
            while True:
                data = await _read_frame(reader)
                rid, _, method, api_id, stage, cid, body = wire.read_command(data)
                status, answer = execute_for_peer(self.lookup(api_id, stage, cid), method, body)
                writer.write(_frame(wire.reply(rid, status, answer)))
        except (*_BROKEN, asyncio.CancelledError):
            pass  # cancelled: the worker is exiting (a cancelled handler task logs a traceback)
        finally:
            self._served.discard(writer)
            writer.close()

    def remote(
        self, api_id: str, stage_name: str, connection_id: str, method: str, body: bytes
    ) -> Awaitable[tuple[int, bytes]] | None:
        if self.workers < 2:
            return None
        return self._remote(api_id, stage_name, connection_id, method, body)

    async def _remote(
        self, api_id: str, stage_name: str, connection_id: str, method: str, body: bytes
    ) -> tuple[int, bytes]:
        self._seq += 1
        rid = b"%d" % self._seq
        command = wire.command(rid, b"", method, api_id, stage_name, connection_id, body)
        if command is None:
            return GONE
        asks = [
            asyncio.ensure_future(self._ask(slot, rid, command))
            for slot in range(self.workers)
            if slot != self.slot
        ]
        try:
            async with asyncio.timeout(self.timeout):
                for done in asyncio.as_completed(asks):
                    answer = await done
                    if answer != GONE:
                        return answer
            return GONE
        except TimeoutError:
            log.info("@connections %s %s: a sibling worker did not answer", method, connection_id)
            return UNKNOWN
        finally:
            for ask in asks:
                ask.cancel()

    async def _ask(self, slot: int, rid: bytes, command: bytes) -> tuple[int, bytes]:
        try:
            peer = await self._peer(slot)
        except OSError:
            return GONE  # not listening: restarting, and its connections ended with the old one
        return await peer.ask(rid, command)

    async def _peer(self, slot: int) -> _Peer:
        task = self._peers.get(slot)
        if task is None or (task.done() and _broken(task)):
            task = asyncio.get_running_loop().create_task(self._connect(slot))
            self._peers[slot] = task
        return await asyncio.shield(task)

    async def _connect(self, slot: int) -> _Peer:
        reader, writer = await asyncio.open_unix_connection(self.path(slot))
        return _Peer(reader, writer)


def _broken(task: asyncio.Task[_Peer]) -> bool:
    """A finished connection attempt that gave no usable peer (failed, or closed since)."""
    return task.cancelled() or task.exception() is not None or task.result().closed
