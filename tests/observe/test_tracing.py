"""Traces end to end: a stage with tracingEnabled, the real gateway, and a real OTLP/HTTP
receiver on loopback decoding what the OpenTelemetry exporter sends."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span
from tests.observe.conftest import api_file, update_stage, wait_for
from tests.support.gateway import Gateway
from tests.support.upstream import Upstream


class Collector(ThreadingHTTPServer):
    """An OTLP/HTTP (protobuf) trace receiver: keeps every span it is sent."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Receive)
        self.spans: list[Any] = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def trace(self, trace_id: str) -> list[Any]:
        return [s for s in list(self.spans) if s.trace_id.hex() == trace_id]


class _Receive(BaseHTTPRequestHandler):
    server: Collector

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        assert self.path == "/v1/traces"
        req = ExportTraceServiceRequest.FromString(body)
        for rs in req.resource_spans:
            for ss in rs.scope_spans:
                self.server.spans.extend(ss.spans)
        out = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


@pytest.fixture(scope="module")
def collector() -> Iterator[Collector]:
    server = Collector()
    yield server
    server.shutdown()
    server.server_close()


def _start(tmp: Any, upstream: Upstream, endpoint: str) -> Gateway:
    gw = Gateway(tmp / "data", "--api", str(api_file(tmp, upstream.port)),
                 "--otlp-endpoint", endpoint).start()  # fmt: skip
    update_stage(gw, ("replace", "/tracingEnabled", "true"))
    wait_for(lambda: "traceparent" in _sent(gw, {})[0], what="tracing on")
    return gw


def _sent(gw: Gateway, headers: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(headers the upstream received, response headers) for GET /dev/pets."""
    status, resp_headers, body = gw.request("GET", "/dev/pets", headers=headers)
    assert status == 200
    return {k.lower(): v for k, v in json.loads(body)["headers"]}, resp_headers


def _attrs(span: Any) -> dict[str, Any]:
    out = {}
    for kv in span.attributes:
        value = kv.value
        out[kv.key] = value.string_value if value.HasField("string_value") else value.int_value
    return out


def test_w3c_trace_reaches_the_collector_and_the_integration(
    upstream: Upstream, collector: Collector, tmp_path: Any
) -> None:
    gw = _start(tmp_path, upstream, collector.endpoint)
    try:
        trace_id, parent = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
        sent, resp = _sent(gw, {"traceparent": f"00-{trace_id}-{parent}-01"})
        version, tid, integration_span, flags = sent["traceparent"].split("-")
        assert (version, tid, flags) == ("00", trace_id, "01")
        assert integration_span != parent
        assert sent["x-amzn-trace-id"] == (
            f"Root=1-{trace_id[:8]}-{trace_id[8:]};Parent={integration_span};Sampled=1"
        )
        spans = wait_for(lambda: len(collector.trace(trace_id)) >= 2 and collector.trace(trace_id))
        server = next(s for s in spans if s.kind == Span.SPAN_KIND_SERVER)
        client = next(s for s in spans if s.kind == Span.SPAN_KIND_CLIENT)
        assert server.parent_span_id.hex() == parent  # continues the caller's trace
        assert client.parent_span_id == server.span_id
        assert client.span_id.hex() == integration_span  # the id the backend was told
        assert server.start_time_unix_nano <= client.start_time_unix_nano
        assert client.end_time_unix_nano <= server.end_time_unix_nano
        attrs = _attrs(server)
        assert attrs["http.response.status_code"] == 200
        assert attrs["http.route"] == "/pets"
        assert attrs["aws.api_gateway.rest_api_id"] == gw.api_id
        assert attrs["aws.api_gateway.stage"] == "dev"
        assert attrs["aws.request_id"] == resp["x-amzn-requestid"]
        assert _attrs(client)["aws.api_gateway.integration.type"] == "HTTP_PROXY"
        assert server.name == "observed/dev"

        # X-Ray's header is accepted the same way.
        xray = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
        sent, _ = _sent(gw, {"X-Amzn-Trace-Id": xray})
        assert sent["traceparent"].split("-")[1] == "5759e988bd862e3fe1be46a994272793"
        assert sent["x-amzn-trace-id"].startswith("Root=1-5759e988-bd862e3fe1be46a994272793;")
        spans = wait_for(lambda: collector.trace("5759e988bd862e3fe1be46a994272793"))
        assert any(s.parent_span_id.hex() == "53995c3f42cd8ad8" for s in spans)

        # Without either header a new trace starts, in X-Ray's id shape (epoch seconds first).
        sent, _ = _sent(gw, {})
        new_id = sent["traceparent"].split("-")[1]
        assert abs(int(new_id[:8], 16) - time.time()) < 60
    finally:
        gw.stop()


def test_unreachable_collector_never_blocks_requests(upstream: Upstream, tmp_path: Any) -> None:
    gw = _start(tmp_path, upstream, "http://127.0.0.1:9")  # nothing listens on the discard port
    try:
        for _ in range(40):  # served throughout; the 10 s bound only catches a hang
            assert gw.request("GET", "/dev/pets", timeout=10)[0] == 200
    finally:
        assert gw.stop() == 0


class StalledCollector:
    """Accepts export requests and never answers them: each stays held until the exporter
    gives up on it. ``held`` is the set of connections holding an unanswered export now."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.held: set[int] = set()
        self.exports = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def snapshot(self) -> set[int]:
        with self._lock:
            return set(self.held)

    def _accept(self) -> None:
        number = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            number += 1
            threading.Thread(target=self._hold, args=(conn, number), daemon=True).start()

    def _hold(self, conn: socket.socket, number: int) -> None:
        with conn:
            while conn.recv(65536):
                with self._lock:
                    if number not in self.held:
                        self.held.add(number)
                        self.exports += 1
            with self._lock:
                self.held.discard(number)

    def close(self) -> None:
        self.sock.close()


def test_stalled_collector_never_blocks_requests(upstream: Upstream, tmp_path: Any) -> None:
    """Requests are answered, start to finish, while an export is held unanswered: they do not
    wait for it (an exporter on the request path would answer only after the export ended)."""
    collector = StalledCollector()
    gw = _start(tmp_path, upstream, collector.endpoint)
    try:
        during = 0
        for _ in range(200):
            before = collector.snapshot()
            assert gw.request("GET", "/dev/pets", timeout=10)[0] == 200
            if before & collector.snapshot():  # the same export held before and after
                during += 1
                if during >= 3:
                    break
            else:
                wait_for(lambda: collector.snapshot(), what="an export held", timeout=15)
        assert during >= 3, (during, collector.exports)
    finally:
        assert gw.stop() == 0
        collector.close()


AUTHORIZED_API = """
openapi: 3.0.1
info: {title: traced-auth, version: '1'}
components:
  securitySchemes:
    tok:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: token
        authorizerResultTtlInSeconds: 0
        authorizerUri: FUNCTION_URI
paths:
  /pets:
    get:
      security: [{tok: []}]
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: UPSTREAM/pets
"""

FUNCTION_URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:authz/invocations"
)
ALLOW_ALL = """
def handler(event, context):
    return {"principalId": "p", "policyDocument": {"Version": "2012-10-17", "Statement": [
        {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}]}}
"""


