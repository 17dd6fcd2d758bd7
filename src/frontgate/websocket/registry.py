"""The connection registry: which connections are open, and how to reach one. ``@connections``
calls and handlers look connections up here.

``Registry`` is the interface; ``LocalRegistry`` keeps the connections of this worker process.
A shared implementation (Redis, for several nodes) can take its place behind the same calls.
Limitation of the in-process registry: with ``--workers N`` a connection lives in the worker
that accepted it, and an ``@connections`` call that lands on another worker answers 410."""

from __future__ import annotations

from typing import Protocol


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

    def lookup(self, api_id: str, stage_name: str, connection_id: str) -> Connection | None: ...

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

    def count(self) -> int:
        return len(self._by_id)
