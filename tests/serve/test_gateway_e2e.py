"""End to end: the real ``frontgate serve`` serving an AWS-exported OpenAPI file in front of a
real loopback upstream, driven over real sockets."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.gateway import Gateway
from tests.support.upstream import Upstream

FIXTURE = Path(__file__).parent.parent / "fixtures" / "petstore-oas30.yaml"


@pytest.fixture(scope="module")
def upstream() -> Iterator[Upstream]:
    with Upstream() as up:
        yield up


@pytest.fixture(scope="module")
def gw(upstream: Upstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("gw")
    api = tmp / "petstore.yaml"
    api.write_text(FIXTURE.read_text().replace("UPSTREAM", f"http://127.0.0.1:{upstream.port}"))
    with Gateway(tmp / "data", "--api", str(api)) as gateway:
        yield gateway


def echo(body: bytes) -> dict:  # type: ignore[type-arg]
    return dict(json.loads(body))


def test_http_proxy_passes_request_through(gw: Gateway) -> None:
    status, headers, body = gw.request(
        "GET", "/dev/pets?type=dog&type=cat&x=a%20b", headers={"X-Custom": "Value"}
    )
    assert status == 200
    doc = echo(body)
    assert doc["path"] == "/pets"
    assert doc["query"] == "type=dog&type=cat&x=a%20b"
    sent = {k.lower(): v for k, v in doc["headers"]}
    assert sent["x-custom"] == "Value"
    assert sent["x-forwarded-for"] == "127.0.0.1"
    assert sent["x-forwarded-proto"] == "http"
    assert sent["x-forwarded-port"] == str(gw.port)
    assert sent["host"].startswith("127.0.0.1:")
    assert "connection" not in sent or sent["connection"].lower() == "keep-alive"
    # AWS's per-response headers, and upstream headers AWS remaps.
    assert len(headers["x-amzn-requestid"]) == 36
    assert len(headers["x-amz-apigw-id"]) == 16 and headers["x-amz-apigw-id"].endswith("=")
    assert headers["x-amzn-remapped-server"] == "test-upstream"
    assert "x-amzn-remapped-content-length" in headers
    assert "x-amzn-remapped-date" in headers


def test_hop_by_hop_headers_are_not_forwarded(gw: Gateway) -> None:
    status, _, body = gw.request(
        "GET",
        "/dev/pets",
        headers={
            "Connection": "keep-alive, X-Secret-Hop",
            "Keep-Alive": "timeout=5",
            "TE": "trailers",
            "Proxy-Authorization": "Basic Zm9vOmJhcg==",
            "X-Forwarded-For": "10.1.1.1",
        },
    )
    assert status == 200
    sent = {k.lower(): v for k, v in echo(body)["headers"]}
    for name in ("keep-alive", "te", "proxy-authorization"):
        assert name not in sent
    assert sent["x-forwarded-for"] == "10.1.1.1, 127.0.0.1"


def test_post_body_reaches_upstream(gw: Gateway) -> None:
    payload = json.dumps({"name": "rex", "blob": "x" * 50_000}).encode()
    status, _, body = gw.request(
        "POST", "/dev/pets", body=payload, headers={"Content-Type": "application/json"}
    )
    assert status == 200
    doc = echo(body)
    assert doc["method"] == "POST"
    assert doc["body"] == payload.decode()


def test_chunked_upload_is_decoded_for_upstream(gw: Gateway) -> None:
    with socket.create_connection(("127.0.0.1", gw.port), timeout=10) as s:
        s.sendall(
            f"POST /dev/pets HTTP/1.1\r\nHost: {gw.host()}\r\nTransfer-Encoding: chunked\r\n"
            "Content-Type: text/plain\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n".encode()
        )
        data = _read_response(s)
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert echo(body)["body"] == "hello world"


def _read_response(s: socket.socket) -> bytes:
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += s.recv(65536)
    head, _, rest = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        rest += s.recv(65536)
    return head + b"\r\n\r\n" + rest


def test_path_parameter_and_request_parameter_mapping(gw: Gateway) -> None:
    status, _, body = gw.request("GET", "/dev/pets/42")
    assert status == 200
    doc = echo(body)
    assert doc["path"] == "/pets/42"
    sent = {k.lower(): v for k, v in doc["headers"]}
    assert sent["x-user"] == "42"


def test_static_path_beats_parameter(gw: Gateway) -> None:
    status, _, body = gw.request("GET", "/dev/pets/mine")
    assert status == 200
    assert json.loads(body) == {"mine": True}


def test_greedy_path_with_any_method(gw: Gateway) -> None:
    status, _, body = gw.request("DELETE", "/dev/files/a/b/c.txt?v=1")
    assert status == 200
    doc = echo(body)
    assert doc["method"] == "DELETE"
    assert doc["path"] == "/files/a/b/c.txt"
    assert doc["query"] == "v=1"


def test_http_non_proxy_maps_only_configured_parameters(gw: Gateway) -> None:
    status, headers, body = gw.request(
        "GET", "/dev/legacy/7?q=blue&other=1", headers={"X-Not-Forwarded": "1"}
    )
    assert status == 200
    doc = echo(body)
    assert doc["path"] == "/items/7"
    assert doc["query"] == "search=blue"
    sent = {k.lower(): v for k, v in doc["headers"]}
    assert sent["x-static"] == "fixed"
    assert "x-not-forwarded" not in sent
    assert headers["x-upstream-server"] == "test-upstream"
    assert "x-amzn-remapped-server" not in headers
    assert headers["content-type"] == "application/json"


def test_cors_options_mock_recipe(gw: Gateway) -> None:
    status, headers, body = gw.request("OPTIONS", "/dev/pets")
    assert status == 200
    assert headers["access-control-allow-origin"] == "*"
    assert headers["access-control-allow-methods"] == "GET,OPTIONS,POST"
    assert headers["access-control-allow-headers"].startswith("Content-Type,X-Amz-Date")
    assert body == b""


def test_unknown_route_and_method_are_missing_authentication_token(gw: Gateway) -> None:
    for method, path in (("GET", "/dev/nothing"), ("PUT", "/dev/pets")):
        status, headers, body = gw.request(method, path)
        assert status == 403
        assert body == b'{"message":"Missing Authentication Token"}'
        assert headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
        assert "x-amzn-requestid" in headers


def test_unknown_stage_and_api_are_forbidden(gw: Gateway) -> None:
    status, headers, body = gw.request("GET", "/prod/pets")
    assert (status, body) == (403, b'{"message":"Forbidden"}')
    assert headers["x-amzn-errortype"] == "ForbiddenException"
    status, _, body = gw.request("GET", "/dev/pets", api_id="nosuchapi0")
    assert (status, body) == (403, b'{"message":"Forbidden"}')


def test_path_based_invoke_form(gw: Gateway) -> None:
    status, _, body = gw.request(
        "GET", f"/_aws/execute-api/{gw.api_id}/dev/pets/mine", api_id="ignored"
    )
    assert status == 200
    assert json.loads(body) == {"mine": True}


def test_integration_timeout_honours_timeout_in_millis(gw: Gateway) -> None:
    status, headers, body = gw.request("GET", "/dev/slow")
    assert status == 504
    assert body == b'{"message": "Endpoint request timed out"}'
    assert "x-amzn-requestid" in headers


def test_upstream_down_is_an_integration_failure(gw: Gateway) -> None:
    status, _, body = gw.request("GET", "/dev/down")
    assert status == 504
    assert json.loads(body)["message"] == "Network error communicating with endpoint"


def test_aws_proxy_until_functions_land_is_internal_error(gw: Gateway) -> None:
    status, headers, body = gw.request("POST", "/dev/lambda", body=b"{}")
    assert status == 500
    assert body == b'{"message": "Internal server error"}'
    assert headers["x-amzn-errortype"] == "InternalServerErrorException"


def test_payload_over_10_mb_is_413_plain_text(gw: Gateway) -> None:
    with socket.create_connection(("127.0.0.1", gw.port), timeout=10) as s:
        s.sendall(
            f"POST /dev/pets HTTP/1.1\r\nHost: {gw.host()}\r\n"
            f"Content-Length: {10 * 1024 * 1024 + 1}\r\n\r\n".encode()
        )
        data = _read_response(s)
    assert data.startswith(b"HTTP/1.1 413")
    assert data.endswith(b"HTTP content length exceeded 10485760 bytes.")


def test_oversized_headers_are_refused(gw: Gateway) -> None:
    with socket.create_connection(("127.0.0.1", gw.port), timeout=10) as s:
        s.sendall(
            f"GET /dev/pets HTTP/1.1\r\nHost: {gw.host()}\r\nX-Big: {'a' * 11000}\r\n\r\n".encode()
        )
        data = _read_response(s)
    assert data.startswith(b"HTTP/1.1 431")


def test_malformed_request_gets_400_and_close(gw: Gateway) -> None:
    with socket.create_connection(("127.0.0.1", gw.port), timeout=10) as s:
        s.sendall(
            b"POST /dev/pets HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        )
        data = _read_response(s)
        assert data.startswith(b"HTTP/1.1 400")
        assert s.recv(100) == b""
    # The worker is still serving.
    assert gw.request("GET", "/dev/pets/mine")[0] == 200
