"""Inside a function worker, names under ``.localhost`` resolve to loopback (RFC 6761), so a
handler reaches the gateway at an invoke URL's ``{apiId}.execute-api.localhost`` host."""

from __future__ import annotations

import socket

import pytest

from frontgate.functions import loopback_names


def test_localhost_names_resolve_to_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", socket.getaddrinfo)
    monkeypatch.setattr(socket, "gethostbyname", socket.gethostbyname)
    loopback_names.install()
    loopback_names.install()  # idempotent: one wrapper
    for name in ("abc123.execute-api.localhost", "A.LOCALHOST.", b"x.localhost"):
        addresses = {info[4][0] for info in socket.getaddrinfo(name, 80)}  # type: ignore[arg-type]
        assert addresses <= {"127.0.0.1", "::1"} and addresses, name
    assert socket.gethostbyname("api.execute-api.localhost") == "127.0.0.1"
    # Other names are left to the system's resolver.
    assert {i[4][0] for i in socket.getaddrinfo("127.0.0.2", 80)} == {"127.0.0.2"}
    with pytest.raises(OSError):
        socket.getaddrinfo("localhost.invalid", 80)
