"""Tests of the asyncio adapter over real loopback sockets (127.0.0.1, port 0) on uvloop."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager, suppress
from typing import Any

import pytest
import uvloop
from tests.support.garbage import collector_off, cyclic_garbage_kinds

from frontgate.http.budget import ConnectionBudget
from frontgate.http.errors import ProtocolError
from frontgate.http.limits import Limits
from frontgate.http.message import Request, Response
from frontgate.http.server import Handler, ServerState, make_server_factory

ReadResult = tuple[int, dict[str, str], bytes]


def run(coro: Coroutine[Any, Any, None]) -> None:
    # Every test fails rather than hangs.
    uvloop.run(asyncio.wait_for(coro, 10))


@asynccontextmanager
async def serving(
    handler: Handler, limits: Limits | None = None, ssl_ctx: ssl.SSLContext | None = None
) -> AsyncIterator[tuple[ServerState, int]]:
    state = ServerState(handler, limits, scheme="https" if ssl_ctx else "http")
    loop = asyncio.get_running_loop()
    server = await loop.create_server(make_server_factory(state), "127.0.0.1", 0, ssl=ssl_ctx)
    port: int = server.sockets[0].getsockname()[1]
    try:
        yield state, port
    finally:
        server.close()
        await state.shutdown(0.5)
        await server.wait_closed()


async def connect(
    port: int, ssl_ctx: ssl.SSLContext | None = None
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port, ssl=ssl_ctx)


async def read_response(reader: asyncio.StreamReader) -> ReadResult:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")[:-2]
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(": ")
        headers[name.lower()] = value
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers, body


async def close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with suppress(ConnectionError, ssl.SSLError):
        await writer.wait_closed()


def get(target: str, extra: str = "") -> bytes:
    return f"GET {target} HTTP/1.1\r\nHost: t\r\n{extra}\r\n".encode()


def echo(request: Request) -> Response:
    return Response(
        200,
        [("Content-Type", "text/plain")],
        f"{request.method} {request.target} {request.scheme} {request.server_port} "
        f"{request.client_addr[0]}".encode()
        + b" "
        + request.body,
    )


async def async_echo(request: Request) -> Response:
    # A later request finishes first, to prove ordering is by arrival, not completion.
    delay = float(request.target.rsplit("/", 1)[-1] or 0)
    await asyncio.sleep(delay)
    return echo(request)


def test_sync_handler_and_request_fields() -> None:
    async def main() -> None:
        async with serving(echo) as (state, port):
            reader, writer = await connect(port)
            writer.write(get("/hello?x=1"))
            status, headers, body = await read_response(reader)
            assert status == 200
            assert headers["connection"] == "keep-alive"
            assert "date" in headers
            assert body == f"GET /hello?x=1 http {port} 127.0.0.1 ".encode()
            writer.write(b"POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nbody")
            _, _, body = await read_response(reader)
            assert body == f"POST /p http {port} 127.0.0.1 body".encode()
            await close(writer)
            assert state.requests_total == 2 and state.connections_total == 1

    run(main())


def test_async_handler() -> None:
    async def main() -> None:
        async with serving(async_echo) as (_, port):
            reader, writer = await connect(port)
            for _ in range(3):
                writer.write(get("/0.01"))
                status, _, body = await read_response(reader)
                assert status == 200 and body.startswith(b"GET /0.01 ")
            await close(writer)

    run(main())


def test_pipelined_responses_come_back_in_request_order() -> None:
    async def main() -> None:
        async with serving(async_echo) as (_, port):
            reader, writer = await connect(port)
            targets = ["/0.15", "/0", "/0.05", "/0", "/0.01"]
            writer.write(b"".join(get(t) for t in targets))
            bodies = [(await read_response(reader))[2] for _ in targets]
            assert [b.split(b" ")[1].decode() for b in bodies] == targets
            await close(writer)

    run(main())


def test_pipelined_sync_answer_waits_behind_async_one() -> None:
    def mixed(request: Request) -> Response | Awaitable[Response]:
        return async_echo(request) if request.target.startswith("/0.") else echo(request)

    async def main() -> None:
        async with serving(mixed) as (_, port):
            reader, writer = await connect(port)
            targets = ["/0.1", "/sync", "/0.01", "/sync2"]
            writer.write(b"".join(get(t) for t in targets))
            bodies = [(await read_response(reader))[2] for _ in targets]
            assert [b.split(b" ")[1].decode() for b in bodies] == targets
            await close(writer)

    run(main())


def test_pipelined_unsafe_requests_run_one_at_a_time() -> None:
    running = 0
    peak = {"GET": 0, "POST": 0}

    async def handler(request: Request) -> Response:
        nonlocal running
        running += 1
        peak[request.method] = max(peak[request.method], running)
        await asyncio.sleep(0.02)
        running -= 1
        return Response(200, [], request.target.encode())

    async def main() -> None:
        async with serving(handler) as (_, port):
            reader, writer = await connect(port)
            writer.write(get("/g1") + get("/g2") + get("/g3"))
            assert [(await read_response(reader))[2] for _ in range(3)] == [b"/g1", b"/g2", b"/g3"]
            post = b"POST /p%d HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"
            writer.write(b"".join(post % i for i in range(3)) + get("/g4"))
            got = [(await read_response(reader))[2] for _ in range(4)]
            assert got == [b"/p0", b"/p1", b"/p2", b"/g4"]
            await close(writer)

    run(main())
    assert peak == {"GET": 3, "POST": 1}


def test_many_pipelined_requests_past_the_pause_mark() -> None:
    async def main() -> None:
        async with serving(async_echo, Limits(max_pipelined=2)) as (_, port):
            reader, writer = await connect(port)
            targets = [f"/0.00{i % 3}" for i in range(40)]
            writer.write(b"".join(get(t) for t in targets))
            bodies = [(await read_response(reader))[2] for _ in targets]
            assert [b.split(b" ")[1].decode() for b in bodies] == targets
            await close(writer)

    run(main())


def test_client_that_stops_reading_gets_everything_once_it_reads() -> None:
    # Large responses fill the socket buffers, so the transport pauses writing mid-pipeline.
    big = b"x" * 300_000

    def handler(request: Request) -> Response:
        return Response(200, [], request.target.encode() + big)

    async def main() -> None:
        async with serving(handler, Limits(max_pipelined=4)) as (state, port):
            reader, writer = await connect(port)
            writer.write(b"".join(get(f"/{i}") for i in range(30)))
            await asyncio.sleep(0.2)
            [protocol] = state.connections
            assert protocol.writing_paused  # The server noticed and stopped producing.
            for i in range(30):
                status, _, body = await read_response(reader)
                assert status == 200 and body == f"/{i}".encode() + big
            await close(writer)

    run(main())


def test_half_closed_client_still_gets_its_responses() -> None:
    async def main() -> None:
        async with serving(async_echo) as (_, port):
            reader, writer = await connect(port)
            writer.write(get("/0.05") + get("/0"))
            writer.write_eof()
            assert (await read_response(reader))[2].startswith(b"GET /0.05")
            assert (await read_response(reader))[2].startswith(b"GET /0 ")
            assert await reader.read() == b""
            await close(writer)

    run(main())


def test_malformed_request_gets_400_and_close() -> None:
    async def main() -> None:
        async with serving(echo) as (state, port):
            reader, writer = await connect(port)
            writer.write(
                b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
            )
            status, headers, body = await read_response(reader)
            assert (status, body) == (400, b'{"message":"Bad Request"}')
            assert headers["connection"] == "close"
            assert headers["content-type"] == "application/json"
            assert await reader.read() == b""
            await close(writer)
            assert state.protocol_errors_total == 1

    run(main())


def test_error_after_a_good_pipelined_request_keeps_order() -> None:
    async def main() -> None:
        async with serving(async_echo) as (_, port):
            reader, writer = await connect(port)
            writer.write(get("/0.05") + b"BROKEN\r\n\r\n")
            status, _, body = await read_response(reader)
            assert status == 200 and body.startswith(b"GET /0.05")
            assert (await read_response(reader))[0] == 400
            assert await reader.read() == b""
            await close(writer)

    run(main())


def test_body_too_large_is_413_plain_text() -> None:
    async def main() -> None:
        async with serving(echo, Limits(max_body_bytes=100)) as (_, port):
            reader, writer = await connect(port)
            writer.write(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 101\r\n\r\n")
            status, headers, body = await read_response(reader)
            assert (status, body) == (413, b"HTTP content length exceeded 100 bytes.")
            assert headers["content-type"] == "text/plain"
            assert await reader.read() == b""
            await close(writer)

    run(main())


@pytest.mark.parametrize("is_async", [False, True])
def test_handler_exception_is_500_and_connection_survives(
    is_async: bool, caplog: pytest.LogCaptureFixture
) -> None:
    def sync_handler(request: Request) -> Response:
        if request.target == "/boom":
            raise RuntimeError("secret detail")
        return echo(request)

    async def async_handler(request: Request) -> Response:
        await asyncio.sleep(0)
        return sync_handler(request)

    handler: Callable[[Request], Response | Awaitable[Response]]
    handler = async_handler if is_async else sync_handler

    async def main() -> None:
        async with serving(handler) as (state, port):
            reader, writer = await connect(port)
            writer.write(get("/boom"))
            status, headers, body = await read_response(reader)
            assert status == 500
            assert headers["content-type"] == "application/json"
            assert body == b'{"message": "Internal server error"}'
            assert headers["connection"] == "keep-alive"
            assert headers["x-amzn-errortype"] == "InternalServerErrorException"
            assert len(headers["x-amzn-requestid"]) == 36
            writer.write(get("/next"))
            status, _, body = await read_response(reader)
            assert status == 200 and body.startswith(b"GET /next")
            await close(writer)
            assert state.handler_errors_total == 1

    run(main())
    assert "secret detail" in caplog.text  # Logged with the traceback, not sent.
    assert any(r.exc_info for r in caplog.records)


async def _refused(port: int, source: str = "127.0.0.1") -> bool:
    """True when a new connection is closed without an answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    try:
        writer.write(get("/"))
        return await reader.read() == b""
    except ConnectionError:
        return True
    finally:
        await close(writer)


