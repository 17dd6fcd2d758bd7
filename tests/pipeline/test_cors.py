"""CORS for HTTP APIs: the compiled policy (``compile_cors``), the gateway's own preflight answer
(``answer_preflight``, behind the ``preflight`` hook) and the headers added to every response
of a CORS request (``add_headers``, behind ``decorate``), as a
browser would read them."""

from __future__ import annotations

import pickle
from typing import Any

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
