"""Resource limits and the HTTP layer's own answers, on the real ``frontgate serve`` over raw
sockets: framing errors in API Gateway's shape, header values without surrounding whitespace,
connection caps that keep the admin listener reachable, and the admin listener's body limit."""

from __future__ import annotations

import io
import json
import os
import resource
import socket
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.parsers import create_parser
from tests.functions.conftest import client
from tests.support.gateway import Gateway
from tests.traffic.seed import seed, wait_for_status

from frontgate.config import load_settings
from frontgate.serve.listeners import admin_max_connections, default_max_connections

ROLE = "arn:aws:iam::123456789012:role/x"


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with Gateway(tmp_path_factory.mktemp("limits"), "--demo", "--header-timeout", "1") as g:
        yield g


def exchange(port: int, data: bytes, *, pause: float = 0.0) -> tuple[int, dict[str, str], bytes]:
    """Send ``data``, read until the server closes; the status, headers and body."""
    with socket.create_connection(("127.0.0.1", port), timeout=15) as s:
        s.sendall(data)
        if pause:
            time.sleep(pause)
        raw = b""
        while chunk := s.recv(65536):
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(": ")
        headers[name.lower()] = value
    return int(lines[0].split(" ")[1]), headers, body


# -- framing errors -------------------------------------------------------------------------------

HOST = b"Host: x.execute-api.localhost\r\n"


@pytest.mark.parametrize(
    ("request_bytes", "pause", "status", "message"),
    [
        pytest.param(b"NOT A REQUEST LINE\r\n\r\n", 0, 400, "Bad Request", id="400-request-line"),
        pytest.param(
            b"GET /" + b"a" * 10_241 + b" HTTP/1.1\r\n" + HOST + b"\r\n",
            0, 414, "Request-URI Too Long", id="414",
        ),
        pytest.param(
            b"POST /dev/ HTTP/1.1\r\n" + HOST + b"Expect: other\r\nContent-Length: 1\r\n\r\nx",
            0, 417, "Expectation Failed", id="417",
        ),
        pytest.param(
            b"GET /dev/ HTTP/1.1\r\n" + HOST + b"X-Big: " + b"a" * 11_000 + b"\r\n\r\n",
            0, 431, "Request Header Fields Too Large", id="431",
        ),
        # --header-timeout 1: a head that never ends is answered 408.
        pytest.param(b"GET /dev/ HTTP/1.1\r\n" + HOST, 1.5, 408, "Request Timeout", id="408"),
    ],
)  # fmt: skip
def test_framing_errors_are_answered_as_api_gateway_does(
    gw: Gateway, request_bytes: bytes, pause: float, status: int, message: str
) -> None:
    got, headers, body = exchange(gw.port, request_bytes, pause=pause)
    assert got == status
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"message": message}
    assert headers["x-amzn-errortype"] == "BadRequestException"
    assert len(headers["x-amzn-requestid"]) == 36
    assert len(headers["x-amz-apigw-id"]) == 16 and headers["x-amz-apigw-id"].endswith("=")
    assert headers["connection"] == "close"


def test_payload_over_10_mb_keeps_api_gateways_text_and_gets_its_headers(gw: Gateway) -> None:
    status, headers, body = exchange(
        gw.port,
        b"POST /dev/ HTTP/1.1\r\n" + HOST + b"Content-Length: 10485761\r\n\r\n",
    )
    # The body is what API Gateway sends (measured: plain text, not JSON).
    assert (status, body) == (413, b"HTTP content length exceeded 10485760 bytes.")
    assert headers["x-amzn-errortype"] == "RequestTooLargeException"
    assert len(headers["x-amzn-requestid"]) == 36
    assert len(headers["x-amz-apigw-id"]) == 16


# -- header values --------------------------------------------------------------------------------


def test_api_key_with_surrounding_whitespace_is_accepted(gw: Gateway) -> None:
    s = seed(gw, rate=1000, burst=1000)
    wait_for_status(gw, s, 200, {"x-api-key": s.key_value})
    for sent in (f"{s.key_value} ", f"{s.key_value}\t ", f"  {s.key_value}  "):
        status, headers, _ = exchange(
            gw.port,
            f"GET /dev/pets HTTP/1.1\r\nHost: {gw.host(s.api_id)}\r\nx-api-key: {sent}\r\n"
            "Connection: close\r\n\r\n".encode(),
        )
        assert status == 200, repr(sent)
        assert headers["x-key-id"] == s.key_id


