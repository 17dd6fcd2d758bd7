"""The server side of the WebSocket opening handshake (RFC 6455 §4.2) over a request the HTTP
core already parsed: the checks, the ``101 Switching Protocols`` answer (with
permessage-deflate when offered, RFC 7692, negotiated by wsproto's extension), and the
plain HTTP answers that refuse a handshake."""

from __future__ import annotations

import json
from http import HTTPStatus

from wsproto.extensions import PerMessageDeflate
from wsproto.handshake import server_extensions_handshake
from wsproto.utilities import generate_accept_token

from frontgate.http.message import Request

CLIENT_WINDOW_BITS = 10  # what the client may compress against, when it leaves it to us


class Offer:
    """What a valid handshake request asks for."""

    __slots__ = ("extensions", "extensions_header", "key", "protocols")

    def __init__(self, key: str, protocols: list[str], extensions: list[str]) -> None:
        self.key = key
        self.protocols = protocols
        # Negotiated now: the extension objects wsproto's connection will use, and the header.
        # server_no_context_takeover (RFC 7692 7.1.1.1: the server may add it unasked): wsproto
        # then drops its compressor after each message, instead of every connection that was
        # ever sent a message keeping about 256 KB of zlib state. The client's context must be
        # kept (unless it offers client_no_context_takeover); when it lets the server choose
        # its window (client_max_window_bits, as browsers do), 1 KB instead of 32 KB keeps
        # that decompressor small for as long as the connection lives.
        pmd = PerMessageDeflate(client_max_window_bits=CLIENT_WINDOW_BITS,
                                server_no_context_takeover=True)  # fmt: skip
        accepted = server_extensions_handshake(extensions, [pmd]) if extensions else None
        self.extensions = [pmd] if accepted else []
        self.extensions_header = accepted.decode("ascii") if accepted else ""


class BadHandshake(Exception):
    def __init__(self, status: int, message: str, headers: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.status = status
        self.headers = headers or []


def _values(request: Request, name: str) -> list[str]:
    return [
        part.strip()
        for k, v in request.headers
        if k.lower() == name
        for part in v.split(",")
        if part.strip()
    ]


def read_offer(request: Request) -> Offer:
    """The handshake's key, subprotocols and extension offers; raises ``BadHandshake``."""
    if "websocket" not in [v.lower() for v in _values(request, "upgrade")]:
        raise BadHandshake(400, "Upgrade header must be websocket")
    if "upgrade" not in [v.lower() for v in _values(request, "connection")]:
        raise BadHandshake(400, "Connection header must include Upgrade")
    if _values(request, "sec-websocket-version") != ["13"]:
        raise BadHandshake(426, "Unsupported WebSocket version", [("Sec-WebSocket-Version", "13")])
    keys = _values(request, "sec-websocket-key")
    if len(keys) != 1:
        raise BadHandshake(400, "Sec-WebSocket-Key header is missing")
    extensions: list[str] = []
    for k, v in request.headers:
        if k.lower() == "sec-websocket-extensions":
            extensions += [e.strip() for e in v.split(",") if e.strip()]
    return Offer(keys[0], _values(request, "sec-websocket-protocol"), extensions)


def accept(offer: Offer, protocol: str | None) -> bytes:
    """The ``101 Switching Protocols`` head."""
    lines = [
        "HTTP/1.1 101 Switching Protocols",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Accept: {generate_accept_token(offer.key.encode('latin-1')).decode()}",
    ]
    if offer.extensions_header:
        lines.append(f"Sec-WebSocket-Extensions: {offer.extensions_header}")
    if protocol:
        lines.append(f"Sec-WebSocket-Protocol: {protocol}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def refuse(
    status: int,
    request_id: str,
    message: str | None = None,
    headers: tuple[tuple[str, str], ...] | list[tuple[str, str]] = (),
) -> bytes:
    """A refused handshake: ``status`` with ``{"message": ...}`` (AWS's text for the status
    when none is given), ``Connection: close``."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    body = json.dumps({"message": message or phrase}).encode()
    lines = [f"HTTP/1.1 {status} {phrase}", "Content-Type: application/json",
             f"Content-Length: {len(body)}", f"x-amzn-RequestId: {request_id}",
             "Connection: close"]  # fmt: skip
    lines += [f"{k}: {v}" for k, v in headers if "\r" not in k + v and "\n" not in k + v]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
