"""The control process: one per node, beside the data-plane workers. It runs the management APIs
(the admin listener: apigateway, lambda, iam) and the compiler, and publishes every compiled
snapshot to the workers (``serve/publisher.py``); the workers never compile and never answer a
management call, so neither can stall traffic.

Without an admin listener (``--no-admin``: a node that only serves traffic, in a cluster whose
management API runs elsewhere) it still compiles what the shared store holds and publishes it.

A management call that writes answers only once every worker serves what it wrote (or after
``SETTLE_TIMEOUT``), so a client that deploys and then calls its API never meets the previous
deployment. The process runs at a lower CPU priority (``NICE``): when it competes with a worker
for a core, the kernel favours the worker.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket

from frontgate.compile.compiler import Compiler
from frontgate.config import Settings
from frontgate.gc_policy import collect_and_freeze
from frontgate.http.budget import ConnectionBudget
from frontgate.http.errors import ErrorRenderer
from frontgate.http.limits import ADMIN_BODY_TIMEOUT, ADMIN_MAX_BODY_BYTES, Limits
from frontgate.http.message import Request, Response
from frontgate.http.server import HttpProtocol, ServerState
from frontgate.observe.metrics import Shard
from frontgate.pipeline.runtime_changes import Changes
from frontgate.serve.listeners import Listeners, admin_max_connections, raise_fd_limit
from frontgate.serve.plane import open_plane, stop_on_signals
from frontgate.serve.publisher import Publisher
from frontgate.serve.reload import Reloader
from frontgate.snapshot.snapshot import Snapshot
from frontgate.state.keyring import Keyring, open_keyring, resolve_master_key

log = logging.getLogger("frontgate.control")

NICE = 10  # CFS weight 110 against a worker's 1024: a worker wins a shared core about 9 to 1
SETTLE_TIMEOUT = 10.0  # seconds a management call waits for the workers to serve its write
_READS = frozenset({"GET", "HEAD", "OPTIONS"})


async def run_control(
    settings: Settings,
    listeners: Listeners,
    channel_sock: socket.socket,
    metric_shards: tuple[int, list[Shard]] | None = None,
    keyring: Keyring | None = None,
) -> None:
    loop = asyncio.get_running_loop()
    stop = stop_on_signals()
    nofile = raise_fd_limit()
    # Its own counters: the control process serves no traffic (test invocations only).
    plane = await open_plane(settings, None, metric_shards, access_log=False)
    store, pipeline = plane.store, plane.pipeline
    if keyring is None:
        source = resolve_master_key(
            settings.master_key, settings.master_key_file, settings.data_path
        )
        keyring = (await open_keyring(store, source, create=False)).keyring
    changes = Changes(store, pipeline)
    publisher = Publisher(channel_sock)

    async def prepare(snapshot: Snapshot) -> None:
        await plane.traffic.limiter.load_seeds(snapshot.keys)
        await changes.prepare(snapshot)

    def on_swap(snapshot: Snapshot) -> None:
        publisher.publish(snapshot)
        collect_and_freeze()  # the snapshot and the compiler's cache: not walked again

    reloader = Reloader(
        store,
        Compiler(store, settings.account_id, keyring),
        pipeline,
        settings.reload_interval,
        prepare=prepare,
        on_swap=on_swap,
    )
    changes.poke = reloader.poke
    await reloader.refresh()
    await publisher.start()
    reloader.start()

    state: ServerState | None = None
    server: asyncio.AbstractServer | None = None
    if listeners.admin is not None:
        from frontgate.admin.listener import admin_error_response, make_admin_handler

        handler = make_admin_handler(
            store, settings, listeners, reloader.poke, pipeline, keyring, changes, publisher.workers
        )

        async def settle() -> None:
            """Until every worker serves the store's generation (a write just committed)."""
            try:
                generation = await store.generation()
                await reloader.refresh()
            except Exception:
                # The answer is made; the reloader's poll reports and retries a store outage.
                return
            await publisher.settled(min(generation, pipeline.snapshot.generation), SETTLE_TIMEOUT)

        async def admin(request: Request) -> Response:
            response = await handler(request)
            if request.method not in _READS:
                await settle()
            return response

        limits = Limits(
            max_body_bytes=ADMIN_MAX_BODY_BYTES,
            header_timeout=settings.header_timeout,
            body_timeout=ADMIN_BODY_TIMEOUT,
            keepalive_timeout=settings.keepalive_timeout,
        )
        budget = ConnectionBudget(admin_max_connections(nofile), name="admin listener")
        plane.observer.metrics.watch_connections("admin", budget)
        render: ErrorRenderer = admin_error_response
        state = ServerState(admin, limits, "http", budget, render)
        server = await loop.create_server(lambda: HttpProtocol(state), sock=listeners.admin)

    await stop.wait()
    if server is not None and state is not None:
        server.close()
        await state.shutdown(settings.shutdown_timeout)
    await reloader.stop()
    await publisher.close()
    await plane.close()


def lower_priority() -> None:
    try:
        os.nice(NICE)
    except OSError:  # not permitted here: run at the same priority
        pass
