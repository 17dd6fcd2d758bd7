"""The WebSocket families of ``/metrics`` (observe/ws_record.py, ws_prometheus.py): events
counted in AWS's metrics, summed over workers' shards, routes with detailed metrics added into
their stage, Prometheus text that parses, and the open gauge of a restarted worker."""

from __future__ import annotations

from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from tests.observe.test_ws_access import Peer

from frontgate.observe import ws_metrics as w
from frontgate.observe.metrics import Metrics, create_shards
from frontgate.observe.observer import Observer
from frontgate.observe.prometheus import Reader
from frontgate.observe.ws_event import WsEvent
from frontgate.observe.ws_plan import WsObservePlan, ws_observe_plan
from frontgate.observe.ws_record import count, finish
from frontgate.observe.ws_top import WsSample, section

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _parse(text: str) -> Samples:
    out: Samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def _worker(metrics: Metrics, tmp: Path) -> WsObservePlan:
    stage = {"stageName": "prod", "routeSettings": {"send": {"detailedMetricsEnabled": True}}}
    plan = ws_observe_plan("api1", stage, ["$connect", "send", "$default"])
    plan.bind(Observer(tmp, metrics))
    return plan


def _event(plan: WsObservePlan, route: str | None, event_type: str = "MESSAGE") -> WsEvent:
    e = WsEvent(plan, plan.route(route), Peer(), event_type, route, "MKbB-HYDIAMEq0w=")
    count(plan, e.route.base, w.CONNECT if event_type == "CONNECT" else w.MESSAGE_IN)
    return e


def _lb(**kw: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(kw.items()))


def test_two_workers_summed_with_routes_folded_into_their_stage(tmp_path: Path) -> None:
    shards = create_shards(2)
    plans = [_worker(Metrics(shards[i], shards), tmp_path) for i in range(2)]
    for plan in plans:
        connect = _event(plan, "$connect", "CONNECT")
        count(plan, plan.base, w.OPEN)
        finish(connect, 200)
        ok = _event(plan, "send")
        ok.integration_status, ok.integration_latency = 200, 3
        finish(ok, 200)
        count(plan, plan.base, w.MESSAGE_OUT)
        failing = _event(plan, "send")
        failing.integration_status, failing.integration_latency = 500, 40
        finish(failing, 200)
        refused = _event(plan, None)
        finish(refused, 403)
        finish(refused, 500)  # an event ends once
        down = _event(plan, "$default")
        down.failed, down.integration_error = True, "connection refused"
        finish(down, 500)
    text = Reader(shards).render().decode()
    got = _parse(text)
    stage = {"api": "api1", "stage": "prod"}
    route = {**stage, "route": "send"}
    assert got[("frontgate_websocket_connect_total", _lb(**stage))] == 2
    assert got[("frontgate_websocket_connections_open", _lb(**stage))] == 2
    assert got[("frontgate_websocket_message_total", _lb(**stage, direction="in"))] == 8
    assert got[("frontgate_websocket_message_total", _lb(**stage, direction="out"))] == 2
    assert got[("frontgate_websocket_message_total", _lb(**route, direction="in"))] == 4
    assert ("frontgate_websocket_message_total", _lb(**route, direction="out")) not in got
    assert got[("frontgate_websocket_integration_error_total", _lb(**stage))] == 2
    assert got[("frontgate_websocket_integration_error_total", _lb(**route))] == 2
    assert got[("frontgate_websocket_client_error_total", _lb(**stage))] == 2
    assert got[("frontgate_websocket_execution_error_total", _lb(**stage))] == 2
    assert got[("frontgate_websocket_execution_error_total", _lb(**route))] == 0
    hist = "frontgate_websocket_integration_latency_seconds"
    assert got[(f"{hist}_count", _lb(**stage))] == 4
    assert got[(f"{hist}_bucket", _lb(**stage, le="0.005"))] == 2  # the 3 ms calls
    assert got[(f"{hist}_bucket", _lb(**stage, le="0.05"))] == 4
    assert abs(got[(f"{hist}_sum", _lb(**stage))] - 0.086) < 1e-9
    assert got[(f"{hist}_count", _lb(**route))] == 4
    # No gauge per route; $default has no series of its own (not detailed).
    assert ("frontgate_websocket_connections_open", _lb(**route)) not in got
    assert not [k for k in got if dict(k[1]).get("route") == "$default"]


def test_a_restarted_worker_holds_no_connections(tmp_path: Path) -> None:
    shards = create_shards(1)
    plan = _worker(Metrics(shards[0], shards), tmp_path)
    count(plan, plan.base, w.OPEN, 3)
    count(plan, plan.base, w.CONNECT, 3)
    again = _worker(Metrics(shards[0], shards), tmp_path)  # the worker's successor re-attaches
    assert again.base == plan.base
    got = _parse(Reader(shards).render().decode())
    stage = _lb(api="api1", stage="prod")
    assert got[("frontgate_websocket_connections_open", stage)] == 0
    assert got[("frontgate_websocket_connect_total", stage)] == 3  # counters never go back


def test_no_websocket_families_without_websocket_stages() -> None:
    assert b"frontgate_websocket" not in Reader(create_shards(1)).render()


def test_top_section_rates(tmp_path: Path) -> None:
    shards = create_shards(1)
    plan = _worker(Metrics(shards[0], shards), tmp_path)
    reader = Reader(shards)
    before = WsSample(reader.render().decode())
    count(plan, plan.base, w.OPEN, 2)
    for _ in range(10):
        finish(_event(plan, "send"), 200)
        count(plan, plan.base, w.MESSAGE_OUT)
    finish(_event(plan, None), 403)
    after = WsSample(reader.render().decode())
    lines = section(before, after, 2.0)
    assert lines[1].split() == ["WEBSOCKET", "OPEN", "CONN/S", "MSG/S", "ERR/S"]
    assert lines[2].split() == ["api1/prod", "2", "0.0", "10.5", "0.5"]
    assert section(WsSample(""), WsSample(""), 1.0) == []
