"""Unit tests of the sans-IO server connection core: no sockets, a fake clock."""

from __future__ import annotations

import pytest

from frontgate.http.errors import ProtocolError
from frontgate.http.limits import Limits
from frontgate.http.message import Request, Response
from frontgate.http.server_conn import CLOSE, ServerConnection


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def make(limits: Limits | None = None) -> tuple[ServerConnection, Clock]:
    clock = Clock()
    return ServerConnection(limits or Limits(), clock), clock


def requests(conn: ServerConnection) -> list[Request]:
    out = []
    while (r := conn.next_request()) is not None:
        out.append(r)
    return out


def one(data: bytes, limits: Limits | None = None) -> Request:
    conn, _ = make(limits)
    conn.feed(data)
    assert conn.error is None
    [req] = requests(conn)
    return req


def error_of(data: bytes, limits: Limits | None = None) -> ProtocolError:
    conn, _ = make(limits)
    conn.feed(data)
    assert conn.error is not None
    assert requests(conn) == []
    # Once failed, nothing more is parsed.
    conn.feed(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert requests(conn) == []
    return conn.error


def parse_response(data: bytes) -> tuple[str, dict[str, str], bytes]:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(": ")
        assert name.lower() not in headers, f"duplicate {name}"
        headers[name.lower()] = value
    return lines[0], headers, body


CHUNKED = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
GET = b"GET /a?b=1 HTTP/1.1\r\nHost: example.com\r\nX-Mixed-Case: V\r\n\r\n"
BAD_REQUEST = (400, b'{"message":"Bad Request"}', "application/json")


# -- framing --------------------------------------------------------------------------------------


def test_simple_get() -> None:
    req = one(GET)
    assert req.method == "GET"
    assert req.target == "/a?b=1"
    assert req.headers == [("Host", "example.com"), ("X-Mixed-Case", "V")]
    assert req.body == b""
    assert req.http_version == "1.1"
    assert req.keep_alive is True


@pytest.mark.parametrize(
    "target", ["/p%20q/%C3%A9?x=%2F&y", "http://h.example/a?b", "*", "/a//b/../c"]
)
def test_target_is_kept_raw(target: str) -> None:
    assert one(f"OPTIONS {target} HTTP/1.1\r\nHost: a\r\n\r\n".encode()).target == target


def test_repeated_headers_keep_order_and_casing() -> None:
    req = one(b"GET / HTTP/1.1\r\nhost: a\r\nX-A: 1\r\nx-a: 2\r\nCOOKIE: c\r\n\r\n")
    assert req.headers == [("host", "a"), ("X-A", "1"), ("x-a", "2"), ("COOKIE", "c")]


@pytest.mark.parametrize("sent", [b"k", b"k ", b"k\t", b" k \t ", b"\tk"])
def test_whitespace_around_header_values_is_not_part_of_them(sent: bytes) -> None:
    # RFC 9110 §5.5: x-api-key "k " is the key "k".
    req = one(b"GET / HTTP/1.1\r\nHost: a\r\nx-api-key:" + sent + b"\r\nX-In: a b\r\n\r\n")
    assert req.headers == [("Host", "a"), ("x-api-key", "k"), ("X-In", "a b")]


def test_blank_header_value_stays_empty() -> None:
    assert one(b"GET / HTTP/1.1\r\nX-E:  \t\r\n\r\n").headers == [("X-E", "")]


def test_content_length_body() -> None:
    req = one(b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello")
    assert (req.method, req.body) == ("POST", b"hello")


def test_content_length_body_split_across_feeds() -> None:
    conn, _ = make()
    conn.feed(b"PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n01234")
    assert conn.next_request() is None
    assert conn.receiving
    conn.feed(b"56789")
    req = conn.next_request()
    assert req is not None and req.body == b"0123456789"
    assert not conn.receiving


def test_chunked_body_decoded_with_extensions_and_trailers() -> None:
    req = one(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3;ext=1\r\nabc\r\n5\r\ndefgh\r\n0\r\nX-Trailer: t\r\n\r\n"
    )
    assert req.body == b"abcdefgh"
    # Trailers are not merged into the request's headers.
    assert req.headers == [("Host", "a"), ("Transfer-Encoding", "chunked")]


def test_chunked_transfer_encoding_is_case_insensitive() -> None:
    req = one(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n"
    )
    assert req.body == b"x"


def test_pipelined_three_requests_in_one_feed() -> None:
    conn, _ = make()
    conn.feed(
        b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
        b"POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
        b"DELETE /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nzz\r\n0\r\n\r\n"
    )
    assert conn.error is None
    got = [(r.method, r.target, r.body) for r in requests(conn)]
    assert got == [("GET", "/1", b""), ("POST", "/2", b"abc"), ("DELETE", "/3", b"zz")]


def test_pipelined_requests_byte_by_byte() -> None:
    data = (
        b"GET /first HTTP/1.1\r\nHost: a\r\n\r\n"
        b"POST /second HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbody"
        b"PATCH /third HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"4\r\nabcd\r\n0\r\n\r\n"
    )
    conn, _ = make()
    for i in range(len(data)):
        conn.feed(data[i : i + 1])
    assert conn.error is None
    got = [(r.method, r.target, r.body, r.headers[0]) for r in requests(conn)]
    assert got == [
        ("GET", "/first", b"", ("Host", "a")),
        ("POST", "/second", b"body", ("Host", "a")),
        ("PATCH", "/third", b"abcd", ("Host", "a")),
    ]


def test_custom_method() -> None:
    assert one(b"PROPFIND / HTTP/1.1\r\nHost: a\r\n\r\n").method == "PROPFIND"


# -- keep-alive -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "connection", "expected"),
    [
        ("1.1", None, True),
        ("1.1", "close", False),
        ("1.1", "Close", False),
        ("1.1", "keep-alive", True),
        ("1.0", None, False),
        ("1.0", "keep-alive", True),
        ("1.0", "Keep-Alive", True),
        ("1.0", "close", False),
    ],
)
def test_keep_alive_decision(version: str, connection: str | None, expected: bool) -> None:
    extra = f"Connection: {connection}\r\n" if connection else ""
    req = one(f"GET / HTTP/{version}\r\nHost: a\r\n{extra}\r\n".encode())
    assert req.http_version == version
    assert req.keep_alive is expected


def test_upgrade_request_is_answered_then_closed() -> None:
    conn, _ = make()
    conn.feed(
        b"GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
        b"\x81\x05hello"
    )
    assert conn.error is None
    # The listener may take the connection over: the request and the bytes after its head.
    assert conn.upgrade is not None and conn.upgrade.target == "/ws"
    assert conn.upgrade_rest == b"\x81\x05hello"
    [req] = requests(conn)
    assert req.target == "/ws" and req.keep_alive is False


def test_plain_request_reports_no_upgrade() -> None:
    conn, _ = make()
    conn.feed(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n")
    assert conn.upgrade is None


# -- malformed input and smuggling shapes ---------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"GARBAGE\r\n\r\n", id="no-request-line"),
        pytest.param(b"G@T / HTTP/1.1\r\nHost: a\r\n\r\n", id="bad-method"),
        pytest.param(b"GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", id="space-in-target"),
        pytest.param(b"GET / HTTP/1.1\r\nHost : a\r\n\r\n", id="space-before-colon"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\x00b\r\n\r\n", id="nul-in-value"),
        pytest.param(b"GET / HTTP/1.1\r\nNoColon\r\n\r\n", id="no-colon"),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"0\r\n\r\n",
            id="cl-then-te",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
            b"0\r\n\r\n",
            id="te-then-cl",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
            id="duplicate-equal-cl",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
            id="duplicate-different-cl",
        ),
        pytest.param(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 1\r\n\r\na", id="cl-list"),
        pytest.param(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3x\r\n\r\nabc", id="cl-junk"),
        pytest.param(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", id="cl-neg"),
        pytest.param(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n", id="cl-empty"),
        pytest.param(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc", id="cl-plus"),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
            id="te-gzip-chunked",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", id="te-gzip"
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n",
            id="te-chunked-identity",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            id="te-twice",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n", id="te-xchunked"
        ),
        pytest.param(
            CHUNKED + b"zz\r\nab\r\n0\r\n\r\n",
            id="chunk-size-not-hex",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"fffffffffffffffffff\r\nab\r\n0\r\n\r\n",
            id="chunk-size-overflow",
        ),
        pytest.param(
            CHUNKED + b"-1\r\nab\r\n0\r\n\r\n",
            id="chunk-size-negative",
        ),
        pytest.param(
            CHUNKED + b"2\r\nabc\r\n0\r\n\r\n",
            id="chunk-longer-than-size",
        ),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n  c\r\n\r\n", id="obs-fold-space"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n\tc\r\n\r\n", id="obs-fold-tab"),
        pytest.param(b"GET / HTTP/1.1\nHost: a\n\n", id="bare-lf-everywhere"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n", id="bare-lf-in-headers"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\rX: y\r\n\r\n", id="bare-cr"),
        pytest.param(b"GET / HTTP/1.2\r\nHost: a\r\n\r\n", id="version-1.2"),
    ],
)
def test_malformed_and_smuggling_shapes_are_400(data: bytes) -> None:
    err = error_of(data)
    assert (err.status, err.body, err.content_type) == BAD_REQUEST


def test_error_after_good_requests_keeps_them() -> None:
    conn, _ = make()
    conn.feed(GET + b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx")
    assert [r.target for r in requests(conn)] == ["/a?b=1"]
    assert conn.error is not None and conn.error.status == 400


@pytest.mark.parametrize("version", [b"2.0", b"0.9"])
@pytest.mark.parametrize(
    "connection", [b"", b"Connection: keep-alive\r\n", b"Connection: close\r\n"]
)
def test_other_http_versions_are_505(version: bytes, connection: bytes) -> None:
    # Whatever the Connection field says: the version is read whenever keep-alive does not
    # already prove HTTP/1.1.
    err = error_of(b"GET / HTTP/" + version + b"\r\nHost: a\r\n" + connection + b"\r\n")
    assert err.status == 505


# -- size limits ----------------------------------------------------------------------------------


def test_body_over_limit_from_content_length_is_413_before_the_body() -> None:
    conn, _ = make()
    conn.feed(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10485761\r\n\r\n")
    err = conn.error
    assert err is not None
    assert err.status == 413
    assert err.body == b"HTTP content length exceeded 10485760 bytes."
    assert err.content_type == "text/plain"
    status, headers, body = parse_response(conn.serialize_error(err))
    assert status == "HTTP/1.1 413 Request Entity Too Large"
    assert headers["content-type"] == "text/plain"
    assert headers["connection"] == "close"
    assert headers["content-length"] == str(len(body))
    assert body == b"HTTP content length exceeded 10485760 bytes."
    assert headers["x-amzn-errortype"] == "RequestTooLargeException"
    # The refused request's head goes with the error: a listener can answer per service.
    assert err.request is not None
    assert (err.request.method, err.request.target) == ("POST", "/")
    assert err.request.headers[0] == ("Host", "a")


def test_error_responses_carry_api_gateways_request_ids() -> None:
    conn, _ = make()
    conn.feed(b"BAD\r\n\r\n")
    assert conn.error is not None
    first = parse_response(conn.serialize_error(conn.error))
    second = parse_response(conn.serialize_error(conn.error))
    for status, headers, body in (first, second):
        assert status == "HTTP/1.1 400 Bad Request"
        assert body == b'{"message":"Bad Request"}'
        assert headers["content-type"] == "application/json"
        assert headers["x-amzn-errortype"] == "BadRequestException"
        assert len(headers["x-amzn-requestid"]) == 36
        assert len(headers["x-amz-apigw-id"]) == 16 and headers["x-amz-apigw-id"][-1] == "="
    # A new id per response.
    assert first[1]["x-amzn-requestid"] != second[1]["x-amzn-requestid"]


def test_body_at_limit_is_accepted() -> None:
    req = one(b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", Limits(max_body_bytes=10))
    assert req.body == b"0123456789"


def test_chunked_body_over_limit_is_413_while_reading() -> None:
    conn, _ = make(Limits(max_body_bytes=10))
    conn.feed(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n")
    assert conn.error is None
    conn.feed(b"6\r\nghijkl\r\n")
    assert conn.error is not None
    assert (conn.error.status, conn.error.body) == (413, b"HTTP content length exceeded 10 bytes.")


def test_headers_over_byte_limit_are_431() -> None:
    limits = Limits(max_header_bytes=100)
    # Counted as name + value + CRLF: "Host" "ab" is 8 bytes, "X" and 89 "v"s are 92: 100 fits.
    fine = b"GET / HTTP/1.1\r\nHost: ab\r\nX: " + b"v" * 89 + b"\r\n\r\n"
    assert one(fine, limits).headers[1] == ("X", "v" * 89)
    err = error_of(b"GET / HTTP/1.1\r\nHost: ab\r\nX: " + b"v" * 90 + b"\r\n\r\n", limits)
    assert (err.status, err.body) == (431, b'{"message":"Request Header Fields Too Large"}')


def test_unfinished_huge_header_is_431() -> None:
    # httptools only reports a header at its line end: the raw-byte bound must catch this.
    conn, _ = make(Limits(max_header_bytes=1000, max_url_chars=1000))
    conn.feed(b"GET / HTTP/1.1\r\nX-Big: ")
    for _ in range(10):
        conn.feed(b"v" * 500)
    assert conn.error is not None and conn.error.status == 431


def test_too_many_header_fields_is_431() -> None:
    limits = Limits(max_headers=5)
    assert len(one(b"GET / HTTP/1.1\r\n" + b"X: 1\r\n" * 5 + b"\r\n", limits).headers) == 5
    err = error_of(b"GET / HTTP/1.1\r\n" + b"X: 1\r\n" * 6 + b"\r\n", limits)
    assert err.status == 431


def test_url_over_limit_is_414() -> None:
    limits = Limits(max_url_chars=20)
    assert one(b"GET /" + b"a" * 19 + b" HTTP/1.1\r\n\r\n", limits).target == "/" + "a" * 19
    err = error_of(b"GET /" + b"a" * 20 + b" HTTP/1.1\r\n\r\n", limits)
    assert (err.status, err.body) == (414, b'{"message":"Request-URI Too Long"}')


def test_url_over_limit_is_414_when_fed_in_pieces() -> None:
    conn, _ = make(Limits(max_url_chars=20))
    conn.feed(b"GET /")
    for _ in range(5):
        conn.feed(b"aaaaaa")
    assert conn.error is not None and conn.error.status == 414


# -- Expect ---------------------------------------------------------------------------------------


def test_expect_100_continue_is_sent_after_headers() -> None:
    conn, _ = make()
    conn.feed(b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")
    assert conn.data_to_send() == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert conn.data_to_send() == b""
    conn.feed(b"abc")
    req = conn.next_request()
    assert req is not None and req.body == b"abc"


def test_expect_100_continue_waits_for_earlier_responses() -> None:
    conn, _ = make()
    conn.feed(GET + b"POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")
    first = conn.next_request()
    assert first is not None
    # The 100 must not overtake the response to the pipelined GET.
    assert conn.data_to_send() == b""
    conn.serialize(Response(200), first)
    conn.response_sent()
    assert conn.data_to_send() == b"HTTP/1.1 100 Continue\r\n\r\n"


def test_expect_100_continue_ignored_without_body_or_for_http10() -> None:
    conn, _ = make()
    conn.feed(b"GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n")
    conn.feed(b"POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n")
    assert conn.data_to_send() == b""
    assert conn.error is None


def test_unknown_expectation_is_417() -> None:
    err = error_of(b"POST / HTTP/1.1\r\nExpect: something-else\r\nContent-Length: 1\r\n\r\nx")
    assert err.status == 417


# -- deadlines ------------------------------------------------------------------------------------


def test_idle_connection_closes_silently_after_keepalive_timeout() -> None:
    conn, _ = make(Limits(keepalive_timeout=5))
    assert conn.deadline() == 1005.0
    assert conn.on_deadline(1004.9) is None
    assert conn.on_deadline(1005.0) == CLOSE


def test_header_timeout_counts_from_first_byte() -> None:
    conn, clock = make(Limits(header_timeout=2, keepalive_timeout=60))
    clock.t = 1010.0
    conn.feed(b"GET / HTTP/1.1\r\nHo")
    assert conn.deadline() == 1012.0
    clock.t = 1011.0
    conn.feed(b"st: a\r\n")  # Progress does not extend the header deadline.
    assert conn.deadline() == 1012.0
    assert conn.on_deadline(1011.5) is None
    err = conn.on_deadline(1012.0)
    assert isinstance(err, ProtocolError)
    assert (err.status, err.body) == (408, b'{"message":"Request Timeout"}')
    assert conn.error is err
    assert conn.deadline() is None


def test_body_timeout_counts_from_end_of_headers() -> None:
    conn, clock = make(Limits(header_timeout=2, body_timeout=5))
    conn.feed(b"POST / HTTP/1.1\r\n")
    clock.t = 1001.5
    conn.feed(b"Content-Length: 10\r\n\r\n01234")
    assert conn.deadline() == 1006.5
    clock.t = 1006.0
    conn.feed(b"567")
    assert conn.on_deadline(1006.0) is None
    err = conn.on_deadline(1006.5)
    assert isinstance(err, ProtocolError) and err.status == 408


def test_no_deadline_while_the_app_holds_a_request_and_idle_starts_after_response() -> None:
    conn, clock = make(Limits(keepalive_timeout=5, header_timeout=2))
    conn.feed(GET)
    req = conn.next_request()
    assert req is not None
    assert conn.deadline() is None
    clock.t = 1100.0  # The app was slow; not the client's fault.
    assert conn.on_deadline(1100.0) is None
    conn.serialize(Response(200), req)
    conn.response_sent()
    assert conn.deadline() == 1105.0
    clock.t = 1103.0
    conn.feed(b"GET / HTTP/1.1\r\n")
    assert conn.deadline() == 1105.0  # Now the header timer: 1103 + 2.


def test_partial_next_request_timer_resumes_after_response() -> None:
    conn, clock = make(Limits(header_timeout=2))
    conn.feed(GET + b"GET /next HTTP/1.1\r\n")
    req = conn.next_request()
    assert req is not None and conn.deadline() is None
    clock.t = 1050.0
    conn.response_sent()
    assert conn.deadline() == 1052.0


# -- serialization --------------------------------------------------------------------------------


def test_serialize_basic_response() -> None:
    conn, _ = make()
    req = one(GET)
    resp = Response(
        201,
        [
            ("Content-Type", "application/json"),
            ("X-Multi", "1"),
            ("X-Multi", "2"),
            ("content-length", "999"),
            ("Connection", "upgrade"),
            ("DATE", "yesterday"),
            ("Transfer-Encoding", "chunked"),
        ],
        b'{"id":1}',
    )
    data = conn.serialize(resp, req)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "HTTP/1.1 201 Created"
    assert lines[1:4] == ["Content-Type: application/json", "X-Multi: 1", "X-Multi: 2"]
    assert lines[4] == "Content-Length: 8"
    assert lines[5].startswith("Date: ") and lines[5].endswith(" GMT")
    assert lines[6] == "Connection: keep-alive"
    assert len(lines) == 7
    assert body == b'{"id":1}'


def test_serialize_close_when_request_not_keep_alive() -> None:
    conn, _ = make()
    req = one(b"GET / HTTP/1.0\r\n\r\n")
    _, headers, _ = parse_response(conn.serialize(Response(200, [], b"x"), req))
    assert headers["connection"] == "close"


def test_serialize_head_has_length_but_no_body() -> None:
    conn, _ = make()
    req = one(b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n")
    data = conn.serialize(Response(200, [("Content-Type", "text/plain")], b"hello"), req)
    status, headers, body = parse_response(data)
    assert status == "HTTP/1.1 200 OK"
    assert headers["content-length"] == "5"
    assert body == b""
    assert data.endswith(b"\r\n\r\n")


@pytest.mark.parametrize("status", [204, 304, 100])
def test_serialize_bodyless_statuses(status: int) -> None:
    conn, _ = make()
    data = conn.serialize(Response(status, [("X", "y")], b"ignored"), one(GET))
    _, headers, body = parse_response(data)
    assert "content-length" not in headers
    assert headers["x"] == "y"
    assert body == b""


def test_serialize_unknown_status_and_drops_header_injection() -> None:
    conn, _ = make()
    resp = Response(299, [("X-Ok", "1"), ("X-Evil", "a\r\nSet-Cookie: x=1"), ("X-Lf", "b\nc")])
    status, headers, _ = parse_response(conn.serialize(resp, one(GET)))
    assert status.startswith("HTTP/1.1 299")
    assert headers["x-ok"] == "1"
    assert "set-cookie" not in headers and "x-evil" not in headers and "x-lf" not in headers
