"""How fast a change reaches the data plane, on a virtual clock: every worker (and every node
sharing a PostgreSQL store) polls the store's generation every ``reload_interval`` and swaps in
the rebuilt snapshot at the first poll that sees a change. So with the default interval a
deployment, a stage change or a new API key is served within a second of being written
(README), whatever the machine's speed: that bound is proven here, where time is simulated;
the end-to-end tests (test_lifecycle.py, test_cluster_postgres.py, test_cluster_secrets.py)
prove the change travels that way between real processes, with deadlines that only catch a
hang."""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Callable
from itertools import pairwise
from typing import Any, cast

import pytest

from frontgate.config import Settings
from frontgate.serve.reload import Reloader


class _VirtualSelector:
    """Never waits: a select that would block for ``timeout`` seconds advances the loop's
    virtual clock by that much instead (ready file descriptors still count)."""

    def __init__(self, real: selectors.BaseSelector, loop: VirtualClockLoop) -> None:
        self._real = real
        self._loop = loop

    def select(self, timeout: float | None = None) -> list[Any]:
        events = self._real.select(0)
        if not events and timeout:
            self._loop.now += timeout
        return events

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class VirtualClockLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock moves only when the loop would otherwise sleep."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 1000.0
        self._selector = cast(Any, _VirtualSelector(self._selector, self))  # type: ignore[has-type]

    def time(self) -> float:
        return self.now


class _Snapshot:
    def __init__(self, generation: int) -> None:
        self.generation = generation


class _Store:
    def __init__(self) -> None:
        self.generation_now = 1
        self.polls: list[float] = []

    async def generation(self) -> int:
        self.polls.append(asyncio.get_running_loop().time())
        return self.generation_now


class _Compiler:
    async def build(self, generation: int) -> _Snapshot:
        return _Snapshot(generation)


class _Pipeline:
    def __init__(self) -> None:
        self.snapshot = _Snapshot(1)
        self.swaps: list[tuple[float, int]] = []  # (virtual time, generation)

    def swap(self, snapshot: _Snapshot) -> None:
        self.snapshot = snapshot
        self.swaps.append((asyncio.get_running_loop().time(), snapshot.generation))


def _run(main: Callable[[asyncio.AbstractEventLoop], Any]) -> None:
    loop = VirtualClockLoop()
    try:
        loop.run_until_complete(main(loop))
    finally:
        loop.close()


@pytest.mark.parametrize("written_after", [0.0, 0.01, 0.1, 0.2499, 0.2501, 0.3, 7.77])
def test_a_change_is_served_at_the_first_poll_within_one_interval(written_after: float) -> None:
    interval = Settings().reload_interval
    assert interval <= 1.0  # the README's "within a second"
    store, pipeline = _Store(), _Pipeline()

    async def main(loop: asyncio.AbstractEventLoop) -> None:
        reloader = Reloader(cast(Any, store), cast(Any, _Compiler()), cast(Any, pipeline), interval)
        started = loop.time()
        reloader.start()
        written = started + written_after

        def write() -> None:
            store.generation_now = 2  # what a commit on any node does to the shared store

        loop.call_at(written, write)
        await asyncio.sleep(written_after + 5 * interval)
        await reloader.stop()
        assert len(pipeline.swaps) == 1
        swapped_at, generation = pipeline.swaps[0]
        assert generation == 2
        assert written <= swapped_at <= written + interval
        # Swapped at the first poll after the write; nothing rebuilt by the later polls.
        assert swapped_at == min(t for t in store.polls if t >= written)
        # One poll every interval, however long the wait was.
        assert all(b - a == pytest.approx(interval) for a, b in pairwise(store.polls))

    _run(main)


def test_a_local_admin_write_is_served_without_waiting_for_the_poll() -> None:
    store, pipeline = _Store(), _Pipeline()

    async def main(loop: asyncio.AbstractEventLoop) -> None:
        reloader = Reloader(cast(Any, store), cast(Any, _Compiler()), cast(Any, pipeline), 0.25)
        reloader.start()
        await asyncio.sleep(0.1)
        written = loop.time()
        store.generation_now = 2
        reloader.poke()  # what an admin write in this process does
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert pipeline.swaps == [(written, 2)]  # no virtual time passed
        await reloader.stop()

    _run(main)