# -- admin listener body limit --------------------------------------------------------------------


def test_create_function_with_a_9_mb_zip(gw: Gateway) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", "def handler(event, context):\n    return 'big'\n")
        zf.writestr("blob.bin", os.urandom(9 * 1024 * 1024))  # random: incompressible
    data = buf.getvalue()
    assert len(data) > 9 * 1024 * 1024
    lam = client("lambda", gw.admin_port)
    out = lam.create_function(
        FunctionName="big", Runtime="python3.12", Role=ROLE, Handler="app.handler",
        Code={"ZipFile": data},
    )  # fmt: skip
    assert out["CodeSize"] == len(data)
    assert json.loads(lam.invoke(FunctionName="big")["Payload"].read()) == "big"


def _parsed_error(protocol: str, status: int, headers: dict[str, str], body: bytes) -> Any:
    parsed = create_parser(protocol).parse(
        {"status_code": status, "headers": headers, "body": body}, None
    )
    return parsed["Error"]


@pytest.mark.parametrize(
    ("target", "protocol", "operation"),
    [
        ("/2015-03-31/functions", "rest-json", "CreateFunction"),
        ("/2015-03-31/functions/f/code", "rest-json", None),  # PUT below: UpdateFunctionCode
        ("/restapis?mode=import", "rest-json", "ImportRestApi"),
    ],
)
def test_admin_body_over_70_mb_is_an_aws_shaped_413(
    gw: Gateway, target: str, protocol: str, operation: str | None
) -> None:
    method = "PUT" if target.endswith("/code") else "POST"
    operation = operation or "UpdateFunctionCode"
    status, headers, body = exchange(
        gw.admin_port,
        f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {70_167_211 + 1}\r\n\r\n".encode(),
    )
    assert status == 413
    assert headers["content-type"] == "application/json"
    assert len(headers["x-amzn-requestid"]) == 36
    error = _parsed_error(protocol, status, headers, body)
    assert error["Code"] == "RequestEntityTooLargeException"
    assert error["Message"] == (
        f"Request must be smaller than 70167211 bytes for the {operation} operation"
    )
    if target.startswith("/2015"):
        assert json.loads(body)["Type"] == "User"


def test_admin_framing_errors_carry_a_request_id(gw: Gateway) -> None:
    status, headers, body = exchange(gw.admin_port, b"NOT A REQUEST LINE\r\n\r\n")
    assert (status, json.loads(body)) == (400, {"message": "Bad Request"})
    assert len(headers["x-amzn-requestid"]) == 36
    assert headers["x-amzn-errortype"] == "BadRequestException"


# -- connection caps ------------------------------------------------------------------------------


def _metric(gw: Gateway, line_start: str) -> int:
    status, _, body = exchange(
        gw.admin_port, b"GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
    )
    assert status == 200
    for line in body.decode().splitlines():
        if line.startswith(line_start + " "):
            return int(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no {line_start} in /metrics")


def _closed_on_arrival(port: int, source: str = "127.0.0.1") -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0)) as s:
        try:
            s.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            return s.recv(100) == b""
        except ConnectionError:
            return True


def _held(port: int, n: int, source: str = "127.0.0.1") -> list[socket.socket]:
    """``n`` kept-alive connections, each proven admitted by an answered request."""
    out = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
        s.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        assert s.recv(100).startswith(b"HTTP/1.1 403")
        out.append(s)
    return out


def test_full_data_plane_closes_new_connections_and_admin_still_answers(tmp_path: Path) -> None:
    with Gateway(tmp_path, "--max-connections", "4") as gw:
        held = _held(gw.port, 4)
        try:
            assert _closed_on_arrival(gw.port)
            assert _closed_on_arrival(gw.port)
            # The operator is not locked out.
            assert gw.admin_client().get_rest_apis()["items"] == []
            refused = 'frontgate_connections_refused_total{listener="data",reason="total"}'
            assert _metric(gw, refused) == 2
            assert _metric(gw, 'frontgate_connections_open{listener="data"}') == 4
            assert _metric(gw, 'frontgate_connections_limit{listener="data"}') == 4
        finally:
            held.pop().close()
        # A freed place is taken again.
        deadline = time.monotonic() + 30  # only catches a hang
        while _closed_on_arrival(gw.port):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        for s in held:
            s.close()


