"""What every gateway process runs a pipeline with: the store connection, the upstream pool,
traffic control, the function invoker, the observer, and the ``Pipeline`` over them.

Data-plane workers serve traffic with it; the control process uses its own for what the
management APIs run in-process (TestInvokeMethod, Lambda's Invoke, ``/metrics``)."""

from __future__ import annotations

import asyncio
import signal
from dataclasses import dataclass

from frontgate.auth.runtime import AuthRuntime
from frontgate.awscall.client import AwsClient
from frontgate.config import Settings, parse_cpus
from frontgate.counters.shared import SharedCounters
from frontgate.functions.invoker import FunctionInvoker
from frontgate.observe.metrics import Metrics, Shard
from frontgate.observe.observer import Observer
from frontgate.pipeline.access_log import AccessLog
from frontgate.pipeline.env import Env
from frontgate.pipeline.runner import Pipeline
from frontgate.state.open import open_store
from frontgate.state.store import ConfigStore
from frontgate.traffic.setup import Traffic, start_traffic
from frontgate.upstream.pool import UpstreamPool


@dataclass
class Plane:
    store: ConfigStore
    pool: UpstreamPool
    traffic: Traffic
    functions: FunctionInvoker
    observer: Observer
    pipeline: Pipeline

    async def close(self) -> None:
        await self.functions.close()
        await self.traffic.close()
        self.observer.close()
        await self.pool.close()
        await self.store.close()


async def open_plane(
    settings: Settings,
    counters: SharedCounters | None,
    metric_shards: tuple[int, list[Shard]] | None,
    access_log: bool = True,
) -> Plane:
    """``metric_shards``: (this process's shard, all shards); it writes its own and reads all
    of them for ``/metrics``. ``access_log``: whether requests served here go to the global
    access log (not the control process's test invocations)."""
    store = open_store(settings.state, settings.data_path)
    await store.open()
    pool = UpstreamPool()
    log_sink = AccessLog(settings.access_log) if settings.access_log and access_log else None
    traffic = await start_traffic(settings, store, counters)
    functions = FunctionInvoker(
        settings.data_path,
        account_id=settings.account_id,
        region=settings.region,
        upstream=pool,
        lambda_endpoint=settings.lambda_endpoint,
        concurrency=settings.function_concurrency,
        idle_timeout=settings.function_idle_timeout,
        retry_delay=settings.function_retry_delay,
        cpus=parse_cpus(settings.function_cpus) if settings.function_cpus else None,
        housekeeping_interval=max(settings.reload_interval, 0.5),
        log_rotation=(settings.log_rotate_bytes, settings.log_rotate_age),
    )
    await functions.start()
    index, shards = metric_shards if metric_shards is not None else (0, [Shard()])
    observer = Observer(
        settings.data_path,
        Metrics(shards[index], shards, settings.workers if metric_shards is not None else 0),
        otlp_endpoint=settings.otlp_endpoint,
        otlp_logs_endpoint=settings.otlp_logs_url,
        rotate_bytes=settings.log_rotate_bytes,
        rotate_age=settings.log_rotate_age,
    )
    observer.start(pool)
    auth = AuthRuntime.from_settings(settings)
    aws = AwsClient(pool, settings.aws_endpoints, settings.aws_credentials, auth.static_iam)
    env = Env(
        domain=settings.domain,
        pool=pool,
        access_log=log_sink,
        limiter=traffic.limiter,
        auth=auth,
        functions=functions,
        observer=observer,
        aws=aws,
    )
    return Plane(store, pool, traffic, functions, observer, Pipeline(env))


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGTERM or SIGINT. Call it before the first ``await`` of a process's
    main: a signal during start-up (the banner is already printed) must stop the node once it
    is up, not cancel a half-started process or be lost."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop
