"""CORS for HTTP APIs: the compiled policy (``compile_cors``), the gateway's own preflight answer
(``answer_preflight``, behind the ``preflight`` hook) and the headers added to every response
of a CORS request (``add_headers``, behind ``decorate``), as a
browser would read them; then end to end through a real ``frontgate serve``."""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest

from frontgate.http.message import Request, Response
from frontgate.pipeline.context import Context
from frontgate.pipeline.cors import (
    CorsPolicy,
    add_headers,
    answer_preflight,
    compile_cors,
    is_preflight,
)
from frontgate.snapshot.snapshot import Snapshot


def policy(**conf: Any) -> CorsPolicy:
    found = compile_cors({"apiId": "a1", "corsConfiguration": conf})
    assert found is not None
    assert pickle.loads(pickle.dumps(found)) == found  # ships to workers with the stage
    return found


def ctx(verb: str = "GET", **headers: str) -> Context:
    pairs = [(k.replace("_", "-"), v) for k, v in headers.items()]
    return Context(Request(verb, "/orders", pairs), Snapshot(1, {}, frozenset()), "r", "e")


def ask(
    p: CorsPolicy, origin: str, method: str = "PUT", headers: str | None = None
) -> dict[str, str]:
    """A preflight's answer headers (lower-cased names), asserting it is AWS's 204."""
    extra = {"Access_Control_Request_Headers": headers} if headers is not None else {}
    resp = answer_preflight(
        ctx("OPTIONS", Origin=origin, Access_Control_Request_Method=method, **extra), p
    )
    assert resp is not None and resp.status == 204 and resp.body == b""
    return {k.lower(): v for k, v in resp.all_headers()}


def test_no_configuration_means_no_cors() -> None:
    assert compile_cors({"apiId": "a1"}) is None
    assert (
        answer_preflight(
            ctx("OPTIONS", Origin="https://a", Access_Control_Request_Method="GET"), None
        )
        is None
    )
    resp = Response(200, [("Access-Control-Allow-Origin", "https://backend")])
    assert add_headers(ctx(Origin="https://a"), resp, None).headers == [
        ("Access-Control-Allow-Origin", "https://backend")
    ]


def test_preflight_with_exact_origins() -> None:
    p = policy(
        allowOrigins=["https://app.example.com"],
        allowMethods=["GET", "put"],
        allowHeaders=["Authorization", "X-Api"],
        exposeHeaders=["x-request-id", "date"],
        maxAge=300,
        allowCredentials=True,
    )
    got = ask(p, "https://app.example.com", "PUT", "authorization, x-api")
    assert got == {
        "access-control-allow-origin": "https://app.example.com",
        "vary": "Origin",
        "access-control-allow-credentials": "true",
        "access-control-allow-methods": "GET,PUT",
        "access-control-allow-headers": "authorization,x-api",
        "access-control-expose-headers": "x-request-id,date",
        "access-control-max-age": "300",
    }
    assert ask(p, "HTTPS://APP.EXAMPLE.COM")["access-control-allow-origin"] == (
        "HTTPS://APP.EXAMPLE.COM"
    )
    # Not allowed (origin, method, a requested header): 204 without any CORS header.
    assert ask(p, "https://evil.example.com") == {}
    assert ask(p, "https://app.example.com", "DELETE") == {}
    assert ask(p, "https://app.example.com", "GET", "x-other") == {}


def test_wildcards() -> None:
    p = policy(allowOrigins=["*"], allowMethods=["*"], allowHeaders=["*"])
    got = ask(p, "https://anywhere.test", "PATCH", "X-One, x-two")
    assert got == {
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "PATCH",
        "access-control-allow-headers": "x-one,x-two",
    }
    scheme = policy(allowOrigins=["https://*"], allowMethods=["GET"])
    assert ask(scheme, "https://a.test", "GET")["access-control-allow-origin"] == "https://a.test"
    assert ask(scheme, "http://a.test", "GET") == {}
    sub = policy(allowOrigins=["https://*.example.com"], allowMethods=["GET"])
    assert ask(sub, "https://shop.example.com", "GET")["access-control-allow-origin"] == (
        "https://shop.example.com"
    )
    for origin in ("https://example.com", "https://.example.com", "https://a/b.example.com",
                   "https://example.com.evil.test", "http://shop.example.com"):  # fmt: skip
        assert ask(sub, origin, "GET") == {}, origin


def test_only_preflights_are_answered() -> None:
    p = policy(allowOrigins=["*"], allowMethods=["*"])
    assert is_preflight(ctx("OPTIONS", Origin="https://a", Access_Control_Request_Method="GET"))
    assert answer_preflight(ctx("OPTIONS", Origin="https://a"), p) is None  # no requested method
    assert answer_preflight(ctx("OPTIONS", Access_Control_Request_Method="GET"), p) is None
    assert (
        answer_preflight(ctx("GET", Origin="https://a", Access_Control_Request_Method="GET"), p)
        is None
    )


def test_decorate_every_response_and_drop_the_backends_cors_headers() -> None:
    p = policy(
        allowOrigins=["https://app.example.com"],
        exposeHeaders=["x-request-id"],
        allowCredentials=True,
    )
    for status in (200, 401, 500):  # integration answers and gateway errors alike
        resp = Response(status, [("Content-Type", "application/json")], b"{}")
        add_headers(ctx(Origin="https://app.example.com"), resp, p)
        assert resp.headers == [
            ("Content-Type", "application/json"),
            ("access-control-allow-origin", "https://app.example.com"),
            ("vary", "Origin"),
            ("access-control-allow-credentials", "true"),
            ("access-control-expose-headers", "x-request-id"),
        ]
    # The integration's own CORS headers are ignored, also in pre-serialized header lines.
    resp = Response(
        200,
        [("access-control-allow-origin", "*"), ("X-Kept", "1")],
        head="Access-Control-Allow-Methods: *\r\nX-Upstream: u\r\n",
    )
    add_headers(ctx(), resp, p)  # not a CORS request (no Origin): nothing added
    assert resp.all_headers() == [("X-Upstream", "u"), ("X-Kept", "1")]
    resp = Response(200, [], head="X-Upstream: u\r\n")
    add_headers(ctx(Origin="https://evil.test"), resp, p)  # origin not allowed
    assert resp.all_headers() == [("X-Upstream", "u")]
    star = policy(allowOrigins=["*"])
    resp = add_headers(ctx(Origin="https://x.test"), Response(200, []), star)
    assert resp.headers == [("access-control-allow-origin", "*")]


# -- end to end through ``frontgate serve`` (tests/support/access.py's gateway) ---------------

CORS_API = "httpcors01"
DEFAULT_API = "httpcors02"  # a $default route: it takes every preflight
APP = "https://app.example.com"
ECHO = """
import json
def handler(event, context):
    return {"statusCode": 200,
            "headers": {"access-control-allow-origin": "*", "access-control-max-age": "1",
                        "x-request-id": "r-1"},
            "body": json.dumps({"method": event["requestContext"]["http"]["method"],
                                "routeKey": event["routeKey"]})}
"""


@pytest.fixture(scope="module")
def served(gw: Any, issuer: Any) -> None:
    from tests.support.access import authorizer_function
    from tests.support.httpapis import lambda_proxy, route, serve_http_api

    uri = authorizer_function(gw, "httpCorsEcho", ECHO)
    echo = lambda_proxy("echo", uri.split("/functions/")[1].split("/invocations")[0])
    jwt = {
        "authorizerId": "jw",
        "name": "jw",
        "authorizerType": "JWT",
        "identitySource": ["$request.header.Authorization"],
        "jwtConfiguration": {"issuer": issuer.url, "audience": ["client-1"]},
    }
    cors = {
        "allowOrigins": [APP, "https://*.example.org"],
        "allowMethods": ["GET", "POST"],
        "allowHeaders": ["authorization", "content-type"],
        "exposeHeaders": ["x-request-id"],
        "maxAge": 600,
        "allowCredentials": True,
    }
    routes = [
        route("GET /orders", "echo"),
        route("GET /jwt", "echo", "JWT", authorizerId="jw"),
        route("OPTIONS /custom", "echo"),
        route("ANY /any/{proxy+}", "echo", "JWT", authorizerId="jw"),
    ]
    serve_http_api(gw, CORS_API, "/orders", routes=routes, integrations=[echo],
                   authorizers=[jwt], cors=cors)  # fmt: skip
    serve_http_api(gw, DEFAULT_API, "/x", routes=[route("$default", "echo")],
                   integrations=[echo], cors=cors)  # fmt: skip


def send(
    gw: Any, verb: str, path: str, api: str = CORS_API, **headers: str
) -> tuple[int, dict[str, str], bytes]:
    status, hdrs, body = gw.request(verb, path, api_id=api, headers=headers)
    assert hdrs.get("apigw-requestid")
    return status, hdrs, body


def cors_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.startswith("access-control-")}


def test_e2e_preflight_answered_by_the_gateway(gw: Any, served: None) -> None:
    for path in ("/orders", "/nowhere"):  # a GET route only, or no route at all
        status, headers, body = send(
            gw, "OPTIONS", path, Origin=APP, **{"Access-Control-Request-Method": "POST",
                                                "Access-Control-Request-Headers": "Content-Type"}
        )  # fmt: skip
        assert (status, body) == (204, b"")
        assert cors_headers(headers) == {
            "access-control-allow-origin": APP,
            "access-control-allow-credentials": "true",
            "access-control-allow-methods": "GET,POST",
            "access-control-allow-headers": "authorization,content-type",
            "access-control-expose-headers": "x-request-id",
            "access-control-max-age": "600",
        }
    status, headers, _ = send(gw, "OPTIONS", "/orders", Origin="https://shop.example.org",
                              **{"Access-Control-Request-Method": "GET"})  # fmt: skip
    assert status == 204 and headers["access-control-allow-origin"] == "https://shop.example.org"
    # An origin or a method the configuration does not allow: 204 without CORS headers.
    status, headers, _ = send(gw, "OPTIONS", "/orders", Origin="https://evil.test",
                              **{"Access-Control-Request-Method": "GET"})  # fmt: skip
    assert status == 204 and cors_headers(headers) == {}
    status, headers, _ = send(gw, "OPTIONS", "/orders", Origin=APP,
                              **{"Access-Control-Request-Method": "DELETE"})  # fmt: skip
    assert status == 204 and cors_headers(headers) == {}


def test_e2e_every_response_is_decorated(gw: Any, served: None) -> None:
    status, headers, body = send(gw, "GET", "/orders", Origin=APP)
    assert status == 200 and json.loads(body)["routeKey"] == "GET /orders"
    # The function's own CORS headers are ignored; the configured ones are sent.
    assert cors_headers(headers) == {
        "access-control-allow-origin": APP,
        "access-control-allow-credentials": "true",
        "access-control-expose-headers": "x-request-id",
    }
    assert headers["x-request-id"] == "r-1"
    status, headers, body = send(gw, "GET", "/jwt", Origin=APP)  # the authorizer's 401
    assert (status, json.loads(body)) == (401, {"message": "Unauthorized"})
    assert headers["access-control-allow-origin"] == APP
    status, headers, _ = send(gw, "GET", "/nowhere", Origin=APP)  # the gateway's 404
    assert status == 404 and headers["access-control-allow-origin"] == APP
    # Without Origin it is no CORS request: no CORS header, the backend's dropped all the same.
    status, headers, _ = send(gw, "GET", "/orders")
    assert status == 200 and cors_headers(headers) == {}


def test_e2e_routes_serving_options_take_the_preflight(gw: Any, served: None) -> None:
    preflight = {"Origin": APP, "Access-Control-Request-Method": "GET"}
    status, headers, body = send(gw, "OPTIONS", "/custom", **preflight)
    assert status == 200 and json.loads(body) == {"method": "OPTIONS",
                                                  "routeKey": "OPTIONS /custom"}  # fmt: skip
    assert headers["access-control-allow-origin"] == APP
    # An ANY route with an authorizer catches the preflight: its 401, with CORS headers.
    status, headers, body = send(gw, "OPTIONS", "/any/thing", **preflight)
    assert (status, json.loads(body)) == (401, {"message": "Unauthorized"})
    assert headers["access-control-allow-origin"] == APP
    # So does the $default route.
    status, _, body = send(gw, "OPTIONS", "/x", api=DEFAULT_API, **preflight)
    assert status == 200 and json.loads(body)["routeKey"] == "$default"
