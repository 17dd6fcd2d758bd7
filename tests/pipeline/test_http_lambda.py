"""HTTP API Lambda proxy integrations end to end: a real ``frontgate serve`` with functions from
``--functions-dir``; payload format 2.0 (event fields, response inference, cookies) and 1.0
(REST's event with the HTTP API differences), and the source ARN the function's permission
sees."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.gateway import Gateway
from tests.support.httpapis import lambda_proxy, route, stage, wait_for, write_http_api

API = "httpapi010"
ECHO = """
import json

def handler(event, context):
    return {"statusCode": 201, "headers": {"x-fn": "yes"}, "cookies": ["a=1", "b=2"],
            "body": json.dumps(event)}
"""
PLAIN = """
def handler(event, context):
    return event["queryStringParameters"]["say"] if event.get("rawQueryString") else {"n": 1}
"""
V1 = """
import json

def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event)}
"""
ORDERS = """
import json

def handler(event, context):
    return [{"id": 1}]
"""
BROKEN = """
def handler(event, context):
    raise ValueError("no")
"""


def _function(root: Path, name: str, code: str, permissions: list[str]) -> None:
    fn = root / name
    fn.mkdir(parents=True)
    (fn / "app.py").write_text(code)
    (fn / "function.json").write_text(json.dumps({"Permissions": permissions}))


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("httpfn")
    anywhere = [f"arn:aws:execute-api:us-east-1:000000000000:{API}/*"]
    for name, code in (("echo", ECHO), ("plain", PLAIN), ("v1", V1), ("broken", BROKEN)):
        _function(tmp / "fns", name, code, anywhere)
    # As the HTTP API tutorial grants it: only GET /orders on any stage.
    _function(tmp / "fns", "orders", ORDERS,
              [f"arn:aws:execute-api:us-east-1:000000000000:{API}/*/*/orders"])  # fmt: skip
    integrations = [
        lambda_proxy("echo", "echo"),
        lambda_proxy("plain", "plain"),
        lambda_proxy("v1", "v1", fmt="1.0"),
        lambda_proxy("orders", "orders"),
        lambda_proxy("broken", "broken"),
    ]
    routes = [
        route("POST /pets/{id}", "echo"),
        route("GET /plain", "plain"),
        route("ANY /v1/{proxy+}", "v1"),
        route("GET /orders", "orders"),
        route("GET /broken", "broken"),
        route("$default", "orders"),
    ]
    data = tmp / "data"
    write_http_api(data, API, routes, integrations, [
        stage("$default"), stage("prod", stageVariables={"tier": "gold"})])  # fmt: skip
    with Gateway(data, "--functions-dir", str(tmp / "fns")) as gateway:
        wait_for(lambda: gateway.request("GET", "/orders", api_id=API)[0] == 200, what="deploy")
        yield gateway


def _call(gw: Gateway, method: str, path: str, **kw: Any) -> tuple[int, dict[str, str], bytes]:
    return gw.request(method, path, api_id=API, **kw)


def _set_cookies(gw: Gateway) -> list[str]:
    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=10)
    try:
        conn.request("POST", "/pets/1", body=b"", headers={"Host": gw.host(API)})
        resp = conn.getresponse()
        resp.read()
        return [v for k, v in resp.getheaders() if k.lower() == "set-cookie"]
    finally:
        conn.close()


def test_payload_2_event(gw: Gateway) -> None:
    status, headers, body = _call(
        gw, "POST", "/prod/pets/7?a=1&a=2&b=x%20y",
        headers={"Cookie": "c1=v1; c2=v2", "X-Multi": "one", "Content-Type": "application/json",
                 "User-Agent": "tester"},
        body=b'{"k": "v"}',
    )  # fmt: skip
    assert status == 201
    assert headers["x-fn"] == "yes"
    assert _set_cookies(gw) == ["a=1", "b=2"]  # one Set-Cookie header per cookie
    event = json.loads(body)
    rc = event.pop("requestContext")
    assert event == {
        "version": "2.0",
        "routeKey": "POST /pets/{id}",
        "rawPath": "/prod/pets/7",
        "rawQueryString": "a=1&a=2&b=x%20y",
        "cookies": ["c1=v1", "c2=v2"],
        "headers": event["headers"],
        "queryStringParameters": {"a": "1,2", "b": "x y"},
        "body": '{"k": "v"}',
        "pathParameters": {"id": "7"},
        "isBase64Encoded": False,
        "stageVariables": {"tier": "gold"},
    }
    hdrs = event["headers"]
    assert hdrs["x-multi"] == "one" and "cookie" not in hdrs
    assert hdrs["host"] == gw.host(API)
    assert hdrs["x-forwarded-for"] == "127.0.0.1" and hdrs["x-amzn-trace-id"].startswith("Root=")
    assert all(k == k.lower() for k in hdrs)
    assert rc["requestId"] == headers["apigw-requestid"]
    assert rc["http"] == {"method": "POST", "path": "/prod/pets/7", "protocol": "HTTP/1.1",
                          "sourceIp": "127.0.0.1", "userAgent": "tester"}  # fmt: skip
    assert (rc["routeKey"], rc["stage"], rc["apiId"]) == ("POST /pets/{id}", "prod", API)
    assert (rc["accountId"], rc["domainPrefix"]) == ("000000000000", API)
    assert isinstance(rc["timeEpoch"], int) and rc["time"].endswith("+0000")
    assert "authorizer" not in rc


def test_payload_2_binary_body_and_empty_members(gw: Gateway) -> None:
    status, _, body = _call(gw, "POST", "/pets/1", body=b"\x00\x01",
                            headers={"Content-Type": "application/octet-stream"})  # fmt: skip
    event = json.loads(body)
    assert status == 201
    assert (event["body"], event["isBase64Encoded"]) == ("AAE=", True)
    assert event["rawPath"] == "/pets/1" and event["requestContext"]["stage"] == "$default"
    for absent in ("cookies", "queryStringParameters", "stageVariables"):
        assert absent not in event
    assert event["rawQueryString"] == ""


def test_payload_2_response_inference(gw: Gateway) -> None:
    status, headers, body = _call(gw, "GET", "/plain?say=hello")
    assert (status, body, headers["content-type"]) == (200, b"hello", "application/json")
    status, _, body = _call(gw, "GET", "/plain")
    assert (status, json.loads(body)) == (200, {"n": 1})


def test_payload_1_event(gw: Gateway) -> None:
    status, _, body = _call(gw, "PUT", "/prod/v1/a/b?x=1&x=2", body=b"hi")
    assert status == 200
    event = json.loads(body)
    assert event["version"] == "1.0"
    assert (event["resource"], event["path"], event["httpMethod"]) == (
        "/v1/{proxy+}",
        "/prod/v1/a/b",
        "PUT",
    )
    assert event["pathParameters"] == {"proxy": "a/b"}
    assert event["queryStringParameters"] == {"x": "2"}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"]}
    assert event["stageVariables"] == {"tier": "gold"}
    rc = event["requestContext"]
    assert rc["routeKey"] == "ANY /v1/{proxy+}"
    assert rc["authorizer"] == {"claims": None, "scopes": None}
    assert (rc["stage"], rc["path"], rc["resourcePath"]) == ("prod", "/prod/v1/a/b", "/v1/{proxy+}")
    assert len(rc["requestId"]) == 16


def test_source_arn_and_errors(gw: Gateway) -> None:
    # GET /orders matches the tutorial's permission …/*/*/orders on any stage.
    assert _call(gw, "GET", "/orders")[:3:2] == (200, b'[{"id": 1}]')
    assert _call(gw, "GET", "/prod/orders")[0] == 200
    # The $default route's ARN is …/{stage}/$default: that permission does not cover it.
    status, headers, body = _call(gw, "GET", "/elsewhere")
    assert (status, body) == (500, b'{"message":"Internal Server Error"}')
    assert "x-amzn-errortype" not in headers and len(headers["apigw-requestid"]) == 16
    # A function error: 500 on HTTP APIs (REST answers 502).
    assert _call(gw, "GET", "/broken")[:3:2] == (500, b'{"message":"Internal Server Error"}')
