"""The upstream head is passed to clients as the text it came in (pipeline/integration_response):
that is safe only because llhttp refuses every head that is not plain ``Name: value`` CRLF
lines. These tests pin that refusal, against a real server on loopback, so a more lenient parser
version fails here instead of letting a split header reach a client."""

from __future__ import annotations

import asyncio

import pytest
from tests.upstream.test_pool import Seen, Upstream

from frontgate.upstream.errors import UpstreamProtocolError
from frontgate.upstream.pool import UpstreamPool, UpstreamResponse

_OK = b"Content-Length: 2\r\n\r\nok"

MALFORMED = {
    "bare LF ends a header line": b"HTTP/1.1 200 OK\r\nA: b\n" + _OK,
    "LF-only head": b"HTTP/1.1 200 OK\nA: b\nContent-Length: 2\n\nok",
    "bare CR inside a value": b"HTTP/1.1 200 OK\r\nA: b\rX-Injected: 1\r\n" + _OK,
    "obs-fold continuation": b"HTTP/1.1 200 OK\r\nA: b\r\n  folded\r\n" + _OK,
    "space before the colon": b"HTTP/1.1 200 OK\r\nA : b\r\n" + _OK,
    "control character in a value": b"HTTP/1.1 200 OK\r\nA: b\x01c\r\n" + _OK,
    "NUL in a value": b"HTTP/1.1 200 OK\r\nA: b\x00c\r\n" + _OK,
    "line without a colon": b"HTTP/1.1 200 OK\r\nAb\r\n" + _OK,
    "empty field name": b"HTTP/1.1 200 OK\r\n: b\r\n" + _OK,
}


async def _fetch(raw: bytes) -> UpstreamResponse:
    """One GET through the pool to an upstream that answers ``raw`` and keeps the connection."""

    async def answer(req: Seen, writer: asyncio.StreamWriter) -> bool:
        writer.write(raw)
        return True

    async with Upstream(answer) as up:
        pool = UpstreamPool()
        try:
            return await pool.request("GET", up.url + "/", [], b"", 5.0)
        finally:
            await pool.close()


@pytest.mark.parametrize("raw", MALFORMED.values(), ids=list(MALFORMED))
def test_malformed_upstream_heads_are_refused(raw: bytes) -> None:
    with pytest.raises(UpstreamProtocolError, match="malformed upstream response"):
        asyncio.run(_fetch(raw))


def test_well_formed_head_is_kept_verbatim() -> None:
    raw = b"HTTP/1.1 201 Made\r\nX-A:  spaced  \r\nx-b: caf\xe9\r\nSet-Cookie: a=1\r\n" + _OK
    resp = asyncio.run(_fetch(raw))
    assert resp.status == 201 and resp.reason == "Made" and resp.body == b"ok"
    assert resp.head == "X-A:  spaced  \r\nx-b: caf\xe9\r\nSet-Cookie: a=1\r\nContent-Length: 2\r\n"
    assert resp.headers == [
        ("X-A", "spaced"),
        ("x-b", "caf\xe9"),
        ("Set-Cookie", "a=1"),
        ("Content-Length", "2"),
    ]
