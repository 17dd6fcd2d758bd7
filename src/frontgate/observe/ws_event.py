"""One observed WebSocket event — a ``$connect``, a message or a ``$disconnect`` — as access
logs, execution logs and metrics see it. ``websocket/telemetry.py`` makes and completes them; the
connection itself is read through ``Peer`` (``websocket.session.Session`` is one), so that this
package needs nothing from ``websocket/``."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from frontgate.observe.ws_plan import RouteObserve, WsObservePlan


class Peer(Protocol):
    """What an event reads of its connection."""

    connection_id: str
    domain_name: str
    connected_at: float  # epoch seconds
    source_ip: str
    user_agent: str
    headers: list[tuple[str, str]]
    authorizer: dict[str, Any] | None  # the $connect Lambda authorizer's principalId and context
    caller: dict[str, Any]  # AWS_IAM on $connect: accessKey, user, userArn, ...


class WsEvent:
    """Filled as the event goes: the integration's status and latency, the error, the status
    it ended with; ``lines``: its execution-log events, when the route logs."""

    __slots__ = (
        "ended",
        "error",
        "error_type",
        "event_type",
        "failed",
        "int_start",
        "integration_error",
        "integration_latency",
        "integration_status",
        "lines",
        "message_id",
        "peer",
        "plan",
        "request_id",
        "route",
        "route_key",
        "start",
        "start_wall",
        "status",
    )  # fmt: skip

    def __init__(
        self,
        plan: WsObservePlan,
        route: RouteObserve,
        peer: Peer,
        event_type: str,
        route_key: str | None,
        request_id: str,
    ) -> None:
        self.plan = plan
        self.route = route
        self.peer = peer
        self.event_type = event_type  # CONNECT, MESSAGE, DISCONNECT
        self.route_key = route_key  # None: a message no route took
        self.request_id = request_id
        self.message_id: str | None = None
        self.start = time.perf_counter()
        self.start_wall = time.time()
        self.status = 200
        self.integration_status: int | None = None
        self.integration_latency: int | None = None  # ms; None for MOCK and when not called
        self.integration_error: str | None = None
        self.error: str | None = None  # $context.error.message
        self.error_type: str | None = None  # $context.error.responseType
        self.failed = False  # the integration could not be called (ExecutionError)
        self.ended = False
        self.int_start = 0.0
        self.lines: list[str] | None = [] if route.log_level != "OFF" else None
