"""Live changes, in the control process: watch the store's generation, compile a new snapshot
when it moves, and hand it on (``on_swap``: to the data-plane workers).

Polling one integer every ``interval`` seconds is how a node learns of changes made on other
nodes sharing a PostgreSQL database (and of edits by ``frontgate`` commands on the same store);
a management call on this node triggers a rebuild at once through ``poke``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from frontgate.background import cancel_and_wait
from frontgate.compile.compiler import Compiler
from frontgate.outage import Outage
from frontgate.pipeline.runner import Pipeline
from frontgate.snapshot.snapshot import Snapshot
from frontgate.state.store import ConfigStore

log = logging.getLogger("frontgate.reload")


class Reloader:
    def __init__(
        self,
        store: ConfigStore,
        compiler: Compiler,
        pipeline: Pipeline,
        interval: float,
        prepare: Callable[[Snapshot], Awaitable[None]] | None = None,
        on_swap: Callable[[Snapshot], None] | None = None,
    ) -> None:
        """``prepare``: runtime state a snapshot needs before it is served, read off the
        request path (a failure keeps the snapshot being served, like a failed build).
        ``on_swap``: called with each snapshot swapped in (the control process publishes it
        to the data-plane workers)."""
        self.store = store
        self.prepare = prepare
        self.on_swap = on_swap
        self._lock = asyncio.Lock()  # the poll and a management call's settle never build twice
        self.compiler = compiler
        self.pipeline = pipeline
        self.interval = interval
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._outage = Outage(log, "snapshot rebuild")

    async def refresh(self) -> bool:
        async with self._lock:
            generation = await self.store.generation()
            if generation == self.pipeline.snapshot.generation:
                return False
            snapshot = await self.compiler.build(generation)
            if self.prepare is not None:
                await self.prepare(snapshot)  # e.g. the quota seeds of its keys: before it serves
            self.pipeline.swap(snapshot)
            if self.on_swap is not None:
                self.on_swap(snapshot)
        log.debug("snapshot %d: %d stages", generation, len(snapshot.stages))
        return True

    def poke(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        await cancel_and_wait(self._task)

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), self.interval)
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                await self.refresh()
            except Exception as exc:
                # A broken store read must not stop serving the snapshot we have; an outage
                # fails every poll, and is logged when it starts and when it ends.
                self._outage.failed(
                    exc, f"still serving generation {self.pipeline.snapshot.generation}"
                )
                continue
            self._outage.succeeded(f"serving generation {self.pipeline.snapshot.generation}")
