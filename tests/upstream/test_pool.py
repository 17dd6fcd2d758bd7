"""The upstream pool against real servers on 127.0.0.1:0 that each test starts and scripts."""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import pytest
import trustme
import uvloop
from tests.support.garbage import collector_off, cyclic_garbage_kinds

from frontgate.upstream.errors import (
    UpstreamConnectError,
    UpstreamProtocolError,
    UpstreamResponseTooLarge,
    UpstreamTimeout,
)
from frontgate.upstream.pool import ParsedUrl, UpstreamPool, parse_url, serialize_request


@dataclass
class Seen:
    """One request as the test upstream received it."""

    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes
    conn_no: int  # Which connection (0-based) carried it.
    index: int  # Its position on that connection.

    def header(self, name: str) -> str | None:
        return next((v for n, v in self.headers if n.lower() == name.lower()), None)


# A handler writes whatever it likes; returns False to close the connection afterwards.
Handler = Callable[[Seen, asyncio.StreamWriter], Awaitable[bool]]


def response(
    body: bytes = b"", status: str = "200 OK", headers: list[tuple[str, str]] | None = None
) -> bytes:
    fields = headers if headers is not None else [("Content-Length", str(len(body)))]
    head = "".join(f"{n}: {v}\r\n" for n, v in fields)
    return f"HTTP/1.1 {status}\r\n{head}\r\n".encode() + body


async def echo(req: Seen, writer: asyncio.StreamWriter) -> bool:
    writer.write(response(f"{req.method} {req.target} ".encode() + req.body))
    return True


class Upstream:
    """A scripted HTTP/1.1 server: parses requests, records them, lets a handler answer."""

    def __init__(self, handler: Handler = echo, ssl_ctx: ssl.SSLContext | None = None) -> None:
        self.handler = handler
        self.ssl_ctx = ssl_ctx
        self.seen: list[Seen] = []
        self.connections = 0
        self.active = 0
        self.max_active = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_ctx else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    async def __aenter__(self) -> Upstream:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.ssl_ctx)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        # Stop handlers still sleeping so they end quietly inside this test's loop.
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        conn_no = self.connections
        self.connections += 1
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            index = 0
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
                line, *fields = head[:-4].split("\r\n")
                method, target, _ = line.split(" ")
                headers = [(n, v.strip()) for n, v in (f.split(":", 1) for f in fields)]
                req = Seen(method, target, headers, b"", conn_no, index)
                req.body = await reader.readexactly(int(req.header("content-length") or 0))
                self.seen.append(req)
                index += 1
                keep = await self.handler(req, writer)
                await writer.drain()
                if not keep:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.active -= 1
            writer.close()
            self._tasks.discard(task)


def run(coro: Coroutine[Any, Any, None]) -> None:
    asyncio.run(coro)


# -- URL and request serialization -------------------------------------------------------------


def test_parse_url_defaults_and_host_header() -> None:
    assert parse_url("http://example.com") == ParsedUrl(
        "http", "example.com", 80, "/", "example.com"
    )
    u = parse_url("https://API.example.com:8443/a/b?x=1&y=2#frag")
    assert (u.host, u.port, u.target, u.host_header) == (
        "api.example.com",
        8443,
        "/a/b?x=1&y=2",
        "api.example.com:8443",
    )
    assert parse_url("http://[::1]:8080/").host_header == "[::1]:8080"
    assert parse_url("https://h:443/").host_header == "h"
    assert parse_url("http://h/") is parse_url("http://h/")  # Cached.
    for bad in ("ftp://h/", "http:///path", "http://u:p@h/", "http://h/a b", "http://h:99999/"):
        with pytest.raises(ValueError):
            parse_url(bad)


