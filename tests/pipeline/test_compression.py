"""Payload compression (``minimumCompressionSize``) end to end: a real ``frontgate serve``, APIs
set up with boto3 and the AWS CLI, a loopback upstream, real clients (http.client, curl)."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.awscli import run_aws
from tests.support.gateway import Gateway
from tests.support.upstream import Upstream

Result = tuple[int, dict[str, str], bytes]
MINIMUM = 1000
CODING_MAPPING = "integration.response.header.Content-Encoding"
PAD = "x" * 1500  # the echoed request is over MINIMUM with this, under it without


@pytest.fixture(scope="module")
def upstream() -> Iterator[Upstream]:
    with Upstream() as up:
        yield up


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with Gateway(Path(tmp_path_factory.mktemp("gzip"))) as g:
        yield g


def http_echo(base: str) -> dict[str, Any]:
    return {"type": "HTTP", "integrationHttpMethod": "POST", "uri": f"{base}/echo"}


def _method(c: Any, api_id: str, parent: str, path: str, integ: dict[str, Any], **kw: Any) -> None:
    rid = c.create_resource(restApiId=api_id, parentId=parent, pathPart=path)["id"]
    c.put_method(restApiId=api_id, resourceId=rid, httpMethod="ANY", authorizationType="NONE")
    c.put_integration(restApiId=api_id, resourceId=rid, httpMethod="ANY", **integ)
    if integ["type"] in ("HTTP", "MOCK"):
        declared = {k: False for k in kw.get("responseParameters", {})}
        c.put_method_response(
            restApiId=api_id, resourceId=rid, httpMethod="ANY", statusCode="200",
            responseParameters=declared,
        )  # fmt: skip
        c.put_integration_response(
            restApiId=api_id, resourceId=rid, httpMethod="ANY", statusCode="200", **kw
        )


@pytest.fixture(scope="module")
def api(gw: Gateway, upstream: Upstream) -> str:
    c = gw.admin_client()
    api_id = str(c.create_rest_api(name="gzip", minimumCompressionSize=MINIMUM)["id"])
    root = c.get_resources(restApiId=api_id)["items"][0]["id"]
    base = f"http://127.0.0.1:{upstream.port}"
    proxy = {"type": "HTTP_PROXY", "integrationHttpMethod": "ANY", "uri": f"{base}/echo"}
    _method(c, api_id, root, "proxy", proxy)
    # The integration compressed its answer itself (it says so): left alone.
    encoded = {**proxy, "uri": f"{base}/headers?Content-Encoding=br"}
    _method(c, api_id, root, "encoded", encoded)
    # The same through a non-proxy integration, its Content-Encoding mapped to the client.
    coded = {**http_echo(base), "uri": f"{base}/headers?Content-Encoding=br"}
    _method(
        c, api_id, root, "encodedhttp", coded,
        responseParameters={"method.response.header.Content-Encoding": CODING_MAPPING},
    )  # fmt: skip
    mock = {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}}
    echo = {"application/json": '{"pad": "$input.params(\'pad\')"}'}
    _method(c, api_id, root, "mock", mock, responseTemplates=echo)
    http = {
        "type": "HTTP", "integrationHttpMethod": "POST", "uri": f"{base}/echo",
        "requestTemplates": {"application/json": '{"got": $input.json(\'$\')}'},
    }  # fmt: skip
    _method(c, api_id, root, "http", http)
    c.create_deployment(restApiId=api_id, stageName="dev")
    return api_id


def until(fetch: Callable[[], Result], ok: Callable[[Result], bool]) -> Result:
    """``fetch()`` again until ``ok`` (a deployment takes a moment to reach the data plane)."""
    deadline = time.monotonic() + 10
    while True:
        got = fetch()
        if ok(got) or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def post(gw: Gateway, api: str, path: str, body: bytes, **headers: str) -> Result:
    return gw.request("POST", f"/dev{path}", body=body, headers=headers, api_id=api)


def echoed(body: bytes) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(body)
    return doc


def test_responses_over_the_minimum_are_compressed(gw: Gateway, api: str) -> None:
    big = PAD.encode()
    status, headers, body = until(
        lambda: post(gw, api, "/proxy", big, **{"Accept-Encoding": "gzip"}), lambda r: r[0] == 200
    )
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert int(headers["content-length"]) == len(body) < len(PAD)
    assert echoed(gzip.decompress(body))["body"] == PAD
    # deflate is the zlib format (RFC 9110).
    _, headers, body = post(gw, api, "/proxy", big, **{"Accept-Encoding": "deflate"})
    assert headers["content-encoding"] == "deflate"
    assert echoed(zlib.decompress(body))["body"] == PAD
    # Under the minimum: as it was.
    _, headers, body = post(gw, api, "/proxy", b"small", **{"Accept-Encoding": "gzip"})
    assert "content-encoding" not in headers
    assert echoed(body)["body"] == "small"


@pytest.mark.parametrize(
    ("accept", "coding"),
    [
        ("gzip, deflate, br", "gzip"),
        ("deflate;q=0.5, gzip;q=0.9", "gzip"),
        ("gzip;q=0.2, deflate", "deflate"),
        ("br, gzip", "gzip"),
        ("br;q=1.0, gzip;q=0.5", None),  # the highest priority is one AWS does not support
        ("identity", None),
        ("*", None),
        ("gzip;q=0", None),
        (None, None),  # no Accept-Encoding: not compressed
    ],
)
def test_accept_encoding_is_honoured(
    gw: Gateway, api: str, accept: str | None, coding: str | None
) -> None:
    headers = {"Accept-Encoding": accept} if accept is not None else {}
    status, got, body = until(
        lambda: post(gw, api, "/proxy", PAD.encode(), **headers), lambda r: r[0] == 200
    )
    assert status == 200
    assert got.get("content-encoding") == coding
    if coding == "gzip":
        body = gzip.decompress(body)
    elif coding == "deflate":
        body = zlib.decompress(body)
    assert echoed(body)["body"] == PAD


def test_non_proxy_and_precompressed_responses(gw: Gateway, api: str) -> None:
    # MOCK: the body after the response template is what is measured and compressed.
    path = f"/dev/mock?pad={PAD}"
    status, headers, body = until(
        lambda: gw.request("GET", path, headers={"Accept-Encoding": "gzip"}, api_id=api),
        lambda r: r[0] == 200,
    )
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert json.loads(gzip.decompress(body)) == {"pad": PAD}
    # An integration response with its own Content-Encoding is not compressed again.
    _, headers, body = post(gw, api, "/encoded", PAD.encode(), **{"Accept-Encoding": "gzip"})
    assert headers.get("content-encoding") != "gzip"
    assert echoed(body)["body"] == PAD
    _, headers, body = post(gw, api, "/encodedhttp", PAD.encode(), **{"Accept-Encoding": "gzip"})
    assert headers["content-encoding"] == "br"
    assert echoed(body)["body"] == PAD


def test_request_bodies_are_decompressed(gw: Gateway, api: str) -> None:
    doc = {"msg": "hello", "pad": PAD}
    raw = json.dumps(doc).encode()
    status, _, body = until(
        lambda: post(gw, api, "/proxy", gzip.compress(raw), **{"Content-Encoding": "gzip"}),
        lambda r: r[0] == 200,
    )
    assert status == 200
    seen = echoed(body)
    assert seen["body"] == raw.decode()
    assert not [h for h in seen["headers"] if h[0].lower() == "content-encoding"]
    # deflate (zlib data), and the raw deflate some clients send; identity is as is.
    raw_deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    for coded, coding in (
        (zlib.compress(raw), "deflate"),
        (raw_deflate.compress(raw) + raw_deflate.flush(), "deflate"),
        (raw, "identity"),
    ):
        status, _, body = post(gw, api, "/proxy", coded, **{"Content-Encoding": coding})
        assert status == 200 and echoed(body)["body"] == raw.decode()
    # A mapping template reads the decoded body.
    status, _, body = post(
        gw, api, "/http", gzip.compress(raw),
        **{"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )  # fmt: skip
    assert status == 200
    assert json.loads(echoed(body)["body"]) == {"got": doc}


def test_bad_request_encodings(gw: Gateway, api: str) -> None:
    until(lambda: post(gw, api, "/proxy", b"x"), lambda r: r[0] == 200)
    for coded, coding in ((b"abc", "br"), (b"not gzip at all", "gzip"), (b"nope", "deflate")):
        status, headers, body = post(gw, api, "/proxy", coded, **{"Content-Encoding": coding})
        assert status == 415, (coding, body)
        assert json.loads(body) == {"message": "Unsupported Media Type"}
        assert headers["x-amzn-errortype"] == "UnsupportedMediaTypeException"
    # Truncated gzip data is not gzip data.
    status, _, _ = post(
        gw, api, "/proxy", gzip.compress(b"abc" * 100)[:-10], **{"Content-Encoding": "gzip"}
    )
    assert status == 415
    # What decodes to more than the 10 MB payload quota is refused.
    bomb = gzip.compress(b"\0" * (10 * 1024 * 1024 + 1))
    status, _, body = post(gw, api, "/proxy", bomb, **{"Content-Encoding": "gzip"})
    assert status == 413
    assert json.loads(body) == {"message": "Request Entity Too Large"}


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_compressed(gw: Gateway, api: str) -> None:
    until(lambda: post(gw, api, "/proxy", b"x"), lambda r: r[0] == 200)
    out = subprocess.run(
        ["curl", "-s", "--compressed", "-D", "-", "-H", f"Host: {gw.host(api)}",
         "--data-binary", PAD, f"http://127.0.0.1:{gw.port}/dev/proxy"],
        capture_output=True, timeout=30, check=True,
    )  # fmt: skip
    head, _, body = out.stdout.partition(b"\r\n\r\n")
    # curl asks for "deflate, gzip, br, zstd" (the order depends on its build): the first
    # supported coding of the highest weight is used.
    lines = head.lower().split(b"\r\n")
    assert b"content-encoding: deflate" in lines or b"content-encoding: gzip" in lines
    assert echoed(body)["body"] == PAD  # curl decoded it


def test_the_setting_changed_with_the_cli(gw: Gateway, upstream: Upstream) -> None:
    c = gw.admin_client()
    api = str(c.create_rest_api(name="gzip-cli")["id"])
    root = c.get_resources(restApiId=api)["items"][0]["id"]
    proxy = {
        "type": "HTTP_PROXY", "integrationHttpMethod": "ANY",
        "uri": f"http://127.0.0.1:{upstream.port}/echo",
    }  # fmt: skip
    _method(c, api, root, "proxy", proxy)
    c.create_deployment(restApiId=api, stageName="dev")
    url = f"http://127.0.0.1:{gw.admin_port}"
    gz = {"Accept-Encoding": "gzip"}

    def call() -> Result:
        return post(gw, api, "/proxy", b"tiny", **gz)

    # Not configured: nothing compressed, and a coded request body reaches the backend coded.
    status, headers, body = until(call, lambda r: r[0] == 200)
    assert status == 200 and "content-encoding" not in headers
    _, _, body = post(gw, api, "/proxy", gzip.compress(b"tiny"), **{"Content-Encoding": "gzip"})
    assert ["Content-Encoding", "gzip"] in echoed(body)["headers"]

    def set_minimum(value: str) -> None:
        op = f"op=replace,path=/minimumCompressionSize,value={value}"
        done = run_aws(url, "apigateway", "update-rest-api", "--rest-api-id", api,
                       "--patch-operations", op)  # fmt: skip
        assert done.returncode == 0, done.stderr
        done = run_aws(url, "apigateway", "create-deployment", "--rest-api-id", api,
                       "--stage-name", "dev")  # fmt: skip
        assert done.returncode == 0, done.stderr

    set_minimum("0")  # every size
    status, headers, body = until(call, lambda r: "content-encoding" in r[1])
    assert headers["content-encoding"] == "gzip"
    assert echoed(gzip.decompress(body))["body"] == "tiny"
    _, _, body = post(gw, api, "/proxy", gzip.compress(b"tiny"), **{"Content-Encoding": "gzip"})
    assert echoed(body)["body"] == "tiny"
    set_minimum("")  # off again
    status, headers, body = until(call, lambda r: "content-encoding" not in r[1])
    assert status == 200 and "content-encoding" not in headers


def test_a_signed_compressed_body_is_verified_as_sent(gw: Gateway, upstream: Upstream) -> None:
    """SigV4 signs the body as sent (compressed) and its Content-Encoding: decoding comes after
    authorization, so the signature still verifies, and the backend gets the decoded body."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    c = gw.admin_client()
    api = str(c.create_rest_api(name="gzip-iam", minimumCompressionSize=0)["id"])
    root = c.get_resources(restApiId=api)["items"][0]["id"]
    rid = c.create_resource(restApiId=api, parentId=root, pathPart="iam")["id"]
    c.put_method(restApiId=api, resourceId=rid, httpMethod="POST", authorizationType="AWS_IAM")
    c.put_integration(
        restApiId=api, resourceId=rid, httpMethod="POST", type="HTTP_PROXY",
        integrationHttpMethod="POST", uri=f"http://127.0.0.1:{upstream.port}/echo",
    )  # fmt: skip
    c.create_deployment(restApiId=api, stageName="dev")
    iam = gw.admin_client("iam")
    iam.create_user(UserName="zipper")
    allow = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]}  # fmt: skip
    iam.put_user_policy(UserName="zipper", PolicyName="invoke", PolicyDocument=json.dumps(allow))
    key = iam.create_access_key(UserName="zipper")["AccessKey"]
    host = gw.host(api)
    coded = gzip.compress(b'{"signed": true}')

    def call() -> Result:
        req = AWSRequest(
            method="POST", url=f"http://{host}/dev/iam", data=coded,
            headers={"Host": host, "Content-Encoding": "gzip"},
        )  # fmt: skip
        creds = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
        SigV4Auth(creds, "execute-api", "us-east-1").add_auth(req)
        return gw.request(
            "POST", "/dev/iam", body=coded, headers=dict(req.headers.items()), api_id=api
        )

    status, _, body = until(call, lambda r: r[0] == 200)
    assert status == 200, body
    assert echoed(body)["body"] == '{"signed": true}'