def test_connections_over_the_total_cap_are_closed_on_arrival(
    caplog: pytest.LogCaptureFixture,
) -> None:
    budget = ConnectionBudget(max_total=2, name="data plane")

    async def main() -> None:
        state = ServerState(echo, budget=budget)
        loop = asyncio.get_running_loop()
        server = await loop.create_server(make_server_factory(state), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        held = [await connect(port) for _ in range(2)]
        for reader, writer in held:
            writer.write(get("/held"))
            assert (await read_response(reader))[0] == 200
        assert await _refused(port)
        assert await _refused(port)
        assert (budget.open, budget.refused_total, budget.refused_per_client) == (2, 2, 0)
        # Still serving the admitted ones; a place freed is taken again.
        reader, writer = held[0]
        writer.write(get("/again"))
        assert (await read_response(reader))[0] == 200
        await close(writer)
        for _ in range(100):
            if budget.open < 2:
                break
            await asyncio.sleep(0.01)
        other_reader, other_writer = await connect(port)
        other_writer.write(get("/new"))
        assert (await read_response(other_reader))[0] == 200
        await close(other_writer)
        await close(held[1][1])
        server.close()
        await state.shutdown(0.5)
        await server.wait_closed()
        assert budget.open == 0

    run(main())
    # One line for the operator, not one per refused connection.
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        "data plane: new connections are closed on arrival (2 connections open; refused so "
        "far: 1 at the total cap, 0 at the per-client cap)"
    ]


