"""A data-plane worker's end of the snapshot channel (``serve/channel.py``): it receives the
snapshots the control process compiled, loads them without stalling the event loop, and swaps
them in.

Loading is sliced: a stage arrives as parts (``snapshot.image``), and the worker loads one part,
then lets the event loop run (requests are served between parts), so a 10,000-resource
deployment never holds the loop for more than one part's load. A stage the worker already holds
(same token) is not loaded again. The new snapshot is swapped in only when all of it is loaded,
and after ``prepare`` (quota seeds, runtime changes), then acknowledged to the control process.

If the control process goes away (it crashed, or is being restarted by the supervisor), the
worker keeps serving what it has and reconnects; a new control process sends everything again.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
from collections.abc import Awaitable, Callable

from frontgate.background import cancel_and_wait
from frontgate.gc_policy import after_part
from frontgate.pipeline.runner import Pipeline
from frontgate.serve import channel
from frontgate.snapshot import image
from frontgate.snapshot.snapshot import RouteNode, Snapshot, Stage

log = logging.getLogger("frontgate.worker")

_RETRY = (0.05, 0.2, 0.5, 1.0)  # seconds between reconnection attempts, then the last again
_READ = 1 << 20


class Subscriber:
    def __init__(
        self,
        path: str,
        pipeline: Pipeline,
        prepare: Callable[[Snapshot], Awaitable[None]] | None = None,
    ) -> None:
        self.path = path
        self.pipeline = pipeline
        self.prepare = prepare
        self.ready = asyncio.Event()  # set once the first snapshot serves
        self._task: asyncio.Task[None] | None = None
        self._loaded: dict[str, Stage] = {}
        self.served = 0  # snapshots swapped in
        self._releasing: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        for task in list(self._releasing):
            await cancel_and_wait(task)

    async def _run(self) -> None:
        attempt = 0
        connected_once = False
        while True:
            try:
                reader, writer = await asyncio.open_unix_connection(self.path, limit=_READ)
            except OSError as exc:
                if attempt == len(_RETRY) and connected_once:
                    log.warning("control process unreachable (%s); still serving", exc)
                await asyncio.sleep(_RETRY[min(attempt, len(_RETRY) - 1)])
                attempt += 1
                continue
            if connected_once:
                log.info("reconnected to the control process")
            connected_once = True
            served = self.served
            try:
                await self._session(reader, writer)
            except (OSError, channel.ChannelError, ValueError, pickle.UnpicklingError) as exc:
                log.error("snapshot channel failed (%s); reconnecting", exc)
            except Exception:
                # A snapshot this worker cannot load (a bug): never stop listening for the next.
                log.exception("snapshot channel failed; reconnecting")
            finally:
                writer.close()
            log.warning(
                "control process gone; serving generation %d until it is back",
                self.pipeline.snapshot.generation,
            )
            self._loaded = {}  # a new control process names its stages anew
            # Back off unless the session delivered a snapshot: a control process that accepts
            # and drops every connection must not be hammered.
            if self.served != served:
                attempt = 0
            await asyncio.sleep(_RETRY[min(attempt, len(_RETRY) - 1)])
            attempt += 1

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(channel.hello())
        frames = channel.FrameReader()
        parts: dict[str, list[bytes | None]] = {}
        while True:
            data = await reader.read(_READ)
            if not data:
                return
            latest: bytes | None = None
            for kind, payload in frames.feed(data):
                if kind == channel.PART:
                    token, index, count, part = channel.decode_part(payload)
                    slots = parts.setdefault(token, [None] * count)
                    slots[index] = part
                elif kind == channel.SNAPSHOT:
                    latest = payload  # an older one still unapplied is superseded
            if latest is not None:
                generation = await self._apply(latest, parts)
                writer.write(channel.encode(channel.ACK, str(generation).encode()))

    async def _apply(self, payload: bytes, parts: dict[str, list[bytes | None]]) -> int:
        generation, manifest, globals_ = pickle.loads(payload)
        stages: dict[tuple[str, str], Stage] = {}
        loaded: dict[str, Stage] = {}
        for key, token in manifest.items():
            stage = self._loaded.get(token) or loaded.get(token)
            if stage is None:
                stage = await self._load(token, parts.pop(token, None))
            stages[key] = stage
            loaded[token] = stage
        for token in set(parts) - set(manifest.values()):
            del parts[token]  # sent for a generation this one superseded
        snapshot = image.assemble(image.load_globals(globals_), stages)
        if self.prepare is not None:
            try:
                await self.prepare(snapshot)
            except Exception:
                # As a failed build: keep serving what we have (the next generation retries).
                log.exception("generation %d: runtime state could not be prepared", generation)
                return int(self.pipeline.snapshot.generation)
        self._loaded = loaded
        previous = self.pipeline.snapshot
        self.pipeline.swap(snapshot)
        self.served += 1
        self.ready.set()
        kept = {id(stage) for stage in stages.values()}
        retired = [st for st in previous.stages.values() if id(st) not in kept]
        del previous
        if retired:
            task = asyncio.get_running_loop().create_task(_release(retired))
            self._releasing.add(task)
            task.add_done_callback(self._releasing.discard)
        log.debug("serving generation %d: %d stages", generation, len(stages))
        return int(generation)

    async def _load(self, token: str, slots: list[bytes | None] | None) -> Stage:
        if slots is None or any(p is None for p in slots):
            raise channel.ChannelError(f"stage {token} announced before all its parts arrived")
        loader = image.StageLoader([p for p in slots if p is not None])
        while not loader.step():
            after_part()  # the part's objects: out of the collector's sight
            await asyncio.sleep(0)  # requests are served between parts
        after_part()
        await asyncio.sleep(0)
        return loader.result


_RELEASE_SLICE = 512  # trie nodes (and their methods) freed between two loop iterations


async def _release(stages: list[Stage]) -> None:
    """Free replaced stages a slice at a time. Dropping a 10,000-resource stage at once frees
    every node, method and integration in one go (9 ms of one stall, compiled); holding the
    nodes in a list, parents before children, and letting go of a slice at a time frees each
    node alone (its children are still held). A request still running on the old snapshot
    keeps what it uses alive: nothing is changed, only references are dropped."""
    while stages:
        held: list[RouteNode | None] = [stages.pop().root]  # the Stage itself goes here
        i = 0
        while i < len(held):
            node = held[i]
            i += 1
            if node is None:
                continue
            held.extend(node.static.values())
            if node.param is not None:
                held.append(node.param)
            if node.greedy is not None:
                held.append(node.greedy)
            if i % (_RELEASE_SLICE * 4) == 0:
                await asyncio.sleep(0)
        node = None
        for lo in range(0, len(held), _RELEASE_SLICE):
            hi = min(lo + _RELEASE_SLICE, len(held))
            held[lo:hi] = [None] * (hi - lo)
            await asyncio.sleep(0)