def test_serialize_request_owns_framing_headers() -> None:
    url = parse_url("http://h:81/p")
    raw = serialize_request(
        "POST",
        url,
        [("X-A", "1"), ("content-length", "999"), ("Connection", "close"), ("x-b", "2")],
        b"abc",
    )
    assert raw == (
        b"POST /p HTTP/1.1\r\nX-A: 1\r\nx-b: 2\r\nHost: h:81\r\n"
        b"Content-Length: 3\r\nConnection: keep-alive\r\n\r\nabc"
    )
    raw = serialize_request("GET", url, [("HOST", "other")], b"")
    assert raw == (
        b"GET /p HTTP/1.1\r\nHOST: other\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n"
    )
    # A lookalike name is not a framing header.
    raw = serialize_request("GET", url, [("X-Content-Length", "5")], b"")
    assert b"X-Content-Length: 5\r\nHost: h:81\r\nContent-Length: 0\r\n" in raw


@pytest.mark.parametrize(
    ("method", "headers"),
    [
        ("GET", [("X", "a\r\nEvil: 1")]),
        ("GET", [("X", "a\nEvil: 1")]),
        ("GET", [("X", "a\x00b")]),  # NUL: RFC 9110 5.5, invalid and dangerous like CR and LF
        ("GET", [("X\r\nEvil", "1")]),
        ("GET / HTTP/1.1\r\nX:", []),
    ],
)
def test_serialize_request_rejects_crlf_injection(
    method: str, headers: list[tuple[str, str]]
) -> None:
    with pytest.raises(ValueError):
        serialize_request(method, parse_url("http://h/"), headers, b"")


# -- basic exchanges -------------------------------------------------------------------------


def test_get_and_post_with_bodies() -> None:
    async def main() -> None:
        async with Upstream() as up:
            pool = UpstreamPool()
            r = await pool.request("GET", up.url + "/a?b=1", [("X-Trace", "t1")], b"", 2)
            assert (r.status, r.reason, r.body) == (200, "OK", b"GET /a?b=1 ")
            assert r.headers == [("Content-Length", "11")]
            r = await pool.request("POST", up.url + "/p", [("Content-Type", "x/y")], b"payload", 2)
            assert r.body == b"POST /p payload"
            get, post = up.seen
            assert get.headers == [
                ("X-Trace", "t1"),
                ("Host", f"127.0.0.1:{up.port}"),
                ("Content-Length", "0"),
                ("Connection", "keep-alive"),
            ]
            assert post.header("content-length") == "7" and post.body == b"payload"
            await pool.close()

    run(main())


def test_localhost_names_reach_loopback() -> None:
    """A name under ``localhost`` (an invoke URL such as ``{apiId}.execute-api.localhost``)
    connects to 127.0.0.1, which the system resolver does not do; the Host header keeps it."""

    async def main() -> None:
        async with Upstream() as up:
            pool = UpstreamPool()
            url = f"http://abc123.execute-api.LOCALHOST:{up.port}/x"
            r = await pool.request("GET", url, [], b"", 2)
            assert (r.status, r.body) == (200, b"GET /x ")
            assert up.seen[0].header("host") == f"abc123.execute-api.localhost:{up.port}"
            await pool.close()

    run(main())


def test_chunked_response_is_decoded() -> None:
    async def handler(req: Seen, writer: asyncio.StreamWriter) -> bool:
        writer.write(response(headers=[("Transfer-Encoding", "chunked"), ("X-Up", "1")]))
        await writer.drain()
        for piece in (b"hello ", b"chunked ", b"world"):
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        return True

    async def main() -> None:
        async with Upstream(handler) as up:
            pool = UpstreamPool()
            for _ in range(2):  # The second one reuses the connection: framing ended cleanly.
                r = await pool.request("GET", up.url, [], b"", 2)
                assert r.body == b"hello chunked world"
                assert r.headers == [("Transfer-Encoding", "chunked"), ("X-Up", "1")]
            assert up.connections == 1
            await pool.close()

    run(main())


