"""Listening sockets, bound once by the main process and inherited by every worker."""

from __future__ import annotations

import socket
from dataclasses import dataclass


@dataclass
class Listeners:
    data: socket.socket
    admin: socket.socket | None
    tls: socket.socket | None

    @property
    def data_port(self) -> int:
        return int(self.data.getsockname()[1])

    @property
    def admin_port(self) -> int | None:
        return None if self.admin is None else int(self.admin.getsockname()[1])

    @property
    def tls_port(self) -> int | None:
        return None if self.tls is None else int(self.tls.getsockname()[1])

    def close(self) -> None:
        for sock in (self.data, self.admin, self.tls):
            if sock is not None:
                sock.close()


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(4096)
    sock.setblocking(False)
    return sock
