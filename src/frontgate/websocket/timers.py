"""Deadlines of open WebSocket connections (idle timeout, maximum duration) on one wheel.

Ten thousand idle connections with two loop timers each would hold twenty thousand timer
handles (and libuv timers) that almost never fire. The wheel keeps each connection in one
bucket, the tick its next deadline falls in, and runs one loop timer while any bucket is
filled. A deadline is never early and at most one tick late; the tick is a second, or an
eighth of the shortest limit when the limits are set shorter (tests)."""

from __future__ import annotations

import asyncio
import math
import time
from typing import Protocol


class Timed(Protocol):
    """What the wheel tracks (``session.Session``): ``slot`` is the wheel's bookkeeping."""

    slot: int  # the bucket it is in (0: none)

    def expire(self, now: float) -> float:
        """Called at or after its deadline: act, and return the next deadline (0: none)."""


class DeadlineWheel:
    __slots__ = ("_buckets", "_handle", "_loop", "_next", "tick")

    def __init__(self, shortest_limit: float) -> None:
        self.tick = max(0.01, min(1.0, shortest_limit / 8))
        self._buckets: dict[int, set[Timed]] = {}
        self._handle: asyncio.TimerHandle | None = None
        self._next = 0  # the bucket the loop timer is set for (0: none)
        self._loop: asyncio.AbstractEventLoop | None = None

    def add(self, item: Timed, deadline: float) -> None:
        """Track ``item`` until ``deadline`` (epoch seconds, ``time.time()``'s scale)."""
        slot = math.ceil(deadline / self.tick)
        bucket = self._buckets.get(slot)
        if bucket is None:
            bucket = self._buckets[slot] = set()
        bucket.add(item)
        item.slot = slot
        if self._next == 0 or slot < self._next:
            self._arm(slot)

    def discard(self, item: Timed) -> None:
        """Stop tracking ``item`` (closed)."""
        slot, item.slot = item.slot, 0
        bucket = self._buckets.get(slot)
        if bucket is not None:
            bucket.discard(item)
            if not bucket:
                del self._buckets[slot]

    def _arm(self, slot: int) -> None:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        if self._handle is not None:
            self._handle.cancel()
        self._next = slot
        delay = max(0.0, slot * self.tick - time.time())
        self._handle = self._loop.call_later(delay, self._run)

    def _run(self) -> None:
        self._handle = None
        self._next = 0
        now = time.time()
        for slot in sorted(slot for slot in self._buckets if slot * self.tick <= now):
            for item in self._buckets.pop(slot, ()):
                item.slot = 0
                following = item.expire(now)
                if following > 0 and item.slot == 0:
                    self.add(item, following)
        if self._buckets:
            first = min(self._buckets)
            if first != self._next:
                self._arm(first)
