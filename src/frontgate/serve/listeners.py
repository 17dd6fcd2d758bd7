"""Listening sockets, bound once by the main process and inherited by every worker, and the
file-descriptor budget of a worker's connections."""

from __future__ import annotations

import logging
import resource
import socket
from dataclasses import dataclass

log = logging.getLogger("frontgate.serve")

# Descriptors a worker keeps for what is not a client connection (state store, Redis, log files,
# function workers' pipes, the listeners) and for the admin listener: a third of the limit, at
# most this many.
FD_RESERVE = 1024
# The admin listener's own cap, taken from the reserve: the operator gets in even when the data
# plane is full.
ADMIN_MAX_CONNECTIONS = 256


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

    def close_admin(self) -> None:
        """In a data-plane worker: the admin listener is the control process's."""
        if self.admin is not None:
            self.admin.close()

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


def raise_fd_limit() -> int:
    """Raise this process's soft open-file limit to the hard limit (most systems start processes
    at a soft 1,024); returns the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError) as exc:  # e.g. an unlimited hard limit the kernel caps
            log.info("open-file limit stays at %d (not raised to %d: %s)", soft, target, exc)
    return int(soft)


def fd_reserve(nofile: int) -> int:
    return min(FD_RESERVE, nofile // 3)


def default_max_connections(nofile: int) -> int:
    """The data plane's connection cap for an open-file limit of ``nofile``: what is left after
    the reserve, halved because every client connection may need one to an upstream."""
    return max(1, (nofile - fd_reserve(nofile)) // 2)


def admin_max_connections(nofile: int) -> int:
    return max(8, min(ADMIN_MAX_CONNECTIONS, fd_reserve(nofile) // 4))