def test_read_until_close_response() -> None:
    async def handler(req: Seen, writer: asyncio.StreamWriter) -> bool:
        writer.write(response(headers=[("Content-Type", "text/plain")]))
        writer.write(b"no length, ")
        await writer.drain()
        writer.write(b"ends at close")
        return False

    async def main() -> None:
        async with Upstream(handler) as up:
            pool = UpstreamPool()
            r = await pool.request("GET", up.url, [], b"", 2)
            assert r.body == b"no length, ends at close"
            await asyncio.sleep(0.01)
            assert pool.stats()[f"http://127.0.0.1:{up.port}"]["open"] == 0
            await pool.close()

    run(main())


def test_connection_close_response_is_not_reused() -> None:
    async def handler(req: Seen, writer: asyncio.StreamWriter) -> bool:
        writer.write(response(b"bye", headers=[("Connection", "close"), ("Content-Length", "3")]))
        await asyncio.sleep(0.05)  # Keep the socket open: the header alone must stop reuse.
        return False

    async def main() -> None:
        async with Upstream(handler) as up:
            pool = UpstreamPool()
            for _ in range(2):
                assert (await pool.request("GET", up.url, [], b"", 2)).body == b"bye"
            assert up.connections == 2
            await pool.close()

    run(main())


def test_head_204_and_interim_responses_have_no_body() -> None:
    async def handler(req: Seen, writer: asyncio.StreamWriter) -> bool:
        if req.method == "HEAD":
            writer.write(response(headers=[("Content-Length", "1000")]))
        elif req.target == "/204":
            writer.write(response(status="204 No Content", headers=[]))
        else:
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            writer.write(b"HTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\n")
            writer.write(response(b"final", status="201 Created"))
        return True

    async def main() -> None:
        async with Upstream(handler) as up:
            pool = UpstreamPool()
            for _ in range(2):
                r = await pool.request("HEAD", up.url, [], b"", 2)
                assert (r.status, r.body, r.headers) == (200, b"", [("Content-Length", "1000")])
                r = await pool.request("GET", up.url + "/204", [], b"", 2)
                assert (r.status, r.body) == (204, b"")
                r = await pool.request("POST", up.url, [], b"x", 2)
                assert (r.status, r.reason, r.body) == (201, "Created", b"final")
                assert r.headers == [("Content-Length", "5")]
            assert up.connections == 1
            await pool.close()

    run(main())


# -- connection reuse and limits -------------------------------------------------------------


@pytest.mark.parametrize("runner", [asyncio.run, uvloop.run], ids=["asyncio", "uvloop"])
def test_keep_alive_reuses_one_connection(runner: Callable[[Any], None]) -> None:
    async def main() -> None:
        async with Upstream() as up:
            pool = UpstreamPool()
            for i in range(20):
                r = await pool.request("GET", f"{up.url}/{i}", [], b"", 2)
                assert r.body == f"GET /{i} ".encode()
            assert up.connections == 1
            assert [s.index for s in up.seen] == list(range(20))
            assert pool.stats() == {
                f"http://127.0.0.1:{up.port}": {"open": 1, "idle": 1, "in_use": 0, "waiting": 0}
            }
            await pool.close()

    runner(main())


