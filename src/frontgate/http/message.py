"""The request and response objects that cross the boundary between the HTTP core and the pipeline.

They are plain slotted classes (not frozen dataclasses) because one is built per request on the
hot path; the pipeline treats a received ``Request`` as read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Request:
    """One complete HTTP request as received from a client (the body fully buffered).

    ``target`` is the raw request-target exactly as sent (path and query, not decoded);
    ``headers`` keeps the client's order and casing, repeated fields as separate entries.
    """

    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes = b""
    http_version: str = "1.1"
    keep_alive: bool = True
    # Filled by the transport adapter, not by the parser.
    client_addr: tuple[str, int] = ("", 0)
    server_port: int = 0
    scheme: str = "http"
    # The Host header's value, captured by the parser so routing need not scan the headers.
    host: str = ""


@dataclass(slots=True)
class Response:
    """A response to write back. ``Content-Length``, ``Date`` and ``Connection`` are added by the
    serializer; any such header in ``headers`` is ignored by it."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
