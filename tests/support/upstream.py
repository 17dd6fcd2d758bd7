"""A real HTTP/1.1 upstream on loopback for tests: echoes what it received as JSON.

Paths: ``/status/NNN`` answers that status; ``/slow/MS`` waits MS milliseconds first;
``/chunked`` answers with a chunked body; ``/headers`` sets response headers from the query
(``?X-Foo=bar``); anything else echoes."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def version_string(self) -> str:
        return "test-upstream"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        self.server.seen.append((self.command, self.path))
        self.server.connections.add(self.client_address)
        status = 200
        extra: list[tuple[str, str]] = []
        segs = parts.path.strip("/").split("/")
        if segs[0] == "status" and len(segs) > 1:
            status = int(segs[1])
        if segs[0] == "slow" and len(segs) > 1:
            time.sleep(int(segs[1]) / 1000)
        if segs[0] == "headers":
            extra = parse_qsl(parts.query)
        doc = {
            "method": self.command,
            "path": parts.path,
            "query": parts.query,
            "rawPath": self.path,
            "headers": [[k, v] for k, v in self.headers.items()],
            "body": body.decode("utf-8", "replace"),
        }
        payload = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for k, v in extra:
            self.send_header(k, v)
        if segs[0] == "chunked":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            half = len(payload) // 2
            for piece in (payload[:half], payload[half:]):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
            return
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    seen: list[tuple[str, str]]
    connections: set[tuple[str, int]]


class Upstream:
    def __init__(self, ssl_context: Any = None) -> None:
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.seen = []
        self.server.connections = set()
        if ssl_context is not None:
            self.server.socket = ssl_context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Upstream:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
