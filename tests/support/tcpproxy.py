"""A TCP relay on 127.0.0.1 that a test can cut and restore: ``close()`` drops every relayed
connection and stops listening (the far side looks unreachable), ``open()`` listens again on
the same port."""

from __future__ import annotations

import selectors
import socket
import threading


class TcpProxy:
    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._listener: socket.socket | None = None
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def open(self) -> TcpProxy:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(listener,), daemon=True)
        self._thread.start()
        return self

    def _run(self, listener: socket.socket) -> None:
        sel = selectors.DefaultSelector()
        sel.register(listener, selectors.EVENT_READ, None)
        peers: dict[socket.socket, socket.socket] = {}
        try:
            while not self._stop.is_set():
                for key, _ in sel.select(0.05):
                    sock = key.fileobj
                    assert isinstance(sock, socket.socket)
                    if sock is listener:
                        client, _ = listener.accept()
                        try:
                            upstream = socket.create_connection(self.target, timeout=5)
                        except OSError:
                            client.close()
                            continue
                        peers[client], peers[upstream] = upstream, client
                        with self._lock:
                            self._pairs.append((client, upstream))
                        sel.register(client, selectors.EVENT_READ, None)
                        sel.register(upstream, selectors.EVENT_READ, None)
                        continue
                    try:
                        data = sock.recv(65536)
                    except OSError:
                        data = b""
                    other = peers.get(sock)
                    if not data or other is None:
                        for s in (sock, other):
                            if s is not None and s in peers:
                                sel.unregister(s)
                                peers.pop(s, None)
                                s.close()
                        continue
                    try:
                        other.sendall(data)
                    except OSError:
                        pass
        finally:
            sel.close()
            for s in list(peers):
                s.close()

    def close(self) -> None:
        """Stop listening and cut every relayed connection."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            for a, b in self._pairs:
                for s in (a, b):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    s.close()
            self._pairs.clear()
