"""The control process's end of the snapshot channel (``serve/channel.py``): it sends every
snapshot the compiler builds to each connected data-plane worker, and knows which generation
each one serves.

A stage is dumped once (``snapshot.image.dump_stage``), when a worker first needs it, and sent
to each worker once: a new generation that leaves a stage unchanged (the compiler reuses the
same compiled ``Stage`` object) costs that stage nothing. ``settled`` is how a management call
waits until what it wrote is served by every worker, so that CreateDeployment answers only
when the deployment answers requests."""

from __future__ import annotations

import asyncio
import logging
import pickle
import socket
from typing import cast

from frontgate.serve import channel
from frontgate.snapshot import image
from frontgate.snapshot.snapshot import Snapshot, Stage

log = logging.getLogger("frontgate.control")

# Methods (or trie nodes) per stage part. A worker loads one part between two loop iterations,
# so this bounds the stall a load adds to a request: 64 take about 0.7 ms of CPU (compiled;
# 256 took 2.7 ms and showed as +1 ms on the deploy-under-load p99, bench/deploy_load.py).
PART_METHODS = 64


class _Peer(asyncio.Protocol):
    def __init__(self, publisher: Publisher) -> None:
        self.publisher = publisher
        self.transport: asyncio.Transport | None = None
        self.reader = channel.FrameReader()
        self.pid = 0  # from HELLO; 0 until then (not yet a worker we wait for)
        self.acked = -1
        self.sent: set[str] = set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        try:
            frames = self.reader.feed(data)
        except channel.ChannelError as exc:
            log.error("snapshot channel: %s; closing the connection", exc)
            assert self.transport is not None
            self.transport.close()
            return
        for kind, payload in frames:
            if kind == channel.HELLO:
                self.pid = int(payload.decode() or "0")
                self.publisher.peers.add(self)
                if self.publisher.current is not None:
                    self.send(self.publisher.current)
            elif kind == channel.ACK:
                self.acked = max(self.acked, int(payload.decode()))
                self.publisher.acked()

    def connection_lost(self, exc: Exception | None) -> None:
        self.publisher.peers.discard(self)
        self.publisher.acked()  # a worker that is gone is no longer waited for

    def send(self, snapshot: Snapshot) -> None:
        """The stages of ``snapshot`` this worker does not hold yet, then the snapshot frame."""
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        publisher = self.publisher
        manifest = publisher.manifest
        for key, token in manifest.items():
            if token not in self.sent:
                parts = publisher.parts(token, snapshot.stages[key])
                for i, part in enumerate(parts):
                    transport.write(channel.encode_part(token, i, len(parts), part))
        self.sent = set(manifest.values())
        body = pickle.dumps(
            (snapshot.generation, manifest, image.dump_globals(snapshot)),
            protocol=pickle.HIGHEST_PROTOCOL,
        )
        transport.write(channel.encode(channel.SNAPSHOT, body))


class Publisher:
    """``sock``: the listening Unix socket the supervisor bound before forking."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.peers: set[_Peer] = set()
        self.current: Snapshot | None = None
        # Each stage of the current snapshot by token (a stage the compiler reused keeps its
        # token), and each one's parts once dumped: a stage is dumped once for all workers.
        self.manifest: dict[tuple[str, str], str] = {}
        self._tokens = image.StageTokens()
        self._parts: dict[str, tuple[bytes, ...]] = {}
        self._changed = asyncio.Event()
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_unix_server(lambda: _Peer(self), sock=self.sock)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for peer in list(self.peers):
            if peer.transport is not None:
                peer.transport.close()

    def parts(self, token: str, stage: Stage) -> tuple[bytes, ...]:
        found = self._parts.get(token)
        if found is None:
            found = self._parts[token] = image.dump_stage(stage, chunk=PART_METHODS)
        return found

    def publish(self, snapshot: Snapshot) -> None:
        """Send ``snapshot`` to every worker (those that connect later get it on HELLO)."""
        self.manifest = self._tokens.tokens(snapshot)
        live = set(self.manifest.values())
        self._parts = {t: p for t, p in self._parts.items() if t in live}
        self.current = snapshot
        for peer in list(self.peers):
            peer.send(snapshot)

    def acked(self) -> None:
        self._changed.set()

    def workers(self) -> list[dict[str, int]]:
        """Each connected worker's pid and the generation it serves (-1: none yet)."""
        return sorted(
            ({"pid": p.pid, "generation": p.acked} for p in self.peers), key=lambda w: w["pid"]
        )

    def lagging(self, generation: int) -> list[int]:
        """Pids of the workers that do not serve ``generation`` (or a newer one) yet."""
        return [p.pid for p in self.peers if p.acked < generation]

    async def settled(self, generation: int, timeout: float) -> bool:
        """Wait until every connected worker serves ``generation`` or newer; False on timeout
        (a stuck worker must not hold up every management call: it is named in the log)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.lagging(generation):
            left = deadline - loop.time()
            if left <= 0:
                log.warning(
                    "workers %s do not serve generation %d after %.0f s",
                    self.lagging(generation),
                    generation,
                    timeout,
                )
                return False
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), left)
            except TimeoutError:
                pass
        return True
