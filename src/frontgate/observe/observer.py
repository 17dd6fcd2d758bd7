"""The end of every request: metrics, the stage's access log (or the global ``--access-log``),
the execution log and the trace — each only where the compiled stage asks for it. Access-log lines
also go to an OTLP collector as LogRecords when ``--otlp-logs-endpoint`` (default: the
``--otlp-endpoint``) is set."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import TYPE_CHECKING

from frontgate.observe import exec_log
from frontgate.observe.metrics import (
    G_ACCESS_DROPPED,
    G_EXEC_DROPPED,
    G_OTLP_LOG_BATCHES_DROPPED,
    G_OTLP_LOG_LINES_DROPPED,
    G_OTLP_LOGS,
    G_SPANS,
    G_UNMATCHED,
    Metrics,
)
from frontgate.observe.otlp_logs import LogExporter
from frontgate.observe.prometheus import Reader
from frontgate.observe.sinks import LogSink, destination_path
from frontgate.observe.tracing import Exporter

if TYPE_CHECKING:
    from frontgate.http.message import Response
    from frontgate.observe.plan import StagePlan
    from frontgate.pipeline.context import Context
    from frontgate.pipeline.env import Env
    from frontgate.upstream.pool import UpstreamPool

POOL_PUBLISH_INTERVAL = 1.0  # seconds: other workers' pool gauges are at most this old


class Observer:
    def __init__(
        self,
        data_dir: Path | None = None,
        metrics: Metrics | None = None,
        *,
        otlp_endpoint: str | None = None,
        otlp_logs_endpoint: str | None = None,
        rotate_bytes: int = 100 * 1024 * 1024,
        rotate_age: float = 86400.0,
        backups: int = 5,
    ) -> None:
        self.data_dir = data_dir or Path("frontgate-data").resolve()
        self.metrics = metrics if metrics is not None else Metrics()
        self.tracer = Exporter(otlp_endpoint)
        self.rotation = (rotate_bytes, rotate_age, backups)
        self.sinks: dict[str, LogSink] = {}
        self._global_sink: LogSink | None = None  # the --access-log destination, once opened
        self._reader: Reader | None = None
        self._pool: UpstreamPool | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._g = self.metrics.globals
        self.otlp_logs: LogExporter | None = None
        if otlp_logs_endpoint:
            g, add = self._g, self.metrics.add
            self.otlp_logs = LogExporter(
                otlp_logs_endpoint,
                on_exported=lambda n: add(g + G_OTLP_LOGS, n),
                on_dropped=lambda n: add(g + G_OTLP_LOG_LINES_DROPPED, n),
                on_batch_dropped=lambda n: add(g + G_OTLP_LOG_BATCHES_DROPPED, 1),
            )

    def finish(self, ctx: Context, resp: Response, env: Env) -> None:
        elapsed = time.perf_counter() - ctx.start
        stage = ctx.stage
        plan: StagePlan | None = stage.observe if stage is not None else None
        if plan is None:
            if stage is None:
                self.metrics.v[self._g + G_UNMATCHED] += 1
            if env.access_log is not None:
                self._global_access(ctx, resp, elapsed, env)
            return
        metrics = self.metrics
        method = ctx.method
        mplan = method.observe if method is not None else None
        if mplan is not None and mplan.detailed:
            base = mplan.base_for(metrics)  # the reader adds the method's series into the stage's
        else:
            base = plan.base_for(metrics)
        metrics.record(base, resp.status, elapsed, ctx.integration_latency)
        access = plan.access
        if access is not None:
            sink = plan.sink
            if sink is None:
                sink = plan.sink = self.sink(plan.access_arn or "stdout", G_ACCESS_DROPPED)
            line = access.format(ctx, resp, int(elapsed * 1000))
            sink.write(line)
            if self.otlp_logs is not None:
                self.otlp_logs.emit(line, ctx.api_id, ctx.stage_name, ctx.request_id)
        elif env.access_log is not None:
            self._global_access(ctx, resp, elapsed, env)
        if ctx.exec_log is not None:
            self._exec_log(ctx, resp)
        if ctx.trace is not None:
            self.metrics.v[self._g + G_SPANS] += self.tracer.export(ctx, resp)

    def _global_access(self, ctx: Context, resp: Response, elapsed: float, env: Env) -> None:
        """The ``--access-log`` line, for requests whose stage has no access log of its own."""
        access = env.access_log
        assert access is not None
        sink = self._global_sink
        if sink is None:
            sink = self._global_sink = self.sink(access.destination, G_ACCESS_DROPPED)
        line = access.line(ctx, resp, int(elapsed * 1000))
        sink.write(line)
        if self.otlp_logs is not None:
            self.otlp_logs.emit(line, ctx.api_id, ctx.stage_name, ctx.request_id)

    def _exec_log(self, ctx: Context, resp: Response) -> None:
        lines = exec_log.finish(ctx, resp)
        out = ctx.exec_log
        if lines and (not isinstance(out, exec_log.ExecLog) or out.written):
            group = f"API-Gateway-Execution-Logs_{ctx.api_id}"
            path = f"{self.data_dir}/logs/{group}/{ctx.stage_name}.log"
            sink = self.sinks.get(path) or self._open(path, G_EXEC_DROPPED)
            for line in lines:
                sink.write(line)

    def sink(self, arn: str, counter: int) -> LogSink:
        path = destination_path(arn, self.data_dir)
        return self.sinks.get(path) or self._open(path, counter)

    def _open(self, path: str, counter: int) -> LogSink:
        slot = self._g + counter
        rotate_bytes, rotate_age, backups = self.rotation
        sink = self.sinks[path] = LogSink(
            path, max_bytes=rotate_bytes, max_age=rotate_age, backups=backups,
            on_failure=lambda n: self.metrics.add(slot, n),
        )  # fmt: skip
        return sink

    # -- metrics endpoint and pool gauges --------------------------------------------------

    def start(self, pool: UpstreamPool) -> None:
        """Publish this worker's upstream-pool gauges every second for whoever scrapes."""
        self._pool = pool
        self._publish()

    def _publish(self) -> None:
        if self._pool is not None:
            self.metrics.set_pool(self._pool.stats())
        self._timer = asyncio.get_running_loop().call_later(POOL_PUBLISH_INTERVAL, self._publish)

    def render_metrics(self) -> bytes:
        if self._pool is not None:
            self.metrics.set_pool(self._pool.stats())
        if self._reader is None:
            self._reader = Reader(self.metrics.shards, self.metrics.workers)
        return self._reader.render()

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        for sink in self.sinks.values():
            sink.close()
        self.tracer.close()
        if self.otlp_logs is not None:
            self.otlp_logs.close()