def test_trace_through_a_lambda_authorizer_and_http_proxy(
    upstream: Upstream, collector: Collector, tmp_path: Any
) -> None:
    from tests.functions.conftest import ROLE, client, make_zip

    api = tmp_path / "auth.yaml"
    text = AUTHORIZED_API.replace("UPSTREAM", f"http://127.0.0.1:{upstream.port}")
    api.write_text(text.replace("FUNCTION_URI", FUNCTION_URI))
    with Gateway(tmp_path / "data", "--api", str(api), "--otlp-endpoint",
                 collector.endpoint) as gw:  # fmt: skip
        lam = client("lambda", gw.admin_port)
        code = {"ZipFile": make_zip({"app.py": ALLOW_ALL})}
        lam.create_function(FunctionName="authz", Runtime="python3.11", Role=ROLE,
                            Handler="app.handler", Code=code)  # fmt: skip
        lam.add_permission(FunctionName="authz", StatementId="apigw",
                           Principal="apigateway.amazonaws.com",
                           Action="lambda:InvokeFunction")  # fmt: skip
        update_stage(gw, ("replace", "/tracingEnabled", "true"))
        trace_id = "0af7651916cd43dd8448eb211c80319c"

        def traced() -> list[Any] | None:
            status, _, _ = gw.request(
                "GET",
                "/dev/pets",
                headers={
                    "Authorization": "allow",
                    "traceparent": f"00-{trace_id}-b7ad6b7169203331-01",
                },
            )
            assert status == 200
            time.sleep(0.3)
            spans = collector.trace(trace_id)
            return spans if any(s.name == "Lambda authorizer" for s in spans) else None

        spans = wait_for(traced, timeout=20, what="authorizer span")
        names = {s.name for s in spans}
        assert {"traced-auth/dev", "Lambda authorizer", "HTTP_PROXY GET"} <= names
        server = next(s for s in spans if s.name == "traced-auth/dev")
        for name in ("Lambda authorizer", "HTTP_PROXY GET"):
            child = next(s for s in spans if s.name == name and s.parent_span_id == server.span_id)
            assert server.start_time_unix_nano <= child.start_time_unix_nano
        auth = next(s for s in spans if s.name == "Lambda authorizer")
        integ = next(s for s in spans if s.name == "HTTP_PROXY GET")
        assert auth.end_time_unix_nano <= integ.start_time_unix_nano  # authorizer runs first
        assert _attrs(auth)["aws.api_gateway.authorizer.type"] == "TOKEN"
