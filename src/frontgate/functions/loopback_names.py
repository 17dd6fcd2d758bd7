"""Names under ``.localhost`` resolve to loopback inside a function worker (RFC 6761 §6.3), as
browsers and systemd-resolved resolve them but glibc's ``files dns`` does not. A WebSocket
handler then reaches this gateway at ``http://{domainName}/{stage}`` when ``domainName`` is
``{apiId}.execute-api.localhost:{port}``, the invoke URL's host (AWS's usual pattern for the
``@connections`` endpoint)."""

from __future__ import annotations

import socket
from typing import Any

_SUFFIX = ".localhost"


def _loopback(host: Any) -> Any:
    """``localhost`` for any name under ``.localhost``; other hosts as given."""
    if isinstance(host, bytes):
        name = host.decode("ascii", "replace")
    elif isinstance(host, str):
        name = host
    else:
        return host
    return "localhost" if name.rstrip(".").lower().endswith(_SUFFIX) else host


def install() -> None:
    """Wrap ``socket.getaddrinfo`` and ``socket.gethostbyname`` (what http.client, urllib3,
    botocore and asyncio resolve with) in this process; idempotent."""
    if getattr(socket.getaddrinfo, "_loopback_names", False):
        return
    getaddrinfo = socket.getaddrinfo
    gethostbyname = socket.gethostbyname

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        return getaddrinfo(_loopback(host), *args, **kwargs)

    def by_name(host: str) -> str:
        return gethostbyname(_loopback(host))

    resolve._loopback_names = True  # type: ignore[attr-defined]
    socket.getaddrinfo = resolve
    socket.gethostbyname = by_name
