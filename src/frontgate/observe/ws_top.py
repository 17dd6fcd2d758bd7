"""The WEBSOCKET section of ``frontgate top``: per WebSocket API stage, the connections open,
new connections, messages (both directions) and errors per second, from ``/metrics``'s
``frontgate_websocket_*`` families (``ws_prometheus``)."""

from __future__ import annotations

import re

_SAMPLE = re.compile(r"^(frontgate_websocket_\w+)\{(.*)\} (\S+)$")
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
_ERRORS = frozenset(
    ("frontgate_websocket_integration_error_total", "frontgate_websocket_client_error_total",
     "frontgate_websocket_execution_error_total")
)  # fmt: skip

Key = tuple[str, str]  # api, stage


class WsSample:
    """Per stage: open connections, and the connect, message and error counters."""

    def __init__(self, text: str) -> None:
        self.open: dict[Key, float] = {}
        self.connects: dict[Key, float] = {}
        self.messages: dict[Key, float] = {}
        self.errors: dict[Key, float] = {}
        for line in text.splitlines():
            if not line.startswith("frontgate_websocket_"):
                continue
            m = _SAMPLE.match(line)
            if m is None:
                continue
            name, labels, value = m.group(1), dict(_LABEL.findall(m.group(2))), float(m.group(3))
            if "route" in labels or "le" in labels:
                continue  # per-route series are inside their stage's
            key = (labels.get("api", ""), labels.get("stage", ""))
            if name == "frontgate_websocket_connections_open":
                self.open[key] = value
            elif name == "frontgate_websocket_connect_total":
                self.connects[key] = value
            elif name == "frontgate_websocket_message_total":
                self.messages[key] = self.messages.get(key, 0.0) + value
            elif name in _ERRORS:
                self.errors[key] = self.errors.get(key, 0.0) + value


def section(prev: WsSample, now: WsSample, span: float, limit: int = 20) -> list[str]:
    """The section's lines; none when the node serves no WebSocket API."""
    keys = set(now.open) | set(now.messages)
    if not keys:
        return []

    def rate(now_v: dict[Key, float], prev_v: dict[Key, float], key: Key) -> float:
        return (now_v.get(key, 0.0) - prev_v.get(key, 0.0)) / span

    rows = sorted(
        (
            now.open.get(key, 0.0),
            rate(now.connects, prev.connects, key),
            rate(now.messages, prev.messages, key),
            rate(now.errors, prev.errors, key),
            key,
        )
        for key in keys
    )
    rows.sort(key=lambda r: (-r[2], -r[0], r[4]))
    out = ["", f"{'WEBSOCKET':<40} {'OPEN':>8} {'CONN/S':>8} {'MSG/S':>9} {'ERR/S':>8}"]
    for open_, conns, msgs, errs, key in rows[:limit]:
        name = f"{key[0]}/{key[1]}"
        out.append(f"{name[:40]:<40} {open_:>8.0f} {conns:>8.1f} {msgs:>9.1f} {errs:>8.1f}")
    return out