def test_pool_bounds_concurrent_connections() -> None:
    async def handler(req: Seen, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(0.01)
        return await echo(req, writer)

    async def main() -> None:
        async with Upstream(handler) as up:
            pool = UpstreamPool(max_per_host=4, max_idle_per_host=2)
            results = await asyncio.gather(
                *(pool.request("GET", f"{up.url}/{i}", [], b"", 5) for i in range(60))
            )
            assert [r.body for r in results] == [f"GET /{i} ".encode() for i in range(60)]
            assert up.max_active <= 4
            assert up.connections >= 4  # Surplus connections beyond max_idle were closed.
            gauges = pool.stats()[f"http://127.0.0.1:{up.port}"]
            assert gauges["idle"] == 2 and gauges["in_use"] == 0 and gauges["open"] == 2

            # A request that cannot get a slot in time times out.
            pool2 = UpstreamPool(max_per_host=1)
            slow = asyncio.ensure_future(pool2.request("GET", up.url, [], b"", 5))
            await asyncio.sleep(0.005)
            with pytest.raises(UpstreamTimeout, match="no free connection"):
                await pool2.request("GET", up.url, [], b"", 0.002)
            assert (await slow).status == 200
            await pool.close()
            await pool2.close()

    run(main())


def test_idle_connection_closed_by_server_is_discarded() -> None:
    async def handler(req: Seen, writer: asyncio.StreamWriter) -> bool:
        await echo(req, writer)
        return False  # Close right after answering, without announcing it.

    async def main() -> None:
        async with Upstream(handler) as up:
            pool = UpstreamPool()
            await pool.request("GET", up.url, [], b"", 2)
            await asyncio.sleep(0.02)  # The FIN arrives while the connection is idle.
            assert pool.stats()[f"http://127.0.0.1:{up.port}"]["open"] == 0
            r = await pool.request("POST", up.url, [], b"x", 2)
            assert r.body == b"POST / x" and up.connections == 2
            await pool.close()

    run(main())


def test_a_connection_the_server_closed_is_freed_without_the_cyclic_collector() -> None:
    # A worker freezes its long-lived objects out of the collector (frontgate/gc_policy.py): a
    # connection open then and closed later must not need it to be freed.
    async def handler(req: Seen, writer: asyncio.StreamWriter) -> bool:
        await echo(req, writer)
        return False

    async def main() -> None:
        async with Upstream(handler) as up:
            pool = UpstreamPool()
            await pool.request("GET", up.url, [], b"", 2)
            while pool.stats()[f"http://127.0.0.1:{up.port}"]["open"]:
                await asyncio.sleep(0.01)  # until the FIN has arrived
            assert "UpstreamConnection" not in cyclic_garbage_kinds()
            await pool.close()

    with collector_off():
        run(main())


def test_idle_connections_expire() -> None:
    async def main() -> None:
        async with Upstream() as up:
            pool = UpstreamPool(idle_timeout=0.05)
            await asyncio.gather(*(pool.request("GET", up.url, [], b"", 2) for _ in range(3)))
            assert up.connections == 3
            await asyncio.sleep(0.08)
            await pool.request("GET", up.url, [], b"", 2)
            assert up.connections == 4  # All three idle ones had expired.
            await asyncio.sleep(0.01)
            assert up.active == 1
            gauges = pool.stats()[f"http://127.0.0.1:{up.port}"]
            assert (gauges["open"], gauges["idle"]) == (1, 1)
            await pool.close()

    run(main())


def _closes_second_request(seen_close: list[str]) -> Handler:
    """Answers the first request on a connection; drops the connection on the second, as a
    server whose keep-alive timer fired just as the request arrived would."""

    async def handler(req: Seen, writer: asyncio.StreamWriter) -> bool:
        if req.index == 0:
            return await echo(req, writer)
        seen_close.append(req.method)
        return False

    return handler


def test_dead_reused_connection_idempotent_request_is_retried() -> None:
    async def main() -> None:
        dropped: list[str] = []
        async with Upstream(_closes_second_request(dropped)) as up:
            pool = UpstreamPool()
            await pool.request("GET", up.url + "/1", [], b"", 2)
            r = await pool.request("PUT", up.url + "/2", [], b"v", 2)
            assert r.body == b"PUT /2 v"
            assert dropped == ["PUT"] and up.connections == 2
            await pool.close()

    run(main())


def test_dead_reused_connection_post_is_not_retried() -> None:
    # Chosen rule: once a non-idempotent request has been written, it is never resent, even if
    # the server closed without a byte of response; the caller gets the error (a 502).
    async def main() -> None:
        dropped: list[str] = []
        async with Upstream(_closes_second_request(dropped)) as up:
            pool = UpstreamPool()
            await pool.request("GET", up.url, [], b"", 2)
            with pytest.raises(UpstreamProtocolError, match="before responding"):
                await pool.request("POST", up.url, [], b"once", 2)
            assert dropped == ["POST"] and up.connections == 1
            assert [s.method for s in up.seen] == ["GET", "POST"]
            # The pool recovers: the next call opens a fresh connection.
            r = await pool.request("POST", up.url, [], b"again", 2)
            assert r.body == b"POST / again" and up.connections == 2
            await pool.close()

    run(main())


def test_no_retry_after_response_bytes() -> None:
    async def handler(req: Seen, writer: asyncio.StreamWriter) -> bool:
        if req.index == 0:
            return await echo(req, writer)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
        return False

    async def main() -> None:
        async with Upstream(handler) as up:
            pool = UpstreamPool()
            await pool.request("GET", up.url, [], b"", 2)
            with pytest.raises(UpstreamProtocolError, match="mid-response"):
                await pool.request("GET", up.url, [], b"", 2)
            assert len(up.seen) == 2 and up.connections == 1
            await pool.close()

    run(main())


# -- failures --------------------------------------------------------------------------------


def test_connection_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # Closed again below: nothing listens there.

    async def main() -> None:
        pool = UpstreamPool()
        with pytest.raises(UpstreamConnectError, match=f"127.0.0.1:{port}"):
            await pool.request("GET", f"http://127.0.0.1:{port}/", [], b"", 2)
        assert pool.stats()[f"http://127.0.0.1:{port}"]["open"] == 0
        await pool.close()

    run(main())


@pytest.mark.parametrize("timeout", [0.3, 1.1], ids=["own-timer", "shared-sweep"])
def test_slow_upstream_times_out(timeout: float) -> None:
    # The response does complete, ten timeouts later: the caller must see the timeout, not it.
    # (A race against the upstream rather than a bound on elapsed time, so a slow machine
    # cannot fail it; the sweep's own granularity is _SWEEP_INTERVAL, 50 ms.)
    async def handler(req: Seen, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nslo")
        await asyncio.sleep(10 * timeout)
        writer.write(b"w reply")
        return False

    async def main() -> None:
        async with Upstream(handler) as up:
            pool = UpstreamPool()
            started = time.monotonic()  # asyncio's loop clock: a slow machine only adds to it
            with pytest.raises(UpstreamTimeout, match=f"within {timeout:g} s"):
                await pool.request("GET", up.url, [], b"", timeout)
            assert time.monotonic() - started >= timeout  # not before the timeout
            assert pool.stats()[f"http://127.0.0.1:{up.port}"]["open"] == 0  # Not pooled.
            await pool.close()

    run(main())


def test_caller_cancellation_drops_the_connection() -> None:
    async def handler(req: Seen, writer: asyncio.StreamWriter) -> bool:
        if req.target == "/slow":
            await asyncio.sleep(5)
        return await echo(req, writer)

    async def main() -> None:
        async with Upstream(handler) as up:
            pool = UpstreamPool()
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(pool.request("GET", up.url + "/slow", [], b"", 5), 0.05)
            await asyncio.sleep(0.01)
            assert pool.stats()[f"http://127.0.0.1:{up.port}"]["open"] == 0
            r = await pool.request("GET", up.url + "/fast", [], b"", 5)
            assert r.body == b"GET /fast " and up.connections == 2
            await pool.close()

    run(main())


@pytest.mark.parametrize(
    "reply",
    [
        b"HTTP/1.1 2xx OK\r\n\r\n",
        b"SMTP ready\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\nX: " + b"a" * 70_000,
    ],
    ids=["status", "not-http", "double-length", "bad-chunk", "huge-head"],
)
def test_malformed_response(reply: bytes) -> None:
    async def handler(req: Seen, writer: asyncio.StreamWriter) -> bool:
        writer.write(reply)
        await asyncio.sleep(1)
        return False

    async def main() -> None:
        async with Upstream(handler) as up:
            pool = UpstreamPool()
            with pytest.raises(UpstreamProtocolError):
                await pool.request("GET", up.url, [], b"", 2)
            await pool.close()

    run(main())


@pytest.mark.parametrize("chunked", [False, True], ids=["length", "chunked"])
def test_oversized_response(chunked: bool) -> None:
    async def handler(req: Seen, writer: asyncio.StreamWriter) -> bool:
        if chunked:
            writer.write(response(headers=[("Transfer-Encoding", "chunked")]))
            writer.write(b"601\r\n" + b"x" * 0x601 + b"\r\n0\r\n\r\n")
        else:
            writer.write(response(b"x" * 1537))
        await asyncio.sleep(1)
        return False

    async def main() -> None:
        async with Upstream(handler) as up:
            pool = UpstreamPool(max_response_bytes=1536)
            with pytest.raises(UpstreamResponseTooLarge):
                await pool.request("GET", up.url, [], b"", 2)
            await pool.close()

    run(main())


# -- TLS -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def _tls_server(ca: trustme.CA, sni_seen: list[str | None]) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "upstream.test", "127.0.0.1").configure_cert(ctx)

    def on_sni(sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        sni_seen.append(name)

    ctx.sni_callback = on_sni
    return ctx


def test_https_with_trusted_ca_and_sni(ca: trustme.CA) -> None:
    async def main() -> None:
        sni: list[str | None] = []
        async with Upstream(ssl_ctx=_tls_server(ca, sni)) as up:
            client_ctx = ssl.create_default_context()
            ca.configure_trust(client_ctx)
            pool = UpstreamPool(ssl_context=client_ctx)
            for _ in range(3):
                r = await pool.request("GET", f"https://localhost:{up.port}/s", [], b"", 2)
                assert r.body == b"GET /s "
            assert sni == ["localhost"] and up.connections == 1
            assert up.seen[0].header("host") == f"localhost:{up.port}"
            # An explicit TLS name, for upstreams addressed by IP.
            r = await pool.request("GET", up.url, [], b"", 2, server_hostname="upstream.test")
            assert r.status == 200 and sni[-1] == "upstream.test"
            await pool.close()

    run(main())


def test_https_untrusted_certificate_fails(ca: trustme.CA) -> None:
    async def main() -> None:
        async with Upstream(ssl_ctx=_tls_server(ca, [])) as up:
            pool = UpstreamPool()  # System trust store: the test CA is unknown to it.
            with pytest.raises(UpstreamConnectError, match="certificate"):
                await pool.request("GET", up.url, [], b"", 2)
            # Name mismatch is a verification failure too.
            client_ctx = ssl.create_default_context()
            ca.configure_trust(client_ctx)
            pool2 = UpstreamPool(ssl_context=client_ctx)
            with pytest.raises(UpstreamConnectError, match="certificate"):
                await pool2.request("GET", up.url, [], b"", 2, server_hostname="other.test")
            await pool.close()
            await pool2.close()

    run(main())


def test_close_fails_in_flight_and_later_requests() -> None:
    async def handler(req: Seen, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(5)
        return False

    async def main() -> None:
        async with Upstream(handler) as up:
            pool = UpstreamPool()
            pool2 = UpstreamPool(max_per_host=1)
            task = asyncio.ensure_future(pool.request("GET", up.url, [], b"", 5))
            busy = asyncio.ensure_future(pool2.request("GET", up.url, [], b"", 5))
            queued = asyncio.ensure_future(pool2.request("GET", up.url, [], b"", 5))
            await asyncio.sleep(0.02)
            assert pool2.stats()[f"http://127.0.0.1:{up.port}"]["waiting"] == 1
            await pool.close()
            await pool2.close()
            with pytest.raises(UpstreamProtocolError):
                await task
            with pytest.raises(UpstreamProtocolError):
                await busy
            with pytest.raises(UpstreamConnectError, match="closed"):
                await queued
            with pytest.raises(UpstreamConnectError, match="closed"):
                await pool.request("GET", up.url, [], b"", 1)

    run(main())
