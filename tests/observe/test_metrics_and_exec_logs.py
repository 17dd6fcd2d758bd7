"""/metrics summed over two workers and execution logs, on the real ``frontgate serve``."""

from __future__ import annotations

import http.client
import time
from collections.abc import Iterator

import pytest
from tests.observe.conftest import Scrape, api_file, read_lines, scrape, update_stage, wait_for
from tests.support.gateway import Gateway
from tests.support.upstream import Upstream


@pytest.fixture(scope="module")
def gw(upstream: Upstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("metrics")
    args = ("--api", str(api_file(tmp, upstream.port)), "--workers", "2")
    with Gateway(tmp / "data", *args) as gateway:
        yield gateway


def _labels(**kw: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(kw.items()))


def test_counts_match_requests_sent_whichever_worker_is_scraped(gw: Gateway) -> None:
    update_stage(gw, ("replace", "/*/*/metrics/enabled", "true"))
    api = gw.api_id
    pets = _labels(api=api, stage="dev", resource="/pets", method="GET")
    wait_for(lambda: gw.request("GET", "/dev/pets")[0] == 200 and (
        ("frontgate_count_total", pets) in scrape(gw)), what="detailed metrics on")  # fmt: skip
    time.sleep(0.6)  # the other worker polls the store every 0.25 s: let it recompile too
    before = scrape(gw)
    sent = {"/dev/pets": 30, "/dev/broken": 10, "/dev/nowhere": 5, "/dev/mock": 15}
    for path, n in sent.items():
        for _ in range(n):  # a new connection each: both workers get some
            gw.request("GET", path)
    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=5)
    conn.request("GET", "/dev/pets", headers={"Host": "unknown.example"})
    assert conn.getresponse().status == 403
    conn.close()
    stage = _labels(api=api, stage="dev")
    broken = _labels(api=api, stage="dev", resource="/broken", method="GET")

    def delta(name: str, labels: tuple[tuple[str, str], ...], now: Scrape) -> float:
        return now.get((name, labels), 0) - before.get((name, labels), 0)

    for _ in range(6):  # every scrape, whichever worker answers it, sums both
        now = scrape(gw)
        assert now[("frontgate_workers", ())] == 2
        assert delta("frontgate_count_total", stage, now) == 60
        assert delta("frontgate_4xx_error_total", stage, now) == 5
        assert delta("frontgate_5xx_error_total", stage, now) == 10
        assert delta("frontgate_latency_seconds_count", stage, now) == 60
        assert (
            delta("frontgate_latency_seconds_bucket", _labels(api=api, stage="dev", le="+Inf"), now)
            == 60
        )
        # Every integration that ran: HTTP_PROXY (40) and MOCK (15, latency 0 as on AWS).
        assert delta("frontgate_integration_latency_seconds_count", stage, now) == 55
        assert delta("frontgate_count_total", pets, now) == 30
        assert delta("frontgate_integration_latency_seconds_count", pets, now) == 30
        assert delta("frontgate_5xx_error_total", broken, now) == 10
        assert delta("frontgate_unmatched_requests_total", (), now) == 1
        assert now[("frontgate_latency_seconds_sum", pets)] > 0
    origins = [k for k in now if k[0] == "frontgate_upstream_connections"]
    assert any(dict(labels)["state"] == "idle" for _n, labels in origins)


def test_execution_log_steps_with_secrets_masked(gw: Gateway) -> None:
    update_stage(gw, ("replace", "/*/*/logging/loglevel", "INFO"),
                 ("replace", "/*/*/logging/dataTrace", "true"))  # fmt: skip
    log = gw.data_dir / "logs" / f"API-Gateway-Execution-Logs_{gw.api_id}" / "dev.log"
    secret = "Bearer abcdefghijklmnopqrstuvwxyz0123456789"
    headers = {"Authorization": secret, "x-api-key": "k" * 30 + "WXYZ", "Cookie": "sid=s3cr3t",
               "X-Pad": "p" * 2000}  # fmt: skip

    def logged_request() -> tuple[str, list[str]] | None:
        # Both workers must have recompiled: retry until a request's steps are in the file.
        rid = gw.request("GET", "/dev/pets?q=1", headers=headers)[1]["x-amzn-requestid"]
        time.sleep(0.2)
        lines = [x for x in read_lines(log) if f"({rid})" in x]
        return (rid, lines) if any("Method completed" in x for x in lines) else None

    rid, lines = wait_for(logged_request, what="execution log")
    events = [x.split(f"({rid}) ", 1)[1] for x in lines]
    assert events[0].startswith("Extended Request Id: ")
    assert f"Starting execution for request: {rid}" in events
    assert "HTTP Method: GET, Resource Path: /pets" in events
    assert "Method request query string: {q=1}" in events
    assert any(e.startswith("Endpoint request URI: http://127.0.0.1:") for e in events)
    assert any(e.startswith("Received response. Status: 200, Integration latency: ")
               for e in events)  # fmt: skip
    assert events[-2:] == ["Successfully completed execution", "Method completed with status: 200"]
    method_headers = next(e for e in events if e.startswith("Method request headers: "))
    endpoint_headers = next(e for e in events if e.startswith("Endpoint request headers: "))
    for text in (method_headers, endpoint_headers):
        assert "abcdefghij" not in text and "s3cr3t" not in text and "kkkk" not in text
        assert "Authorization=" in text and "6789" in text and "WXYZ" in text
    body = next(e for e in events if e.startswith("Endpoint response body before"))
    assert body.endswith("[TRUNCATED]")  # the echoed 2 KB header makes the body too long
    assert all(len(x.encode()) <= 1024 for x in lines)

    # ERROR level: successful requests write nothing, failures write their error lines.
    update_stage(gw, ("replace", "/*/*/logging/loglevel", "ERROR"))
    time.sleep(0.6)  # both workers recompile (0.25 s store polling)
    _, h_ok, _ = gw.request("GET", "/dev/pets")
    _, h_bad, _ = gw.request("GET", "/dev/broken")
    bad = h_bad["x-amzn-requestid"]
    wait_for(lambda: any(f"({bad}) Method completed with status: 503" in x
                         for x in read_lines(log)), what="error line")  # fmt: skip
    assert not [x for x in read_lines(log) if h_ok["x-amzn-requestid"] in x]


def test_frontgate_top_shows_per_route_rates_and_latency(gw: Gateway) -> None:
    import subprocess
    import sys
    import threading

    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            gw.request("GET", "/dev/pets")
            gw.request("GET", "/dev/broken")

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    try:
        out = subprocess.run(
            [sys.executable, "-m", "frontgate", "top", "--admin",
             f"http://127.0.0.1:{gw.admin_port}", "--iterations", "2", "--interval", "1"],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
    finally:
        stop.set()
        worker.join(5)
    assert out.returncode == 0, out.stderr
    frames = out.stdout.split("frontgate top — ")[1:]
    assert len(frames) == 2
    rows = {line.split()[2]: line.split() for line in frames[-1].splitlines()[2:] if line.strip()}
    pets, broken = rows["/pets"], rows["/broken"]
    assert float(pets[3]) > 5 and float(pets[4]) == 0  # req/s, no errors
    assert float(broken[4]) > 5  # every /broken answer is a 503
    assert 0 < float(pets[5]) <= float(pets[6]) < 1000  # p50 <= p99, in ms
