"""/metrics stays fast with 10,000 routes deployed (APISIX #7353's complaint)."""

from __future__ import annotations

import http.client
import json
import time
from pathlib import Path

import pytest
from tests.observe.conftest import scrape, update_stage, wait_for
from tests.support.gateway import Gateway

ROUTES = 10_000


def _api(path: Path) -> Path:
    mock = {"type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "responses": {"default": {"statusCode": "200"}}}  # fmt: skip
    paths = {f"/r{i}": {"get": {"x-amazon-apigateway-integration": mock}} for i in range(ROUTES)}
    doc = {"openapi": "3.0.1", "info": {"title": "many", "version": "1"}, "paths": paths}
    path.write_text(json.dumps(doc))
    return path


def _timed_scrape(gw: Gateway) -> tuple[float, int]:
    conn = http.client.HTTPConnection("127.0.0.1", gw.admin_port, timeout=10)
    try:
        started = time.perf_counter()
        conn.request("GET", "/metrics")
        body = conn.getresponse().read()
        return time.perf_counter() - started, len(body)
    finally:
        conn.close()


@pytest.mark.slow
def test_scrape_under_100_ms_with_10000_routes(tmp_path: Path) -> None:
    gw = Gateway(tmp_path / "data", "--api", str(_api(tmp_path / "many.json"))).start(120)
    try:
        update_stage(gw, ("replace", "/*/*/metrics/enabled", "true"))
        labels = (("api", gw.api_id), ("method", "GET"), ("resource", "/r0"), ("stage", "dev"))
        wait_for(lambda: gw.request("GET", "/dev/r0")[0] == 200
                 and ("frontgate_count_total", labels) in scrape(gw))  # fmt: skip
        conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=10)
        host = {"Host": gw.host()}
        for i in range(0, ROUTES, 5):  # 2,000 routes with traffic: 2,000 detailed series
            conn.request("GET", f"/dev/r{i}", headers=host)
            assert conn.getresponse().read() is not None
        conn.close()
        samples = scrape(gw)
        assert sum(1 for name, _ in samples if name == "frontgate_count_total") == 2001
        timings = sorted(_timed_scrape(gw)[0] for _ in range(5))
        print(f"scrape of 2,001 series, 10,000 routes: {[round(t * 1000, 1) for t in timings]} ms")
        assert timings[2] < 0.1, f"median scrape {timings[2] * 1000:.1f} ms"
    finally:
        gw.stop()


def test_render_under_100_ms_with_10000_routes_all_moving() -> None:
    """The worst case, measured in process (what the 100 ms budget is about, free of the HTTP
    round trip's noise on a loaded machine): 10,000 routes with detailed metrics, every one of
    them with traffic between scrapes, so no series' numbers can be reused."""
    from prometheus_client.parser import text_string_to_metric_families

    from frontgate.observe.metrics import Metrics
    from frontgate.observe.prometheus import Reader

    metrics = Metrics()
    metrics.series("r", ("abcdef1234", "dev", "", ""))
    routes = [metrics.series("r", ("abcdef1234", "dev", f"/r{i}", "GET")) for i in range(ROUTES)]

    def traffic(k: int) -> None:
        # Detailed metrics record the method's series only; the reader adds them into the
        # stage's, so the stage and the methods each count every request.
        for i, base in enumerate(routes):
            latency = 0.0004 + ((i + k) % 9) * 0.003
            metrics.record(base, 200 if i % 50 else 502, latency, 1 + (i + k) % 5)

    traffic(0)
    reader = Reader(metrics.shards)
    reader.render()  # the first scrape builds every series' label text, once
    timings = []
    for k in range(1, 8):
        traffic(k)
        started = time.perf_counter()
        body = reader.render()
        timings.append(time.perf_counter() - started)
    timings.sort()
    families = {f.name: f for f in text_string_to_metric_families(body.decode())}
    count = families["frontgate_count"].samples
    assert len(count) == ROUTES + 1 and sum(s.value for s in count) == 2 * 8 * ROUTES
    assert sum(s.value for s in families["frontgate_5xx_error"].samples) == 2 * 8 * ROUTES // 50
    print(f"render, 10,000 routes all moving ({len(body) / 1e6:.1f} MB): "
          f"{[round(t * 1000, 1) for t in timings]} ms")  # fmt: skip
    # The fastest of the scrapes: what the code costs, not what a busy CI neighbour adds to
    # it (the median is ~85 ms on a quiet machine; a regression to the old 166 ms still fails).
    assert timings[0] < 0.1, f"fastest render {timings[0] * 1000:.1f} ms"
