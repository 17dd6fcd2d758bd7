"""The deadline wheel of WebSocket connections: a deadline is never early (how late is timing,
not asserted); an item that gives a later deadline is kept, one discarded never fires."""

from __future__ import annotations

import asyncio
import time

from frontgate.websocket.timers import DeadlineWheel


class Item:
    def __init__(self, deadlines: list[float]) -> None:
        self.slot = 0
        self.deadlines = deadlines  # what expire() answers next, in turn
        self.fired: list[tuple[float, float]] = []  # (when called, the deadline it was due)
        self.due = 0.0

    def expire(self, now: float) -> float:
        self.fired.append((now, self.due))
        self.due = self.deadlines.pop(0) if self.deadlines else 0.0
        return self.due


def test_deadlines_fire_in_order_never_early() -> None:
    async def run() -> list[Item]:
        wheel = DeadlineWheel(0.4)  # tick 0.05 s
        start = time.time()
        later = Item([start + 0.3])  # fires at +0.1, then asks for +0.3
        once = Item([])
        gone = Item([])
        for item, due in ((later, start + 0.1), (once, start + 0.2), (gone, start + 0.15)):
            item.due = due
            wheel.add(item, due)
        wheel.discard(gone)
        await asyncio.sleep(0.5)
        return [later, once, gone]

    later, once, gone = asyncio.run(run())
    assert gone.fired == [] and gone.slot == 0
    assert len(once.fired) == 1 and len(later.fired) == 2
    for item in (later, once):
        for now, due in item.fired:
            assert due <= now  # never early (how late depends on the machine: not asserted)
    assert once.slot == 0 and later.slot == 0
