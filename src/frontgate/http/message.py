"""The request and response objects that cross the boundary between the HTTP core and the pipeline.

They are plain slotted classes with hand-written ``__init__`` (not dataclasses) because one is
built per request on the hot path: mypyc compiles an explicit ``__init__`` to C, while the one
``dataclasses`` generates at import time stays interpreted and costs several times more. The
pipeline treats a received ``Request`` as read-only.
"""

from __future__ import annotations


def header_pairs(head: str) -> list[tuple[str, str]]:
    """Serialized header lines (``Name: value\r\n`` each, as llhttp accepts them: no obs-fold,
    no bare CR or LF) as (name, value) pairs, values without surrounding whitespace."""
    out: list[tuple[str, str]] = []
    for line in head.split("\r\n"):
        name, sep, value = line.partition(":")
        if sep:
            out.append((name, value.strip(" \t")))
    return out


class Request:
    """One complete HTTP request as received from a client (the body fully buffered).

    ``target`` is the raw request-target exactly as sent (path and query, not decoded);
    ``headers`` keeps the client's order and casing, repeated fields as separate entries.
    ``client_addr``, ``server_port`` and ``scheme`` are filled by the transport adapter, not by
    the parser; ``host`` is the Host header's value, captured by the parser so routing need not
    scan the headers.
    """

    __slots__ = (
        "body",
        "client_addr",
        "headers",
        "host",
        "http_version",
        "keep_alive",
        "method",
        "scheme",
        "server_port",
        "target",
    )

    def __init__(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        body: bytes = b"",
        http_version: str = "1.1",
        keep_alive: bool = True,
        client_addr: tuple[str, int] = ("", 0),
        server_port: int = 0,
        scheme: str = "http",
        host: str = "",
    ) -> None:
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
        self.http_version = http_version
        self.keep_alive = keep_alive
        self.client_addr = client_addr
        self.server_port = server_port
        self.scheme = scheme
        self.host = host

    def __repr__(self) -> str:
        return (
            f"Request({self.method!r}, {self.target!r}, {self.headers!r}, {self.body!r}, "
            f"http_version={self.http_version!r}, keep_alive={self.keep_alive!r}, "
            f"host={self.host!r})"
        )


class Response:
    """A response to write back. ``Content-Length``, ``Date`` and ``Connection`` are added by the
    serializer; any such header in ``headers`` is ignored by it.

    ``head`` is header lines already serialized (``Name: value\\r\\n`` each, free of framing
    fields and stray CR/LF), written before ``headers``: the proxy path passes an upstream's
    lines through this way. ``all_headers()`` lists both as pairs."""

    __slots__ = ("body", "head", "headers", "status")

    def __init__(
        self,
        status: int,
        headers: list[tuple[str, str]] | None = None,
        body: bytes = b"",
        head: str = "",
    ) -> None:
        self.status = status
        self.headers: list[tuple[str, str]] = [] if headers is None else headers
        self.body = body
        self.head = head

    def all_headers(self) -> list[tuple[str, str]]:
        """Every header this response carries (before the serializer's own), in order."""
        if not self.head:
            return self.headers
        return [*header_pairs(self.head), *self.headers]

    def __repr__(self) -> str:
        return f"Response({self.status!r}, {self.all_headers()!r}, {self.body!r})"
