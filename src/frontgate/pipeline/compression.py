"""Payload compression for REST APIs with ``minimumCompressionSize`` (``Stage.min_compression``).

Only stages that set it reach this module: methods of such APIs get ``decode_stage`` in their
compiled policy stages (``pipeline.plan``: after authorization, before validation), and the runner
tests ``Stage.min_compression`` once per response. As AWS documents it:

* a request body sent with ``Content-Encoding`` gzip, deflate or identity is decoded before
  mapping templates and integrations see it; any other coding, or a body that does not decode,
  is AWS's 415 ``Unsupported Media Type``; a body that decodes to more than the 10 MB payload
  quota is a 413;
* a method response body of at least ``minimumCompressionSize`` bytes is compressed with the
  client's highest-priority ``Accept-Encoding`` coding when that is gzip or deflate (nothing when
  it is identity, ``*``, absent or one API Gateway does not support), unless the response
  already carries a ``Content-Encoding`` (the integration compressed it itself).
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Final

from frontgate.gateway_errors import GatewayError, unsupported_media_type
from frontgate.http.limits import MAX_BODY_BYTES
from frontgate.http.message import Request, Response, header_pairs
from frontgate.pipeline.context import Context

if TYPE_CHECKING:
    from frontgate.pipeline.env import Env

SUPPORTED: Final = frozenset(("gzip", "deflate", "identity"))
# zlib's wbits: 31 a gzip wrapper, 15 a zlib wrapper (HTTP's "deflate"), -15 raw deflate.
_GZIP_BITS: Final = 31
_ZLIB_BITS: Final = 15
_RAW_BITS: Final = -15


def request_too_large() -> GatewayError:
    return GatewayError(
        "REQUEST_TOO_LARGE", "Request Entity Too Large", "RequestTooLargeException", spaced=True
    )


def decode_stage(ctx: Context, env: Env) -> None:
    """The policy stage (``pipeline.plan``) of every method of an API with compression on."""
    decode_request(ctx)


def decode_request(ctx: Context) -> None:
    """Replace ``ctx.request`` with one whose body is decoded, when it came with a supported
    ``Content-Encoding``; the header is left out of the new request (the body is no longer
    encoded), so a proxy integration does not forward a coding the body lacks."""
    req = ctx.request
    coding: str | None = None
    for name, value in req.headers:
        if name.lower() == "content-encoding":
            coding = value.strip().lower()
    if coding is None:
        return
    body = req.body
    if coding != "identity":
        if coding not in SUPPORTED:
            ctx.log(f"Unsupported Content-Encoding: {coding}")
            raise unsupported_media_type()
        body = decompress(ctx, body, coding)
    headers = [(n, v) for n, v in req.headers if n.lower() != "content-encoding"]
    ctx.request = Request(
        req.method, req.target, headers, body, req.http_version, req.keep_alive,
        req.client_addr, req.server_port, req.scheme, req.host,
    )  # fmt: skip


def decompress(ctx: Context, body: bytes, coding: str) -> bytes:
    """``body`` decoded (gzip, or deflate as zlib data or, as some clients send it, raw), at
    most the payload quota; 415 when it is not what ``coding`` says, 413 when it is too big."""
    if not body:
        return body
    attempts = (_GZIP_BITS,) if coding == "gzip" else (_ZLIB_BITS, _RAW_BITS)
    for bits in attempts:
        decoder = zlib.decompressobj(bits)
        try:
            out = decoder.decompress(body, MAX_BODY_BYTES + 1)
        except zlib.error:
            continue
        if len(out) > MAX_BODY_BYTES or decoder.unconsumed_tail:
            ctx.log("Request body exceeds the payload quota once decompressed")
            raise request_too_large()
        if not decoder.eof:
            continue  # truncated
        return out
    ctx.log(f"Request body is not valid {coding} data")
    raise unsupported_media_type()


def pick_coding(accept_encoding: str | None) -> str | None:
    """The coding to compress with for this ``Accept-Encoding``: the highest-priority entry
    (the first of equal weights), when it is gzip or deflate; None otherwise."""
    if not accept_encoding:
        return None
    best: str | None = None
    best_q = 0.0
    for item in accept_encoding.split(","):
        token, _, params = item.partition(";")
        name = token.strip().lower()
        if not name:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, val = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(val.strip())
                except ValueError:
                    q = 0.0
        if q > best_q:
            best, best_q = name, q
        elif q == best_q and q > 0 and best not in ("gzip", "deflate") and name in SUPPORTED:
            best = name  # among equals, a supported coding is the one to use
    if best in ("gzip", "deflate"):
        return best
    return None


def compress_response(ctx: Context, resp: Response, minimum: int) -> None:
    """Compress ``resp``'s body in place when AWS would (see the module's docstring)."""
    body = resp.body
    if len(body) < minimum or not body:
        return
    accept: str | None = None
    for name, value in ctx.request.headers:
        if name.lower() == "accept-encoding":
            accept = value if accept is None else f"{accept},{value}"
    coding = pick_coding(accept)
    if coding is None:
        return
    if resp.head and any(n.lower() == "content-encoding" for n, _ in header_pairs(resp.head)):
        return
    if any(n.lower() == "content-encoding" for n, _ in resp.headers):
        return
    # A non-proxy integration's own answer was compressed (its headers are not the method
    # response's): compressing what it sent again would only hide that.
    if any(n.lower() == "content-encoding" for n, _ in ctx.upstream_header_pairs()):
        return
    encoder = zlib.compressobj(6, zlib.DEFLATED, _GZIP_BITS if coding == "gzip" else _ZLIB_BITS)
    resp.body = encoder.compress(body) + encoder.flush()
    resp.headers.append(("Content-Encoding", coding))
