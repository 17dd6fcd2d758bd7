"""What a stage and each of its methods observe, decided when the stage is compiled: the access
log formatter and destination, detailed metrics, execution-log level and tracing. A feature that
is off adds nothing to a request's path."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from frontgate.observe import exec_log, tracing
from frontgate.observe.access_format import AccessFormat, compile_format

if TYPE_CHECKING:
    from frontgate.observe.metrics import Metrics
    from frontgate.observe.sinks import LogSink
    from frontgate.pipeline.context import Context
    from frontgate.pipeline.env import Env

log = logging.getLogger("frontgate.observe")


class StagePlan:
    """Per stage. ``base`` and ``sink`` are bound lazily in the worker that serves the stage."""

    __slots__ = ("access", "access_arn", "api_id", "base", "sink", "stage_name", "tracing")

    def __init__(self, api_id: str, stage_name: str, access: AccessFormat | None,
                 access_arn: str | None, tracing: bool) -> None:  # fmt: skip
        self.api_id = api_id
        self.stage_name = stage_name
        self.access = access
        self.access_arn = access_arn
        self.tracing = tracing
        self.base = -1
        self.sink: LogSink | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # ``base`` and ``sink`` belong to the process that serves the stage: not shipped.
        args = (self.api_id, self.stage_name, self.access, self.access_arn, self.tracing)
        return (StagePlan, args)

    def base_for(self, metrics: Metrics) -> int:
        if self.base < 0:
            self.base = metrics.series("r", (self.api_id, self.stage_name, "", ""))
        return self.base


class MethodPlan:
    """Per method: detailed (per resource and method) metrics and execution logging."""

    __slots__ = ("base", "data_trace", "detailed", "labels", "log_level")

    def __init__(self, labels: tuple[str, str, str, str], detailed: bool, log_level: str,
                 data_trace: bool) -> None:  # fmt: skip
        self.labels = labels
        self.detailed = detailed
        self.log_level = log_level
        self.data_trace = data_trace
        self.base = -1

    def __reduce__(self) -> tuple[Any, ...]:
        return (MethodPlan, (self.labels, self.detailed, self.log_level, self.data_trace))

    def base_for(self, metrics: Metrics) -> int:
        if self.base < 0:
            self.base = metrics.series("r", self.labels)
        return self.base


def stage_plan(api: dict[str, Any], stage: dict[str, Any]) -> StagePlan:
    settings = stage.get("accessLogSettings") or {}
    fmt, arn = settings.get("format"), settings.get("destinationArn")
    access = None
    if fmt and arn:  # AWS logs only when both are set
        try:
            access = compile_format(str(fmt))
        except ValueError as exc:
            # Stored before validation existed, or written to the store directly.
            log.error("stage %s/%s: access log off: %s", api.get("id"), stage.get("stageName"), exc)
    return StagePlan(str(api.get("id", "")), str(stage.get("stageName", "")), access,
                     str(arn) if access else None, bool(stage.get("tracingEnabled")))  # fmt: skip


def method_settings(stage: dict[str, Any], resource_path: str, verb: str) -> dict[str, Any]:
    settings = stage.get("methodSettings") or {}
    found: dict[str, Any] = (
        settings.get(f"{resource_path.strip('/')}/{verb}") or settings.get("*/*") or {}
    )
    return found


def method_plan(
    api: dict[str, Any], stage: dict[str, Any], resource_path: str, verb: str
) -> MethodPlan | None:
    ms = method_settings(stage, resource_path, verb)
    level = str(ms.get("loggingLevel") or "OFF").upper()
    detailed = bool(ms.get("metricsEnabled"))
    if not detailed and level == "OFF":
        return None
    labels = (str(api.get("id", "")), str(stage.get("stageName", "")), resource_path, verb)
    return MethodPlan(labels, detailed, level, bool(ms.get("dataTraceEnabled")))


class ObserveStep:
    """The first policy stage of a method that logs or traces: starts its execution log and
    its trace. A class rather than a closure so that a compiled stage can be shipped to
    another process (snapshot.image): it pickles as its four flags."""

    __slots__ = ("data_trace", "errors_only", "logging_on", "traced")

    def __init__(self, logging_on: bool, traced: bool, data_trace: bool, errors_only: bool) -> None:
        self.logging_on = logging_on
        self.traced = traced
        self.data_trace = data_trace
        self.errors_only = errors_only

    def __call__(self, ctx: Context, env: Env) -> None:
        if self.traced:
            ctx.trace = tracing.start(ctx)
        if self.logging_on:
            exec_log.begin(ctx, self.data_trace, self.errors_only)

    def __reduce__(self) -> tuple[Any, ...]:
        return (ObserveStep, (self.logging_on, self.traced, self.data_trace, self.errors_only))


def observe_stage(
    api: dict[str, Any], stage: dict[str, Any], resource_path: str, method: dict[str, Any]
) -> ObserveStep | None:
    """The first policy stage of a method: starts its execution log and its trace — or None
    when neither is on, so the method's path has no extra call at all."""
    verb = str(method.get("httpMethod", "")).upper()
    ms = method_settings(stage, resource_path, verb)
    level = str(ms.get("loggingLevel") or "OFF").upper()
    logging_on = level in ("INFO", "ERROR")
    data_trace = bool(ms.get("dataTraceEnabled")) and level == "INFO"
    traced = bool(stage.get("tracingEnabled"))
    if not logging_on and not traced:
        return None
    return ObserveStep(logging_on, traced, data_trace, level == "ERROR")