def test_per_client_cap_counts_connections_by_address() -> None:
    changes: list[int] = []
    budget = ConnectionBudget(max_per_client=1, on_change=lambda b: changes.append(b.open))

    async def main() -> None:
        async with serving(echo) as (state, port):
            state.budget = budget
            reader, writer = await connect(port)
            writer.write(get("/"))
            assert (await read_response(reader))[0] == 200
            assert await _refused(port)
            assert budget.refused_per_client == 1
            other_reader, other_writer = await asyncio.open_connection(
                "127.0.0.1", port, local_addr=("127.0.0.2", 0)
            )
            other_writer.write(get("/"))
            assert (await read_response(other_reader))[0] == 200
            assert budget.per_client == {"127.0.0.1": 1, "127.0.0.2": 1}
            await close(writer)
            await close(other_writer)

    run(main())
    assert budget.open == 0 and budget.per_client == {}
    assert changes[:3] == [1, 1, 2]  # opened, refused, opened


def test_protocol_errors_use_the_listeners_renderer() -> None:
    seen: list[int] = []

    def render(error: ProtocolError) -> Response:
        seen.append(error.status)
        return Response(error.status, [("X-Service", "mine")], b"<own/>")

    async def main() -> None:
        state = ServerState(echo, render_error=render)
        loop = asyncio.get_running_loop()
        server = await loop.create_server(make_server_factory(state), "127.0.0.1", 0)
        reader, writer = await connect(server.sockets[0].getsockname()[1])
        writer.write(b"BAD\r\n\r\n")
        status, headers, body = await read_response(reader)
        assert (status, headers["x-service"], body) == (400, "mine", b"<own/>")
        assert headers["connection"] == "close"
        await close(writer)
        server.close()
        await state.shutdown(0.5)

    run(main())
    assert seen == [400]


