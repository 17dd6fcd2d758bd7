"""One data-plane worker process: the data-plane listeners (plain and TLS), the snapshots the
control process sends (``serve/subscriber.py``), and graceful shutdown on SIGTERM/SIGINT (stop
accepting, finish in-flight requests, exit 0). It compiles nothing and answers no management
call (``serve/control.py`` does both)."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import ssl

from frontgate.config import Settings
from frontgate.counters.shared import SharedCounters
from frontgate.gc_policy import freeze_long_lived
from frontgate.http.budget import ConnectionBudget
from frontgate.http.limits import Limits
from frontgate.http.server import HttpProtocol, ServerState
from frontgate.observe.metrics import Shard
from frontgate.pipeline.runner import Pipeline
from frontgate.pipeline.runtime_changes import Changes
from frontgate.serve.listeners import Listeners, default_max_connections, raise_fd_limit
from frontgate.serve.plane import open_plane, stop_on_signals
from frontgate.serve.subscriber import Subscriber
from frontgate.snapshot.snapshot import Snapshot
from frontgate.snapshot.websocket import CONNECTIONS_DISPATCH
from frontgate.tls.sni import Lookup, SniContexts
from frontgate.websocket.cluster import RedisRegistry
from frontgate.websocket.gateway import WebSocketGateway, WsLimits
from frontgate.websocket.node import NodeRegistry

log = logging.getLogger("frontgate.worker")


def _domain_certificates(pipeline: Pipeline) -> Lookup:
    """The uploaded certificate of a custom domain name in the current snapshot."""

    def lookup(name: str) -> tuple[str, str] | None:
        domains = pipeline.snapshot.domains
        found = domains.get(name) if domains else None
        return None if found is None else found.certificate

    return lookup


async def run_worker(
    settings: Settings,
    listeners: Listeners,
    tls_context: ssl.SSLContext | None,
    channel_path: str,
    counters: SharedCounters | None = None,
    metric_shards: tuple[int, list[Shard]] | None = None,
) -> None:
    loop = asyncio.get_running_loop()
    stop = stop_on_signals()
    nofile = raise_fd_limit()
    plane = await open_plane(settings, counters, metric_shards)
    pipeline, observer = plane.pipeline, plane.observer
    changes = Changes(plane.store, pipeline)

    async def prepare(snapshot: Snapshot) -> None:
        # Quota counts for the snapshot's keys, read before it serves: no request waits for them.
        await plane.traffic.limiter.load_seeds(snapshot.keys)
        # Runtime changes the control process recorded (flushes, UpdateUsage, function writes).
        await changes.prepare(snapshot)

    subscriber = Subscriber(channel_path, pipeline, prepare)
    subscriber.start()
    # Serve nothing before the first snapshot: connections wait in the listen backlog.
    stopped = loop.create_task(stop.wait())
    await asyncio.wait(
        [loop.create_task(subscriber.ready.wait()), stopped], return_when=asyncio.FIRST_COMPLETED
    )

    states: list[ServerState] = []
    servers: list[asyncio.AbstractServer] = []
    limits = Limits(
        header_timeout=settings.header_timeout, keepalive_timeout=settings.keepalive_timeout
    )
    # The data-plane listeners (plain and TLS) share one connection budget; the admin listener
    # (in the control process) has its own, so a full data plane never locks the operator out.
    budget = ConnectionBudget(
        settings.max_connections or default_max_connections(nofile),
        settings.max_connections_per_client,
        name="data plane",
    )
    observer.metrics.watch_connections("data", budget)

    async def listen(
        sock: socket.socket, state: ServerState, ctx: ssl.SSLContext | None = None
    ) -> None:
        states.append(state)
        servers.append(
            await loop.create_server(
                lambda: HttpProtocol(state),
                sock=sock,
                ssl=ctx,
                # A TLS connection reaches the budget once its handshake is done: bound that too.
                ssl_handshake_timeout=settings.header_timeout if ctx is not None else None,
            )
        )

    # WebSocket APIs: handshakes on the data-plane listeners, @connections through the pipeline;
    # a call reaches the connections of every worker of every node (Redis), or of this node's
    # workers (their Unix sockets beside the snapshot channel's, in the supervisor's directory).
    cluster: RedisRegistry | NodeRegistry | None = None
    if settings.redis:
        entry_ttl = settings.websocket_max_duration + 60
        cluster = RedisRegistry(settings.redis, settings.websocket_node_ttl, entry_ttl)
    elif settings.workers > 1 and metric_shards is not None:
        slot = metric_shards[0]
        cluster = NodeRegistry(os.path.dirname(channel_path), slot, settings.workers)
    if cluster is not None:
        await cluster.start()
    websockets = WebSocketGateway(
        pipeline,
        WsLimits(
            settings.websocket_idle_timeout,
            settings.websocket_max_duration,
            max_backlog=settings.websocket_max_backlog,
            stall_timeout=settings.websocket_stall_timeout,
            max_in_flight=settings.websocket_max_in_flight,
        ),
        cluster,
    )
    pipeline.integrations[CONNECTIONS_DISPATCH] = websockets.connections_call
    upgrade = websockets.upgrade
    if not stop.is_set():
        render = pipeline.render_protocol_error
        state = ServerState(pipeline.handle, limits, "http", budget, render, upgrade)
        await listen(listeners.data, state)
        if listeners.tls is not None and tls_context is not None:
            # Custom domains with an uploaded certificate are served it (SNI, tls.sni).
            tls_context.sni_callback = SniContexts(_domain_certificates(pipeline)).callback
            state = ServerState(pipeline.handle, limits, "https", budget, render, upgrade)
            await listen(listeners.tls, state, tls_context)

    freeze_long_lived()  # modules and the first snapshot: out of every later GC pass
    await stopped
    log.info("shutting down: finishing in-flight requests")
    for server in servers:
        server.close()
    await asyncio.gather(*(s.shutdown(settings.shutdown_timeout) for s in states))
    if cluster is not None:
        await cluster.close()
    await subscriber.stop()
    await plane.close()
