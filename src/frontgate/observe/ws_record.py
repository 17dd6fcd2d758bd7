"""The end of an observed WebSocket event: its metrics (which of AWS's error metrics it counts
in, its integration latency), its access-log line and its execution-log lines — each only where
the stage's plan (``ws_plan``) asks for it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from frontgate.observe import ws_exec_log
from frontgate.observe import ws_metrics as w
from frontgate.observe.metrics import G_ACCESS_DROPPED, G_EXEC_DROPPED, bucket_of

if TYPE_CHECKING:
    from frontgate.observe.observer import Observer
    from frontgate.observe.ws_event import WsEvent
    from frontgate.observe.ws_plan import WsObservePlan


def count(plan: WsObservePlan, base: int, slot: int, n: int = 1) -> None:
    plan.v[base + slot] += n


def finish(e: WsEvent, status: int) -> None:
    """Complete the event with the status it ended with (once: later calls do nothing)."""
    if e.ended:
        return
    e.ended = True
    e.status = status
    plan = e.plan
    v = plan.v
    base = e.route.base
    if e.failed:
        v[base + w.EXECUTION_ERROR] += 1
    elif e.integration_error is not None or (e.integration_status or 0) >= 400:
        v[base + w.INTEGRATION_ERROR] += 1
    elif status >= 400 and e.integration_status is None:
        # Refused before any integration ran: the client's fault (401, 403, 429...) or ours.
        v[base + (w.CLIENT_ERROR if status < 500 else w.EXECUTION_ERROR)] += 1
    latency = e.integration_latency
    if latency is not None:
        us = latency * 1000
        v[base + w.INT_SUM] += us
        v[base + w.INT_B + bucket_of(us)] += 1
    observer = plan.observer
    assert observer is not None
    access = plan.access
    if access is not None:
        _access(e, plan, observer, access.format(e))
    if e.lines is not None:
        lines = ws_exec_log.finish(e)
        if lines:
            sink = plan.exec_sink
            if sink is None:
                group = f"API-Gateway-Execution-Logs_{plan.api_id}"
                path = f"file://{observer.data_dir}/logs/{group}/{plan.stage_name}.log"
                sink = plan.exec_sink = observer.sink(path, G_EXEC_DROPPED)
            for line in lines:
                sink.write(line)


def _access(e: WsEvent, plan: WsObservePlan, observer: Observer, line: str) -> None:
    sink = plan.access_sink
    if sink is None:
        sink = plan.access_sink = observer.sink(plan.access_arn or "stdout", G_ACCESS_DROPPED)
    sink.write(line)
    if observer.otlp_logs is not None:
        observer.otlp_logs.emit(line, plan.api_id, plan.stage_name, e.request_id)
