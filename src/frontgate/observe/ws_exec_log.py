"""Execution logs of WebSocket events (``API-Gateway-Execution-Logs_{apiId}/{stage}``), as REST
methods write theirs (``exec_log``): the steps of one ``$connect``, message or ``$disconnect``,
one line per step prefixed with its time and request id; headers masked, bodies cut at 1,000
bytes, lines at 1,024. At ERROR level only failed events are written, and only their failures.
The wording of the WebSocket-specific steps is Frontgate's (AWS does not document it)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from frontgate.observe.exec_log import body_text, headers_text, stamped

if TYPE_CHECKING:
    from frontgate.observe.ws_event import WsEvent

_SECOND: list[tuple[int, str]] = [(-1, "")]  # the last second formatted, and its text


def _second(second: int) -> str:
    last = _SECOND[0]
    if last[0] != second:
        last = _SECOND[0] = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
    return last[1]


def begin(e: WsEvent) -> None:
    """The event's first steps (``e.lines`` is not None: its route logs)."""
    out = e.lines
    assert out is not None
    peer = e.peer
    out.append(f"Extended Request Id: {e.request_id}")
    out.append(f"Starting execution for request: {e.request_id}")
    out.append(f"WebSocket Request Route: [{e.route_key or '(none)'}]")
    if e.event_type == "CONNECT":
        out.append(
            f"Client [UserAgent: {peer.user_agent or None}, SourceIp: {peer.source_ip}] is "
            f"connecting to WebSocket API [{e.plan.api_id}] as connection [{peer.connection_id}]."
        )
        if e.route.data_trace:
            out.append("Connection request headers: " + headers_text(peer.headers))
    elif e.event_type == "MESSAGE":
        out.append(f"Message received on connection [{peer.connection_id}].")
    else:
        out.append(f"Connection [{peer.connection_id}] is disconnecting.")


def message_body(e: WsEvent, body: str) -> None:
    if e.lines is not None and e.route.data_trace:
        e.lines.append("Message body before transformations: " + body_text(body.encode()))


def step(e: WsEvent, text: str) -> None:
    if e.lines is not None:
        e.lines.append(text)


def trace(e: WsEvent, text: str) -> None:
    """A data-trace step: written only with ``dataTraceEnabled`` (at INFO)."""
    if e.lines is not None and e.route.data_trace:
        e.lines.append(text)


def finish(e: WsEvent) -> list[str]:
    """The event's lines, completed and formatted (empty at ERROR level for a success)."""
    out = e.lines
    if out is None:
        return []
    failed = e.status >= 400 or e.failed or e.error is not None
    if not failed:
        out.append("Successfully completed execution")
    out.append(f"Method completed with status: {e.status}")
    events: list[str] = out
    if e.route.log_level == "ERROR":
        if not failed:
            return []
        events = [x for x in out if "failed" in x or x.startswith("Method completed")]
    stamp = f"{_second(int(e.start_wall))}.{int(e.start_wall * 1000) % 1000:03d}Z ({e.request_id}) "
    return stamped(events, stamp)
