"""The gateway process as an operator sees it: start-up errors, restarts, signals, workers,
live deployments under load, and TLS on both sides."""

from __future__ import annotations

import asyncio
import http.client
import json
import signal
import socket
import ssl
import subprocess
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import trustme
from tests.support.gateway import Gateway, serve_command
from tests.support.upstream import Upstream

from frontgate.compile.checks import check_deployable
from frontgate.definition.restapis import create_deployment, load_api
from frontgate.state.sqlite import SqliteStore

FIXTURE = Path(__file__).parent.parent / "fixtures" / "petstore-oas30.yaml"


def _api_file(tmp_path: Path, upstream_url: str, name: str = "petstore.yaml") -> Path:
    path = tmp_path / name
    path.write_text(FIXTURE.read_text().replace("UPSTREAM", upstream_url))
    return path


def test_rest_api_id_is_stable_across_restarts(tmp_path: Path) -> None:
    api = _api_file(tmp_path, "http://127.0.0.1:9")
    with Gateway(tmp_path / "data", "--api", str(api)) as first:
        first_id = first.api_id
    with Gateway(tmp_path / "data", "--api", str(api)) as second:
        assert second.api_ids == [first_id]
        assert second.request("GET", "/dev/pets/mine")[0] == 200


def test_invalid_openapi_is_refused_naming_the_file_and_nothing_is_stored(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text(
        "openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n"
        "      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET}\n"
    )
    proc = subprocess.run(
        serve_command(tmp_path / "data", "--api", str(bad)),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 2
    assert "broken.yaml" in proc.stderr
    assert "/x" in proc.stderr and "get" in proc.stderr.lower()
    with Gateway(tmp_path / "data") as gw:
        assert gw.api_ids == []


class _GatedUpstream(ThreadingHTTPServer):
    """Answers each request only once ``release`` is set; ``arrived`` is set when one is held."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Gated)
        self.arrived = threading.Event()
        self.release = threading.Event()
        threading.Thread(target=self.serve_forever, daemon=True).start()


class _Gated(BaseHTTPRequestHandler):
    server: _GatedUpstream

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self.server.arrived.set()
        self.server.release.wait(30)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


def _refuses_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return True
    return False


def test_sigterm_finishes_in_flight_requests_and_exits_zero(tmp_path: Path) -> None:
    # The order is forced, not timed: the request is held at the upstream, SIGTERM is sent,
    # the gateway stops accepting, and only then does the upstream answer.
    up = _GatedUpstream()
    try:
        api = tmp_path / "slow.yaml"
        api.write_text(
            "openapi: 3.0.1\ninfo: {title: slow, version: '1'}\npaths:\n  /slow:\n    get:\n"
            "      x-amazon-apigateway-integration:\n        type: http_proxy\n"
            f"        httpMethod: GET\n        uri: http://127.0.0.1:{up.server_address[1]}/\n"
        )
        gw = Gateway(tmp_path / "data", "--api", str(api)).start()
        assert gw.proc is not None
        result: list[int] = []
        t = threading.Thread(
            target=lambda: result.append(gw.request("GET", "/dev/slow", timeout=30)[0])
        )
        t.start()
        assert up.arrived.wait(10)  # in flight
        gw.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        while not _refuses_connections(gw.port):  # shutting down: the listener is closed
            assert time.monotonic() < deadline, "the gateway did not stop accepting"
            time.sleep(0.02)
        assert gw.proc.poll() is None and result == []  # still waiting on the request
        up.release.set()
        code = gw.stop(signal.SIGTERM)
        t.join(10)
        assert result == [200]
        assert code == 0
    finally:
        up.release.set()
        up.shutdown()
        up.server_close()


def test_a_killed_worker_is_replaced(tmp_path: Path) -> None:
    api = _api_file(tmp_path, "http://127.0.0.1:9")
    with Gateway(tmp_path / "data", "--api", str(api), "--workers", "2") as gw:
        assert gw.proc is not None
        children = _workers(gw)
        assert len(children) == 2
        subprocess.run(["kill", "-9", str(children[0])], check=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            now = _workers(gw)
            if len(now) == 2 and children[0] not in now:
                break
            time.sleep(0.1)
        else:
            pytest.fail("worker was not replaced")
        for _ in range(20):
            assert gw.request("GET", "/dev/pets/mine")[0] == 200
        assert gw.stop(signal.SIGTERM) == 0


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _workers(gw: Gateway) -> list[int]:
    """The data-plane workers: the supervisor's children but the control process."""
    assert gw.proc is not None
    url = f"http://127.0.0.1:{gw.admin_port}/_frontgate/status"
    with urllib.request.urlopen(url, timeout=10) as resp:
        control = json.loads(resp.read())["controlPid"]
    return [p for p in _children(gw.proc.pid) if p != control]


def test_new_deployment_is_served_by_every_worker_with_no_failed_requests(
    tmp_path: Path, record_property: Any
) -> None:
    # Written straight into the store, not through the admin API: the workers can only learn
    # of it by polling the store's generation. That the poll serves a change within a second
    # is proven on a virtual clock in test_reload.py; here the deadline only catches a hang.
    with Upstream() as up:
        api = _api_file(tmp_path, f"http://127.0.0.1:{up.port}")
        with Gateway(tmp_path / "data", "--api", str(api), "--workers", "2") as gw:
            stop = threading.Event()
            failures: list[str] = []
            counts = [0]

            def load() -> None:
                conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=10)
                while not stop.is_set():
                    try:
                        conn.request("GET", "/dev/pets?x=1", headers={"Host": gw.host()})
                        resp = conn.getresponse()
                        resp.read()
                        if resp.status != 200:
                            failures.append(str(resp.status))
                        counts[0] += 1
                    except Exception as exc:
                        failures.append(repr(exc))
                        conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=10)

            def wait_for_load(more: int) -> None:
                target = counts[0] + more
                deadline = time.monotonic() + 30
                while counts[0] < target:
                    assert time.monotonic() < deadline, "the load stalled"
                    time.sleep(0.01)

            threads = [threading.Thread(target=load) for _ in range(4)]
            for t in threads:
                t.start()
            wait_for_load(20)  # requests before the switch ...
            changed_at = time.monotonic()
            asyncio.run(_add_route_and_deploy(tmp_path / "data" / "frontgate.db", gw.api_id))
            while gw.request("GET", "/dev/brand-new")[0] != 200:
                assert time.monotonic() - changed_at < 30, "the new deployment was not served"
                time.sleep(0.02)
            record_property("served_after_seconds", round(time.monotonic() - changed_at, 3))
            wait_for_load(20)  # ... and after it
            stop.set()
            for t in threads:
                t.join(10)
            assert failures == []
            # Every worker serves the new deployment.
            assert all(gw.request("GET", "/dev/brand-new")[0] == 200 for _ in range(20))


