"""Binary media types and ``contentHandling`` on REST non-proxy integrations (HTTP, MOCK), end to
end: a real ``frontgate serve`` configured with boto3, a loopback upstream that records the exact
bytes it receives and answers binary or base64 text, real HTTP requests."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from tests.support.gateway import Gateway

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\x00\x01binary"
PNG_B64 = base64.b64encode(PNG)
TYPE_MAPPING = {"method.response.header.Content-Type": "integration.response.header.Content-Type"}


class _Recorder(BaseHTTPRequestHandler):
    """``/record``: keeps the body it got; ``/png``: answers PNG bytes as image/png; ``/b64``:
    answers the same bytes base64-encoded as text/plain."""

    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.bodies.append(body)
        if self.path == "/png":
            ctype, out = "image/png", PNG
        elif self.path == "/b64":
            ctype, out = "text/plain", PNG_B64
        else:
            ctype, out = "application/json", json.dumps({"len": len(body)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    bodies: list[bytes]


@pytest.fixture(scope="module")
def recorder() -> Iterator[_Server]:
    server = _Server(("127.0.0.1", 0), _Recorder)
    server.bodies = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with Gateway(Path(tmp_path_factory.mktemp("binary"))) as g:
        yield g


class Api:
    def __init__(self, gw: Gateway, name: str, binary: list[str]) -> None:
        self.gw = gw
        self.c = gw.admin_client()
        kw: dict[str, Any] = {"binaryMediaTypes": binary} if binary else {}
        self.id = str(self.c.create_rest_api(name=name, **kw)["id"])
        self.root = self.c.get_resources(restApiId=self.id)["items"][0]["id"]

    def method(self, path: str, integ: dict[str, Any], **response: Any) -> None:
        c, api = self.c, self.id
        rid = c.create_resource(restApiId=api, parentId=self.root, pathPart=path)["id"]
        c.put_method(restApiId=api, resourceId=rid, httpMethod="ANY", authorizationType="NONE")
        c.put_integration(restApiId=api, resourceId=rid, httpMethod="ANY", **integ)
        params = response.get("responseParameters", {})
        c.put_method_response(
            restApiId=api, resourceId=rid, httpMethod="ANY", statusCode="200",
            responseParameters={k: False for k in params},
        )  # fmt: skip
        c.put_integration_response(
            restApiId=api, resourceId=rid, httpMethod="ANY", statusCode="200", **response
        )

    def deploy(self) -> None:
        self.c.create_deployment(restApiId=self.id, stageName="dev")

    def call(
        self, verb: str, path: str, body: bytes | None = None, **headers: str
    ) -> tuple[int, dict[str, str], bytes]:
        deadline = time.monotonic() + 10
        while True:
            got = self.gw.request(verb, f"/dev{path}", body=body, headers=headers, api_id=self.id)
            if got[0] != 403 or time.monotonic() > deadline:
                return got
            time.sleep(0.05)


def http(recorder: _Server, path: str, **extra: Any) -> dict[str, Any]:
    port = recorder.server_address[1]
    return {
        "type": "HTTP", "integrationHttpMethod": "POST",
        "uri": f"http://127.0.0.1:{port}{path}", **extra,
    }  # fmt: skip


def test_request_conversions(gw: Gateway, recorder: _Server) -> None:
    api = Api(gw, "binary-in", ["image/png"])
    api.method("upload", http(recorder, "/record"))
    api.method("totext", http(recorder, "/record", contentHandling="CONVERT_TO_TEXT"))
    api.method("tobinary", http(recorder, "/record", contentHandling="CONVERT_TO_BINARY"))
    template = {"image/png": '{"data": "$input.body"}'}
    api.method("templated", http(recorder, "/record", requestTemplates=template))
    api.deploy()
    png = {"Content-Type": "image/png"}

    def sent(path: str, body: bytes, **headers: str) -> bytes:
        status, _, answer = api.call("POST", path, body, **headers)
        assert status == 200, answer
        return recorder.bodies[-1]

    # Binary passes through untouched, byte for byte.
    assert sent("/upload", PNG, **png) == PNG
    # CONVERT_TO_TEXT: a binary payload arrives as its base64 text; text as it is.
    assert sent("/totext", PNG, **png) == PNG_B64
    assert sent("/totext", b'{"a": 1}', **{"Content-Type": "application/json"}) == b'{"a": 1}'
    # CONVERT_TO_BINARY: a text payload is base64-decoded; a binary one passes.
    assert sent("/tobinary", PNG_B64, **{"Content-Type": "text/plain"}) == PNG
    assert sent("/tobinary", PNG, **png) == PNG
    # With a template, $input.body of a binary payload is its base64 text.
    assert json.loads(sent("/templated", PNG, **png)) == {"data": PNG_B64.decode()}
    # Text that is not base64 cannot be converted: AWS's 500.
    status, _, body = api.call(
        "POST", "/tobinary", b"not base64!", **{"Content-Type": "text/plain"}
    )
    assert status == 500
    assert json.loads(body) == {"message": "Internal server error"}


def test_response_conversions(gw: Gateway, recorder: _Server) -> None:
    api = Api(gw, "binary-out", ["image/png"])
    typed = {"responseParameters": TYPE_MAPPING}
    api.method("image", http(recorder, "/png"), **typed)
    api.method("imagetext", http(recorder, "/png"), contentHandling="CONVERT_TO_TEXT", **typed)
    api.method("b64", http(recorder, "/b64"), **typed)
    api.method("b64binary", http(recorder, "/b64"), contentHandling="CONVERT_TO_BINARY", **typed)
    api.deploy()
    as_png = {"Accept": "image/png"}
    as_json = {"Accept": "application/json"}

    # A binary payload: binary for a client that accepts it, base64 text for one that does not.
    status, headers, body = api.call("GET", "/image", **as_png)
    assert (status, body) == (200, PNG)
    assert headers["content-type"] == "image/png"
    assert api.call("GET", "/image", **as_json)[2] == PNG_B64
    # AWS reads only the first media type of Accept.
    assert api.call("GET", "/image", **{"Accept": "application/json, image/png"})[2] == PNG_B64
    # CONVERT_TO_TEXT: base64 text whatever the client accepts.
    assert api.call("GET", "/imagetext", **as_png)[2] == PNG_B64
    # A text payload: decoded for a client that accepts binary, as it is for one that does not.
    assert api.call("GET", "/b64", **as_png)[2] == PNG
    assert api.call("GET", "/b64", **as_json)[2] == PNG_B64
    # CONVERT_TO_BINARY: decoded whatever the client accepts.
    status, headers, body = api.call("GET", "/b64binary", **as_json)
    assert (status, body) == (200, PNG)


def test_mock_and_templates(gw: Gateway) -> None:
    api = Api(gw, "binary-mock", ["image/png"])
    # The MOCK's request template sees a binary body as base64 text.
    status_template = '#if($input.body == "AAEC"){"statusCode": 200}#else{"statusCode": 400}#end'
    api.method(
        "check",
        {"type": "MOCK", "requestTemplates": {"image/png": status_template}},
        responseTemplates={"application/json": '{"ok": true}'},
    )
    # A response template's output (base64 text) converted to binary.
    api.method(
        "picture",
        {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}},
        contentHandling="CONVERT_TO_BINARY",
        responseTemplates={"application/json": PNG_B64.decode()},
    )
    api.deploy()
    status, _, body = api.call("POST", "/check", b"\x00\x01\x02", **{"Content-Type": "image/png"})
    assert (status, body) == (200, b'{"ok": true}')
    status, _, body = api.call("GET", "/picture")
    assert (status, body) == (200, PNG)


def test_without_binary_media_types_bytes_pass_through(gw: Gateway, recorder: _Server) -> None:
    api = Api(gw, "binary-none", [])
    api.method("upload", http(recorder, "/record"))
    api.method("image", http(recorder, "/png"), responseParameters=TYPE_MAPPING)
    api.deploy()
    status, _, _ = api.call("POST", "/upload", PNG, **{"Content-Type": "image/png"})
    assert status == 200 and recorder.bodies[-1] == PNG
    assert api.call("GET", "/image", **{"Accept": "image/png"})[2] == PNG