def test_slow_client_gets_408() -> None:
    async def main() -> None:
        limits = Limits(header_timeout=0.2, keepalive_timeout=5)
        async with serving(echo, limits) as (_, port):
            # Taken before the connection exists, so a slow machine can only make it larger.
            # When the timer fires is checked exactly, on a fake clock, in test_server_conn.py;
            # this proves the adapter arms it and answers (the run's 10 s bound catches a hang).
            start = time.monotonic()
            reader, writer = await connect(port)
            writer.write(b"GET / HTTP/1.1\r\nHost: t\r\nX-Half")
            status, headers, body = await read_response(reader)
            assert (status, body) == (408, b'{"message":"Request Timeout"}')
            assert headers["connection"] == "close"
            assert time.monotonic() - start > 0.15  # not before 0.2 s (loop ticks in ms)
            assert await reader.read() == b""
            await close(writer)

    run(main())


def test_slow_body_gets_408() -> None:
    async def main() -> None:
        limits = Limits(header_timeout=5, body_timeout=0.2)
        async with serving(echo, limits) as (_, port):
            reader, writer = await connect(port)
            writer.write(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
            assert (await read_response(reader))[0] == 408
            await close(writer)

    run(main())


def test_idle_keepalive_connection_is_closed_silently() -> None:
    async def main() -> None:
        async with serving(echo, Limits(keepalive_timeout=0.2)) as (state, port):
            start = time.monotonic()  # before the idle timer can be armed
            reader, writer = await connect(port)
            writer.write(get("/"))
            assert (await read_response(reader))[0] == 200
            assert await reader.read() == b""  # closed without a response
            assert time.monotonic() - start > 0.15  # not before the 0.2 s keep-alive timeout
            await close(writer)
            await asyncio.sleep(0.01)
            assert not state.connections

    run(main())


def test_expect_100_continue_over_socket() -> None:
    async def main() -> None:
        async with serving(echo) as (_, port):
            reader, writer = await connect(port)
            writer.write(
                b"PUT /u HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"
            )
            assert await reader.readuntil(b"\r\n\r\n") == b"HTTP/1.1 100 Continue\r\n\r\n"
            writer.write(b"hi")
            status, _, body = await read_response(reader)
            assert status == 200 and body.endswith(b" hi")
            await close(writer)

    run(main())


def test_graceful_shutdown_finishes_in_flight_request(caplog: pytest.LogCaptureFixture) -> None:
    started = asyncio.Event()
    release = asyncio.Event()

    async def slow(request: Request) -> Response:
        started.set()
        await release.wait()
        return Response(200, [], b"done")

    async def main() -> None:
        state = ServerState(slow, Limits())
        loop = asyncio.get_running_loop()
        server = await loop.create_server(make_server_factory(state), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        idle_reader, idle_writer = await connect(port)
        reader, writer = await connect(port)
        writer.write(get("/slow"))
        await started.wait()
        server.close()
        # A shutdown timeout far beyond the run's 10 s bound: the test fails unless shutdown
        # ends when the last request is answered rather than when the timeout runs out.
        shutdown = asyncio.create_task(state.shutdown(60))
        # The idle connection is closed without a response while the request is still in flight.
        assert await idle_reader.read() == b""
        assert not shutdown.done()
        release.set()
        status, headers, body = await read_response(reader)
        assert (status, body) == (200, b"done")
        assert headers["connection"] == "close"
        assert await reader.read() == b""
        await shutdown
        assert not state.connections
        await close(writer)
        await close(idle_writer)
        await server.wait_closed()

    run(main())
    assert not [r for r in caplog.records if "shutdown" in r.getMessage()]  # nothing was cut


def test_shutdown_timeout_answers_stuck_requests_503_and_logs_each(
    caplog: pytest.LogCaptureFixture,
) -> None:
    started = asyncio.Event()

    async def stuck(request: Request) -> Response:
        started.set()
        await asyncio.sleep(30)  # beyond the run's 10 s bound: only the cut can answer it
        return Response(200)

    async def main() -> None:
        state = ServerState(stuck)
        loop = asyncio.get_running_loop()
        server = await loop.create_server(make_server_factory(state), "127.0.0.1", 0)
        reader, writer = await connect(server.sockets[0].getsockname()[1])
        writer.write(get("/slow"))
        await started.wait()  # the request is with the app, not still arriving
        server.close()
        start = time.monotonic()  # a slow machine can only make the wait longer
        await state.shutdown(0.2)
        assert time.monotonic() - start > 0.15  # waited for the timeout (loop ticks in ms)
        assert not state.connections
        # Not an empty reply: a 503 in API Gateway's shape, then the connection closes.
        status, headers, body = await read_response(reader)
        assert (status, body) == (503, b'{"message":"Service Unavailable"}')
        assert headers["connection"] == "close"
        assert headers["x-amzn-errortype"] == "ServiceUnavailableException"
        assert len(headers["x-amzn-requestid"]) == 36
        assert await reader.read() == b""
        await close(writer)
        await server.wait_closed()

    run(main())
    cut = [r.getMessage() for r in caplog.records if "shutdown" in r.getMessage()]
    assert cut == [
        "shutdown: GET /slow from 127.0.0.1 not answered within the 0.2 s shutdown timeout: "
        "answered 503"
    ]


def test_tls_transport() -> None:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)

    async def main() -> None:
        async with serving(echo, ssl_ctx=server_ctx) as (_, port):
            reader, writer = await connect(port, client_ctx)
            writer.write(get("/a") + get("/b"))
            assert (await read_response(reader))[2].startswith(b"GET /a https")
            assert (await read_response(reader))[2].startswith(b"GET /b https")
            await close(writer)

    run(main())


def test_a_closed_connection_is_freed_without_the_cyclic_collector() -> None:
    # A worker freezes its long-lived objects out of the collector (frontgate/gc_policy.py): the
    # connections of a client that leaves must not need it to be freed.
    import gc

    async def main() -> None:
        async with serving(echo) as (state, port):
            gc.collect()  # what was garbage before is not this test's
            reader, writer = await connect(port)
            writer.write(get("/a"))
            assert (await read_response(reader))[0] == 200
            await close(writer)
            while state.connections:
                await asyncio.sleep(0.01)
            kinds = cyclic_garbage_kinds()
            assert "ServerConnection" not in kinds
            assert "HttpProtocol" not in kinds

    with collector_off():
        run(main())
