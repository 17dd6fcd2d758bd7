"""Caps on a listener's open connections, in total and per client address, checked once per
accepted connection (never per request)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Final

__all__ = ["ConnectionBudget"]

logger = logging.getLogger(__name__)

# At most one log line per this many seconds about refused connections.
_REPORT_EVERY: Final = 60.0


class ConnectionBudget:
    """Caps on the open connections of the listeners that share it: in total, and per client
    address (0: no cap). A connection over a cap is closed as soon as it is accepted, so the
    listen backlog keeps draining and the process keeps file descriptors for everything else;
    refusals are counted, and logged at most once a minute. ``on_change`` (metrics) is called
    after every change: once per connection opened, closed or refused, never per request."""

    __slots__ = (
        "_reported",
        "max_per_client",
        "max_total",
        "name",
        "on_change",
        "open",
        "per_client",
        "refused_per_client",
        "refused_total",
    )

    def __init__(
        self,
        max_total: int = 0,
        max_per_client: int = 0,
        on_change: Callable[[ConnectionBudget], None] | None = None,
        name: str = "",
    ) -> None:
        self.max_total = max_total
        self.max_per_client = max_per_client
        self.on_change = on_change
        self.name = name  # the listener(s), for the log line
        self.open = 0
        self.per_client: dict[str, int] = {}
        self.refused_total = 0  # refused because ``max_total`` connections were open
        self.refused_per_client = 0  # refused because their address had ``max_per_client``
        self._reported = -_REPORT_EVERY

    def admit(self, client: str) -> bool:
        """Count a new connection from ``client`` in, or False if it is over a cap."""
        if self.max_total and self.open >= self.max_total:
            self.refused_total += 1
            self._report(f"{self.max_total} connections open")
        elif self.max_per_client and self.per_client.get(client, 0) >= self.max_per_client:
            self.refused_per_client += 1
            self._report(f"{self.max_per_client} connections open from {client}")
        else:
            self.open += 1
            if self.max_per_client:
                self.per_client[client] = self.per_client.get(client, 0) + 1
            if self.on_change is not None:
                self.on_change(self)
            return True
        if self.on_change is not None:
            self.on_change(self)
        return False

    def _report(self, why: str) -> None:
        now = time.monotonic()
        if now - self._reported >= _REPORT_EVERY:
            self._reported = now
            logger.warning(
                "%s: new connections are closed on arrival (%s; refused so far: %d at the "
                "total cap, %d at the per-client cap)",
                self.name or "listener", why, self.refused_total, self.refused_per_client,
            )  # fmt: skip

    def release(self, client: str) -> None:
        self.open -= 1
        if self.max_per_client:
            left = self.per_client.get(client, 0) - 1
            if left > 0:
                self.per_client[client] = left
            else:
                self.per_client.pop(client, None)
        if self.on_change is not None:
            self.on_change(self)
