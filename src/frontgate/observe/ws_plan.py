"""What a WebSocket API stage observes, decided when the stage is compiled
(``compile.websocket``): its access-log format and destination, and per route the execution-log
level (``loggingLevel``, ``dataTraceEnabled``) and whether it has a metrics series of its own
(``detailedMetricsEnabled``) — ``routeSettings`` over ``defaultRouteSettings``.

The plan travels in the snapshot image (pickled as its settings); the metric slots, log sinks and
observer are bound in the worker that serves the stage, on its first event."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from frontgate.observe import ws_metrics
from frontgate.observe.ws_access import WsAccessFormat, compile_ws_format

if TYPE_CHECKING:
    from frontgate.observe.observer import Observer
    from frontgate.observe.sinks import LogSink

log = logging.getLogger("frontgate.observe")

LEVELS = ("OFF", "ERROR", "INFO")


class RouteObserve:
    """One route's settings (or the stage's defaults, for messages no route takes)."""

    __slots__ = ("base", "data_trace", "detailed", "key", "log_level")

    def __init__(self, key: str, detailed: bool, log_level: str, data_trace: bool) -> None:
        self.key = key
        self.detailed = detailed
        self.log_level = log_level  # OFF, ERROR, INFO
        self.data_trace = data_trace and log_level == "INFO"
        self.base = -1  # its metric series (the stage's unless detailed), once bound

    def __reduce__(self) -> tuple[Any, ...]:
        return (RouteObserve, (self.key, self.detailed, self.log_level, self.data_trace))


class WsObservePlan:
    """Per WebSocket stage. ``observer``, ``v`` (the worker's metric values), ``base`` and the
    sinks belong to the worker process: bound by ``bind``, never shipped."""

    __slots__ = ("access", "access_arn", "access_sink", "api_id", "base", "default",
                 "exec_sink", "observer", "routes", "stage_name", "v")  # fmt: skip

    def __init__(
        self,
        api_id: str,
        stage_name: str,
        access: WsAccessFormat | None,
        access_arn: str | None,
        routes: dict[str, RouteObserve],
        default: RouteObserve,
    ) -> None:
        self.api_id: str = api_id
        self.stage_name: str = stage_name
        self.access = access
        self.access_arn = access_arn
        self.routes = routes
        self.default = default
        self.observer: Observer | None = None
        self.v: Any = None
        self.base = -1
        self.access_sink: LogSink | None = None
        self.exec_sink: LogSink | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        args = (self.api_id, self.stage_name, self.access, self.access_arn, self.routes,
                self.default)  # fmt: skip
        return (WsObservePlan, args)

    def route(self, key: str | None) -> RouteObserve:
        found = self.routes.get(key) if key is not None else None
        return found if found is not None else self.default

    def bind(self, observer: Observer) -> None:
        """Attach this worker's observer: the stage's series and each detailed route's."""
        metrics = observer.metrics
        self.base = metrics.series(ws_metrics.KIND, (self.api_id, self.stage_name, ""))
        for route in (*self.routes.values(), self.default):
            route.base = (
                metrics.series(ws_metrics.KIND, (self.api_id, self.stage_name, route.key))
                if route.detailed and route.key
                else self.base
            )
        self.v = metrics.v
        self.observer = observer


def _route_observe(key: str, settings: dict[str, Any]) -> RouteObserve:
    level = str(settings.get("loggingLevel") or "OFF").upper()
    if level not in LEVELS:
        level = "OFF"
    return RouteObserve(
        key, bool(settings.get("detailedMetricsEnabled")), level,
        bool(settings.get("dataTraceEnabled")),
    )  # fmt: skip


def ws_observe_plan(api_id: str, stage: dict[str, Any], route_keys: list[str]) -> WsObservePlan:
    """The stage's plan. Every deployed stage has one: its stage-level metrics are always
    counted (AWS publishes them unasked); logs and per-route series only when set."""
    stage_name = str(stage.get("stageName", ""))
    settings = stage.get("accessLogSettings") or {}
    fmt, arn = settings.get("format"), settings.get("destinationArn")
    access = None
    if fmt and arn:  # AWS logs only when both are set
        try:
            access = compile_ws_format(str(fmt))
        except ValueError as exc:
            # Stored before validation existed, or written to the store directly.
            log.error("stage %s/%s: access log off: %s", api_id, stage_name, exc)
    defaults = dict(stage.get("defaultRouteSettings") or {})
    per_route = stage.get("routeSettings") or {}
    routes = {
        key: _route_observe(key, {**defaults, **(per_route.get(key) or {})}) for key in route_keys
    }
    return WsObservePlan(
        api_id, stage_name, access, str(arn) if access else None, routes,
        _route_observe("", defaults),
    )  # fmt: skip
