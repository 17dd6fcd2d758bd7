"""One worker process: the data-plane listeners, the admin listener, the snapshot reloader, and
graceful shutdown on SIGTERM/SIGINT (stop accepting, finish in-flight requests, exit 0)."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import ssl

from frontgate.auth.runtime import AuthRuntime
from frontgate.compile.compiler import Compiler
from frontgate.compile.snapshot import Snapshot
from frontgate.config import Settings, parse_cpus
from frontgate.counters.shared import SharedCounters
from frontgate.gc_policy import freeze_long_lived
from frontgate.http.budget import ConnectionBudget
from frontgate.http.errors import ErrorRenderer
from frontgate.http.limits import ADMIN_BODY_TIMEOUT, ADMIN_MAX_BODY_BYTES, Limits
from frontgate.http.server import HttpProtocol, ServerState
from frontgate.observe.metrics import Metrics, Shard
from frontgate.observe.observer import Observer
from frontgate.pipeline.access_log import AccessLog
from frontgate.pipeline.env import Env
from frontgate.pipeline.runner import Pipeline
from frontgate.serve.changes import Changes
from frontgate.serve.listeners import (
    Listeners,
    admin_max_connections,
    default_max_connections,
    raise_fd_limit,
)
from frontgate.serve.reload import Reloader
from frontgate.state.keyring import Keyring, open_keyring, resolve_master_key
from frontgate.state.open import open_store
from frontgate.traffic.setup import start_traffic
from frontgate.upstream.pool import UpstreamPool

log = logging.getLogger("frontgate.worker")


async def run_worker(
    settings: Settings,
    listeners: Listeners,
    tls_context: ssl.SSLContext | None,
    counters: SharedCounters | None = None,
    metric_shards: tuple[int, list[Shard]] | None = None,
    keyring: Keyring | None = None,
) -> None:
    loop = asyncio.get_running_loop()
    # Before the first await: a SIGTERM/SIGINT during start-up (the banner is already printed)
    # must stop the node once it is up, not cancel a half-started worker or be lost.
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    nofile = raise_fd_limit()
    store = open_store(settings.state, settings.data_path)
    await store.open()
    if keyring is None:  # not started by `frontgate serve` (which opens it before forking)
        source = resolve_master_key(
            settings.master_key, settings.master_key_file, settings.data_path
        )
        keyring = (await open_keyring(store, source, create=False)).keyring
    pool = UpstreamPool()
    access_log = AccessLog(settings.access_log) if settings.access_log else None
    traffic = await start_traffic(settings, store, counters)
    from frontgate.functions.invoker import FunctionInvoker

    functions = FunctionInvoker(
        store,
        settings.data_path,
        account_id=settings.account_id,
        region=settings.region,
        upstream=pool,
        lambda_endpoint=settings.lambda_endpoint,
        concurrency=settings.function_concurrency,
        idle_timeout=settings.function_idle_timeout,
        retry_delay=settings.function_retry_delay,
        cpus=parse_cpus(settings.function_cpus) if settings.function_cpus else None,
        refresh_interval=max(settings.reload_interval, 0.5),
        log_rotation=(settings.log_rotate_bytes, settings.log_rotate_age),
    )
    await functions.start()
    # This worker writes its own metrics shard and reads all of them for /metrics.
    index, shards = metric_shards if metric_shards is not None else (0, [Shard()])
    observer = Observer(
        settings.data_path,
        Metrics(shards[index], shards),
        otlp_endpoint=settings.otlp_endpoint,
        otlp_logs_endpoint=settings.otlp_logs_url,
        rotate_bytes=settings.log_rotate_bytes,
        rotate_age=settings.log_rotate_age,
    )
    observer.start(pool)
    env = Env(
        domain=settings.domain,
        pool=pool,
        access_log=access_log,
        limiter=traffic.limiter,
        auth=AuthRuntime.from_settings(settings),
        functions=functions,
        observer=observer,
    )
    pipeline = Pipeline(env)
    changes = Changes(store, pipeline)

    async def prepare(snapshot: Snapshot) -> None:
        # Quota counts for the snapshot's keys, read before it serves: no request waits for them.
        await traffic.limiter.load_seeds(snapshot.keys)
        # Runtime changes other workers recorded (flushes, UpdateUsage, function writes).
        await changes.prepare(snapshot)

    reloader = Reloader(
        store,
        Compiler(store, settings.account_id, keyring),
        pipeline,
        settings.reload_interval,
        prepare=prepare,
    )
    changes.poke = reloader.poke
    await reloader.refresh()
    reloader.start()

    states: list[ServerState] = []
    servers: list[asyncio.AbstractServer] = []
    header_timeout, keepalive_timeout = settings.header_timeout, settings.keepalive_timeout
    data_limits = Limits(header_timeout=header_timeout, keepalive_timeout=keepalive_timeout)
    # The data-plane listeners (plain and TLS) share one connection budget; the admin listener
    # has its own, so a full data plane never locks the operator out.
    data_budget = ConnectionBudget(
        settings.max_connections or default_max_connections(nofile),
        settings.max_connections_per_client,
        name="data plane",
    )
    observer.metrics.watch_connections("data", data_budget)

    async def listen(
        sock: socket.socket,
        state: ServerState,
        ctx: ssl.SSLContext | None = None,
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

    await listen(listeners.data, ServerState(pipeline.handle, data_limits, "http", data_budget))
    if listeners.tls is not None and tls_context is not None:
        state = ServerState(pipeline.handle, data_limits, "https", data_budget)
        await listen(listeners.tls, state, tls_context)
    if listeners.admin is not None:
        from frontgate.admin.listener import admin_error_response, make_admin_handler

        admin_handler = make_admin_handler(
            store, settings, listeners, reloader.poke, pipeline, keyring, changes
        )
        admin_limits = Limits(
            max_body_bytes=ADMIN_MAX_BODY_BYTES,
            header_timeout=header_timeout,
            body_timeout=ADMIN_BODY_TIMEOUT,
            keepalive_timeout=keepalive_timeout,
        )
        admin_budget = ConnectionBudget(admin_max_connections(nofile), name="admin listener")
        observer.metrics.watch_connections("admin", admin_budget)
        render: ErrorRenderer = admin_error_response
        admin_state = ServerState(admin_handler, admin_limits, "http", admin_budget, render)
        await listen(listeners.admin, admin_state)

    freeze_long_lived()  # modules and the first snapshot: out of every later GC pass
    await stop.wait()
    log.info("shutting down: finishing in-flight requests")
    for server in servers:
        server.close()
    await asyncio.gather(*(s.shutdown(settings.shutdown_timeout) for s in states))
    await reloader.stop()
    await functions.close()
    await traffic.close()
    observer.close()
    await pool.close()
    await store.close()