def test_per_client_cap_counts_by_address(tmp_path: Path) -> None:
    with Gateway(tmp_path, "--max-connections-per-client", "2") as gw:
        held = _held(gw.port, 2)
        try:
            assert _closed_on_arrival(gw.port)
            # Another address still gets in.
            held += _held(gw.port, 1, source="127.0.0.2")
            refused = 'frontgate_connections_refused_total{listener="data",reason="per_client"}'
            assert _metric(gw, refused) == 1
        finally:
            for s in held:
                s.close()


def _low_fd_limit() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))


def test_a_connection_flood_cannot_use_up_the_file_descriptors(tmp_path: Path) -> None:
    # With an open-file limit of 256 and no caps configured, 300 idle connections used to take
    # every descriptor: the admin API stopped accepting too. The default cap is derived from
    # the limit, so the flood is closed on arrival and the node stays reachable.
    with Gateway(tmp_path, preexec=_low_fd_limit) as gw:
        flood = []
        try:
            for _ in range(300):
                flood.append(socket.create_connection(("127.0.0.1", gw.port), timeout=5))
            admin = boto3.client(
                "apigateway", endpoint_url=f"http://127.0.0.1:{gw.admin_port}",
                region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test",
                config=Config(retries={"max_attempts": 0}, read_timeout=10, connect_timeout=5),
            )  # fmt: skip
            assert admin.get_rest_apis()["items"] == []
            limit = _metric(gw, 'frontgate_connections_limit{listener="data"}')
            assert 0 < limit < 256
            refused = _metric(
                gw, 'frontgate_connections_refused_total{listener="data",reason="total"}'
            )
            assert refused >= 300 - limit
        finally:
            for s in flood:
                s.close()
        # Once the flood is gone the data plane serves again.
        deadline = time.monotonic() + 30  # only catches a hang
        while _closed_on_arrival(gw.port):
            assert time.monotonic() < deadline
            time.sleep(0.05)


def test_admin_body_over_70_mb_for_iam_is_an_xml_413(gw: Gateway) -> None:
    status, headers, body = exchange(
        gw.admin_port,
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n"
        + f"Content-Length: {70_167_211 + 1}\r\n\r\n".encode(),
    )
    assert status == 413 and headers["content-type"] == "text/xml"
    error = _parsed_error("query", status, headers, body)
    assert error["Code"] == "RequestEntityTooLarge"
    assert error["Message"] == "Request must be smaller than 70167211 bytes"


# -- settings -------------------------------------------------------------------------------------


def test_connection_settings_from_file_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "frontgate.yaml"
    cfg.write_text("max-connections: 500\nheader-timeout: 5\n")
    monkeypatch.setenv("FRONTGATE_MAX_CONNECTIONS_PER_CLIENT", "0")
    monkeypatch.setenv("FRONTGATE_KEEPALIVE_TIMEOUT", "7.5")
    s = load_settings(str(cfg), {})
    assert (s.max_connections, s.max_connections_per_client) == (500, 0)
    assert (s.header_timeout, s.keepalive_timeout) == (5.0, 7.5)
    with pytest.raises(ValueError, match="--max-connections must be at least 1"):
        load_settings(None, {"max_connections": 0})
    with pytest.raises(ValueError, match="--header-timeout"):
        load_settings(None, {"header_timeout": 0})


@pytest.mark.parametrize(
    ("nofile", "data", "admin"),
    [(256, 85, 21), (1024, 341, 85), (65_536, 32_256, 256), (1_048_576, 523_776, 256)],
)
def test_default_caps_leave_a_reserve(nofile: int, data: int, admin: int) -> None:
    assert (default_max_connections(nofile), admin_max_connections(nofile)) == (data, admin)
    # Every data connection with one upstream connection, the admin listener and the reserve's
    # other descriptors fit in the limit.
    assert 2 * data + admin < nofile
