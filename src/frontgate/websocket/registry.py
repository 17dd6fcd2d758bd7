"""The connection registry: which connections are open, and how to reach one. ``@connections``
calls and handlers look connections up here.

``Registry`` is the interface; ``LocalRegistry`` keeps the connections of this worker process;
``cluster.RedisRegistry`` (``--redis``) also reaches the connections of every other worker and
node through Redis, ``node.NodeRegistry`` (``--workers N`` without Redis) those of this node's
other workers."""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Awaitable
from typing import Protocol

from frontgate.websocket import flow

log = logging.getLogger("frontgate.websocket")


class Connection(Protocol):
    """What the registry needs of an open connection (``session.Session``)."""

    connection_id: str
    api_id: str
    stage_name: str
    connected_at: float  # epoch seconds
    last_active_at: float
    source_ip: str
    user_agent: str

    def post(self, text: str) -> None:
        """Send one text message to the client."""

    def disconnect(self) -> None:
        """Close the connection (``DeleteConnection``)."""


class Registry(Protocol):
    def add(self, conn: Connection) -> None: ...

    def remove(self, conn: Connection) -> None: ...

    def lookup(self, api_id: str, stage_name: str, connection_id: str) -> Connection | None:
        """A connection of this process (no I/O)."""
        ...

    def remote(
        self, api_id: str, stage_name: str, connection_id: str, method: str, body: bytes
    ) -> Awaitable[tuple[int, bytes]] | None:
        """Run an ``@connections`` call (POST, GET, DELETE) on a connection ``lookup`` did not
        find, wherever it lives: ``(status, body)`` as ``execute`` answers it there, 410 when
        it is nowhere, 500 when its owner cannot be asked. None: no other process to ask."""
        ...

    def count(self) -> int: ...


class LocalRegistry:
    """Connections of this process by id; an id is only found for its own API and stage."""

    def __init__(self) -> None:
        self._by_id: dict[str, Connection] = {}

    def add(self, conn: Connection) -> None:
        self._by_id[conn.connection_id] = conn

    def remove(self, conn: Connection) -> None:
        if self._by_id.get(conn.connection_id) is conn:
            del self._by_id[conn.connection_id]

    def lookup(self, api_id: str, stage_name: str, connection_id: str) -> Connection | None:
        found = self._by_id.get(connection_id)
        if found is None or found.api_id != api_id or found.stage_name != stage_name:
            return None
        return found

    def remote(
        self, api_id: str, stage_name: str, connection_id: str, method: str, body: bytes
    ) -> Awaitable[tuple[int, bytes]] | None:
        return None

    def count(self) -> int:
        return len(self._by_id)

    def connections(self) -> list[Connection]:
        return list(self._by_id.values())


def execute(conn: Connection | None, method: str, body: bytes) -> tuple[int, bytes]:
    """An ``@connections`` call on a connection of this process: ``(status, body)``."""
    if conn is None:
        return 410, b""
    if method == "POST":
        if flow.backlogged(conn):
            return 429, b""  # LimitExceededException: the client does not read (flow.py)
        conn.post(body.decode("utf-8", "replace"))
        return 200, b""
    if method == "DELETE":
        conn.disconnect()
        return 204, b""
    return 200, describe(conn)


def execute_for_peer(conn: Connection | None, method: str, body: bytes) -> tuple[int, bytes]:
    """``execute`` for a call another process made: a failure here is answered (500) and
    logged, never raised into the channel that carried the call."""
    try:
        return execute(conn, method, body)
    except Exception:
        log.exception("@connections %s for another worker failed", method)
        return 500, b""


def describe(conn: Connection) -> bytes:
    """GetConnection's body."""
    doc = {
        "connectedAt": _iso(conn.connected_at),
        "identity": {"sourceIp": conn.source_ip, "userAgent": conn.user_agent},
        "lastActiveAt": _iso(conn.last_active_at),
    }
    return json.dumps(doc).encode()


def _iso(epoch: float) -> str:
    moment = datetime.datetime.fromtimestamp(epoch, datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
