"""CPU per WebSocket message of the observability hooks (websocket/telemetry.py), in process:
a MOCK route's integration call alone, then the same message observed — stage metrics only (the
default), with an access log (JSON, to a file), with INFO execution logs as well — measured side
by side in one run, best of ``--rounds``. Run: ``PYTHONPATH=src python bench/micro_ws_observe.py``
(``FRONTGATE_PURE=1`` for the interpreted modules)."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from frontgate.observe.observer import Observer
from frontgate.observe.ws_plan import ws_observe_plan
from frontgate.snapshot.websocket import WsIntegration, WsIntegrationResponse, WsStage
from frontgate.websocket import integrations, telemetry
from frontgate.websocket.integrations import Call

FORMAT = (
    '{"requestId":"$context.requestId","eventType":"$context.eventType",'
    '"connectionId":"$context.connectionId","routeKey":"$context.routeKey",'
    '"status":$context.status,"messageId":"$context.messageId",'
    '"requestTime":"$context.requestTime","ip":"$context.identity.sourceIp"}'
)


def _session(plan: Any, observer: Observer) -> Any:
    """What the hooks read of a ``websocket.session.Session``."""
    return SimpleNamespace(
        connection_id="R0oXAdfD0kwCH6w=", domain_name="abc.execute-api.localhost:8080",
        connected_at=time.time(), source_ip="127.0.0.1", user_agent="bench", headers=[],
        authorizer=None, caller={}, stage=SimpleNamespace(observe=plan),
        gateway=SimpleNamespace(env=SimpleNamespace(observer=observer)),
    )  # fmt: skip


async def main(n: int, rounds: int) -> None:
    data = Path(tempfile.mkdtemp(prefix="ws-observe-bench-"))
    observer = Observer(data)
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:bench"
    stages = {
        "metrics only (default)": {},
        "+ access log": {"accessLogSettings": {"destinationArn": arn, "format": FORMAT}},
        "+ access log + INFO exec log": {
            "accessLogSettings": {"destinationArn": arn, "format": FORMAT},
            "defaultRouteSettings": {"loggingLevel": "INFO"},
        },
    }
    sessions = {
        name: _session(ws_observe_plan("abc", {"stageName": "dev", **doc}, ["$default"]), observer)
        for name, doc in stages.items()
    }
    integ = WsIntegration(
        "MOCK", "", "POST", 29.0, None, {}, "", "WHEN_NO_MATCH",
        (WsIntegrationResponse("$default", {"$default": '{"ok": 1}'}, "\\$default"),),
    )  # fmt: skip
    stage = WsStage("abc", "bench", "us-east-1", "1", "dev", "d", {}, "$request.body.action", {})
    c = Call(stage, "$default", "hello", None, {}, {"messageId": "R1knPc2ntjMCFIA="})
    best: dict[str, float] = {}
    for _ in range(rounds):
        t0 = time.process_time()
        for _ in range(n):
            await integrations.call(None, integ, c)
        best["MOCK call, not observed"] = min(
            best.get("MOCK call, not observed", 1e9), (time.process_time() - t0) / n
        )
        for name, s in sessions.items():
            t0 = time.process_time()
            for _ in range(n):
                ev = telemetry.message(s, "$default", "MKbB-HYDIAMEq0w=", "hello")
                await telemetry.call(ev, None, integ, c)
                telemetry.sent(s)
            best[name] = min(best.get(name, 1e9), (time.process_time() - t0) / n)
        await asyncio.sleep(0.06)  # let the sinks flush, outside the timed loops
    base = best["MOCK call, not observed"]
    for name, cpu in best.items():
        extra = "" if cpu is base else f"  (+{(cpu - base) * 1e6:.2f} µs)"
        print(f"{name:32} {cpu * 1e6:7.2f} µs CPU per message{extra}")
    observer.close()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--messages", type=int, default=50_000)
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()
    asyncio.run(main(args.messages, args.rounds))
