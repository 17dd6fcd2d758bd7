"""/metrics with 10,000 routes deployed (APISIX #7353's complaint): every series is there and
right. How fast the scrape is lives in ``bench/metrics_scale.py`` (speed targets are measured by
hand against the machine of the day, never asserted here)."""

from __future__ import annotations

import http.client
import json
from pathlib import Path

import pytest
from tests.observe.conftest import exposition, scrape, update_stage, wait_for
from tests.support.gateway import Gateway

ROUTES = 10_000


def _api(path: Path) -> Path:
    mock = {"type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "responses": {"default": {"statusCode": "200"}}}  # fmt: skip
    paths = {f"/r{i}": {"get": {"x-amazon-apigateway-integration": mock}} for i in range(ROUTES)}
    doc = {"openapi": "3.0.1", "info": {"title": "many", "version": "1"}, "paths": paths}
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.slow
def test_scrape_with_10000_routes(tmp_path: Path) -> None:
    gw = Gateway(tmp_path / "data", "--api", str(_api(tmp_path / "many.json"))).start(120)
    try:
        update_stage(gw, ("replace", "/*/*/metrics/enabled", "true"))
        labels = (("api", gw.api_id), ("method", "GET"), ("resource", "/r0"), ("stage", "dev"))
        counts = {"frontgate_count_total"}
        wait_for(lambda: gw.request("GET", "/dev/r0")[0] == 200
                 and ("frontgate_count_total", labels) in scrape(gw, counts))  # fmt: skip
        conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=10)
        host = {"Host": gw.host()}
        for i in range(0, ROUTES, 5):  # 2,000 routes with traffic: 2,000 detailed series
            conn.request("GET", f"/dev/r{i}", headers=host)
            assert conn.getresponse().read() is not None
        conn.close()
        samples = scrape(gw, counts)
        assert sum(1 for name, _ in samples if name == "frontgate_count_total") == 2001
        assert samples[("frontgate_count_total", labels)] >= 2  # the wait above, then the loop
    finally:
        gw.stop()


def test_render_with_10000_routes_all_moving() -> None:
    """The worst case for the reader's caches: 10,000 routes with detailed metrics, every one
    of them with traffic between scrapes, so no series' numbers can be reused."""
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
    for k in range(1, 8):
        traffic(k)
        body = reader.render()
    asserted = exposition(body.decode(), {"frontgate_count_total", "frontgate_5xx_error_total"})
    families = {f.name: f for f in text_string_to_metric_families(asserted)}
    count = families["frontgate_count"].samples
    assert len(count) == ROUTES + 1 and sum(s.value for s in count) == 2 * 8 * ROUTES
    assert sum(s.value for s in families["frontgate_5xx_error"].samples) == 2 * 8 * ROUTES // 50