async def _add_route_and_deploy(db: Path, api_id: str) -> None:
    store = SqliteStore(db)
    await store.open()
    try:
        async with store.transaction() as tx:
            defn = await load_api(tx, "us-east-1", api_id)
            assert defn is not None
            root = next(r for r in defn.resources if r["path"] == "/")
            await tx.put(
                "us-east-1",
                "resource",
                api_id,
                "newres",
                {
                    "id": "newres",
                    "parentId": root["id"],
                    "pathPart": "brand-new",
                    "path": "/brand-new",
                    "resourceMethods": {
                        "GET": {
                            "httpMethod": "GET",
                            "authorizationType": "NONE",
                            "apiKeyRequired": False,
                            "methodIntegration": {
                                "type": "MOCK",
                                "requestTemplates": {"application/json": '{"statusCode": 200}'},
                                "integrationResponses": {"200": {"statusCode": "200"}},
                            },
                        }
                    },
                },
            )
            await create_deployment(
                tx, "us-east-1", api_id, check=check_deployable, stage_name="dev"
            )
    finally:
        await store.close()


def test_tls_data_plane_with_development_ca(tmp_path: Path) -> None:
    api = _api_file(tmp_path, "http://127.0.0.1:9")
    with Gateway(tmp_path / "data", "--api", str(api), "--tls-port", "0") as gw:
        assert gw.tls_port
        ca = tmp_path / "data" / "tls" / "ca.pem"
        ctx = ssl.create_default_context(cafile=str(ca))
        host = f"{gw.api_id}.execute-api.localhost"
        # Verify the certificate for the invoke host name, as curl --resolve would.
        raw = socket.create_connection(("127.0.0.1", gw.tls_port), timeout=10)
        sock = ctx.wrap_socket(raw, server_hostname=host)
        sock.sendall(
            f"GET /dev/pets/mine HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
        )
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
        sock.close()
        assert data.startswith(b"HTTP/1.1 200")
        assert data.endswith(b'{"mine": true}')
        assert any("trust" in line.lower() for line in gw.lines)


def test_https_upstream_is_verified(tmp_path: Path) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1")
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_ctx)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    with Upstream(ssl_context=server_ctx) as up:
        api = _api_file(tmp_path, f"https://localhost:{up.port}")
        with Gateway(
            tmp_path / "trusting", "--api", str(api), env={"SSL_CERT_FILE": str(ca_file)}
        ) as gw:
            status, _, body = gw.request("GET", "/dev/pets/5")
            assert status == 200
            assert json.loads(body)["path"] == "/pets/5"
        with Gateway(tmp_path / "untrusting", "--api", str(api)) as gw:
            status, _, body = gw.request("GET", "/dev/pets/5")
            assert status == 504


def test_global_access_log_writes_one_json_line_per_request(tmp_path: Path) -> None:
    api = _api_file(tmp_path, "http://127.0.0.1:9")
    log_file = tmp_path / "logs" / "access.log"
    with Gateway(tmp_path / "data", "--api", str(api), "--access-log", str(log_file)) as gw:
        _, headers, _ = gw.request("GET", "/dev/pets/mine?x=1")
        gw.request("GET", "/dev/nowhere")
        deadline = time.monotonic() + 5
        by_path: dict[str, dict[str, Any]] = {}
        while time.monotonic() < deadline and len(by_path) < 2:
            # The test harness's readiness probe ("GET /") is logged too; pick ours by path.
            text = log_file.read_text() if log_file.exists() else ""
            by_path = {d["path"]: d for d in map(json.loads, text.splitlines())
                       if d["path"] in ("/dev/pets/mine", "/dev/nowhere")}  # fmt: skip
            time.sleep(0.05)
    first, second = by_path["/dev/pets/mine"], by_path["/dev/nowhere"]
    assert first["requestId"] == headers["x-amzn-requestid"]
    assert (first["httpMethod"], first["path"], first["resourcePath"]) == (
        "GET",
        "/dev/pets/mine",
        "/pets/mine",
    )
    assert (first["status"], first["responseLength"], first["protocol"]) == (200, 14, "HTTP/1.1")
    assert (first["apiId"], first["stage"], first["sourceIp"]) == (gw.api_id, "dev", "127.0.0.1")
    assert first["integrationLatency"] == 0 and first["error"] is None
    assert (second["status"], second["resourcePath"]) == (403, None)
    assert second["error"] == "Missing Authentication Token"
