"""Access-log lines exported as OTLP LogRecords: the real gateway, a stage with accessLogSettings,
and a real OTLP/HTTP receiver on loopback decoding what the exporter sends to /v1/logs."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from tests.observe.conftest import (
    CONSOLE_JSON,
    api_file,
    read_lines,
    scrape,
    update_stage,
    wait_for,
)
from tests.support.gateway import Gateway
from tests.support.upstream import Upstream


class LogCollector(ThreadingHTTPServer):
    """An OTLP/HTTP (protobuf) logs receiver: keeps every record with its resource."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Receive)
        self.records: list[tuple[Any, Any]] = []  # (resource, log record)
        self.posts: list[tuple[str, str]] = []  # (path, content type)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Receive(BaseHTTPRequestHandler):
    server: LogCollector

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.posts.append((self.path, self.headers.get("Content-Type", "")))
        if self.path == "/v1/logs":
            req = ExportLogsServiceRequest.FromString(body)
            for rl in req.resource_logs:
                for sl in rl.scope_logs:
                    self.server.records.extend((rl.resource, r) for r in sl.log_records)
        out = ExportLogsServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


@pytest.fixture(scope="module")
def upstream() -> Iterator[Upstream]:
    with Upstream() as up:
        yield up


@pytest.fixture
def collector() -> Iterator[LogCollector]:
    server = LogCollector()
    yield server
    server.shutdown()
    server.server_close()


def _attrs(record: Any) -> dict[str, str]:
    return {kv.key: kv.value.string_value for kv in record.attributes}


def _log_to(gw: Gateway, path: Path) -> None:
    update_stage(gw, ("replace", "/accessLogSettings/format", CONSOLE_JSON),
                 ("replace", "/accessLogSettings/destinationArn", f"file://{path}"))  # fmt: skip


def test_access_log_lines_reach_an_otlp_collector(
    upstream: Upstream, collector: LogCollector, tmp_path: Path
) -> None:
    log = tmp_path / "access.log"
    with Gateway(tmp_path / "data", "--api", str(api_file(tmp_path, upstream.port)),
                 "--otlp-endpoint", collector.endpoint) as gw:  # fmt: skip
        _log_to(gw, log)  # the stage change reaches the worker within a second
        wait_for(lambda: gw.request("GET", "/dev/mock")[0] == 200 and read_lines(log))
        ids = [gw.request("GET", path)[1]["x-amzn-requestid"]
               for path in ("/dev/pets", "/dev/mock", "/dev/broken")]  # fmt: skip

        def received() -> dict[str, tuple[Any, Any]]:
            return {_attrs(r)["aws.request_id"]: (res, r) for res, r in list(collector.records)}

        by_id = wait_for(lambda: set(ids) <= set(received()) and received())
        records = list(collector.records)
        lines = {json.loads(line)["requestId"]: line for line in read_lines(log)}
        for request_id in ids:
            resource, record = by_id[request_id]
            assert record.body.string_value == lines[request_id]  # the formatted line, verbatim
            assert _attrs(record) == {"aws.api_gateway.rest_api_id": gw.api_id,
                                      "aws.api_gateway.stage": "dev",
                                      "aws.request_id": request_id}  # fmt: skip
            assert record.time_unix_nano > 0 and record.severity_text == "INFO"
            service = {kv.key: kv.value.string_value for kv in resource.attributes}
            assert service["service.name"] == "frontgate"
        assert {p for p, _ in collector.posts} == {"/v1/logs"}
        assert all(ct == "application/x-protobuf" for _, ct in collector.posts)
        wait_for(lambda: scrape(gw).get(("frontgate_otlp_log_records_total", ())) == len(records))
        assert scrape(gw)[("frontgate_otlp_log_batches_dropped_total", ())] == 0


def test_global_access_log_and_a_dedicated_logs_endpoint(
    upstream: Upstream, collector: LogCollector, tmp_path: Path
) -> None:
    """--otlp-logs-endpoint sends logs without traces; the --access-log lines go there too."""
    log = tmp_path / "global.log"
    with Gateway(tmp_path / "data", "--api", str(api_file(tmp_path, upstream.port)),
                 "--access-log", str(log),
                 "--otlp-logs-endpoint", collector.endpoint) as gw:  # fmt: skip
        status, headers, _ = gw.request("GET", "/dev/mock")
        assert status == 200
        request_id = headers["x-amzn-requestid"]
        record = wait_for(
            lambda: next(
                (
                    r
                    for _, r in list(collector.records)
                    if _attrs(r)["aws.request_id"] == request_id
                ),
                None,
            )
        )
        assert json.loads(record.body.string_value)["requestId"] == request_id
        assert read_lines(log) and record.body.string_value in read_lines(log)
        assert _attrs(record)["aws.api_gateway.stage"] == "dev"


def test_unreachable_logs_endpoint_never_slows_requests(upstream: Upstream, tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    # Nothing listens on the discard port: every export fails.
    gw = Gateway(tmp_path / "data", "--api", str(api_file(tmp_path, upstream.port)),
                 "--otlp-endpoint", "http://127.0.0.1:9").start()  # fmt: skip
    try:
        _log_to(gw, log)
        wait_for(lambda: gw.request("GET", "/dev/mock")[0] == 200 and read_lines(log))
        # That no request waits on an export is proven without a clock by
        # test_a_stuck_export_never_holds_emit below; here: served throughout (the 10 s bound
        # only catches a hang).
        for _ in range(300):
            assert gw.request("GET", "/dev/mock", timeout=10)[0] == 200
        # The batches are dropped and counted; the file log is unaffected.
        dropped = ("frontgate_otlp_log_batches_dropped_total", ())
        for n in (1, 2):  # two failed batches: the second is not reported again
            wait_for(lambda n=n: scrape(gw)[dropped] >= n, timeout=15, what=f"{n} dropped")
            assert gw.request("GET", "/dev/mock", timeout=10)[0] == 200
        assert scrape(gw)[("frontgate_otlp_log_records_total", ())] == 0
        assert len(read_lines(log)) >= 301
    finally:
        assert gw.stop() == 0
    reports = [line for line in gw.lines if "OTLP logs to" in line]
    assert len(reports) == 1, reports  # at most once a minute in the process log


def test_a_stuck_export_never_holds_emit() -> None:
    """The request path's side (emit) while the exporter thread is stuck in an export that never
    returns: every call returns, lines beyond the queue are dropped and counted."""
    from frontgate.observe import otlp_logs

    entered = threading.Event()
    release = threading.Event()
    dropped: list[int] = []

    def stuck(batch: list[Any]) -> bool:
        entered.set()
        release.wait()
        return False

    exporter = otlp_logs.LogExporter("http://127.0.0.1:9", on_dropped=dropped.append)
    exporter._setup = lambda: stuck  # type: ignore[method-assign]
    try:
        exporter.emit("first", "api", "dev", "r0")
        assert entered.wait(10)  # the exporter thread is now stuck in an export
        for i in range(otlp_logs.MAX_QUEUE + 100):
            exporter.emit(f"line {i}", "api", "dev", f"r{i}")
        assert entered.is_set() and not release.is_set()  # still stuck throughout
        assert len(exporter._queue) == otlp_logs.MAX_QUEUE
        assert sum(dropped) == 100
    finally:
        release.set()
        exporter.close()
