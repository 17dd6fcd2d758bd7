"""Stage 5 — access log: one JSON line per request, written in batches off the request path.

Writes are buffered and flushed by the event loop every 50 ms (or at 64 KiB), so a slow or full
disk delays log lines, never responses; a write failure is reported once and traffic goes on."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from typing import IO

from frontgate.http.message import Response
from frontgate.pipeline.context import Context
from frontgate.pipeline.values import request_time

log = logging.getLogger("frontgate.access")


class AccessLog:
    def __init__(self, destination: str) -> None:
        self.destination = destination
        self._buf: list[str] = []
        self._size = 0
        self._scheduled = False
        self._failed = False
        self._file: IO[str] | None = None
        if destination not in ("stdout", "-"):
            self._file = open(destination, "a", encoding="utf-8")  # noqa: SIM115

    def record(self, ctx: Context, resp: Response, response_latency: int) -> str:
        method = ctx.method
        line = json.dumps(
            {
                "requestId": ctx.request_id,
                "sourceIp": ctx.request.client_addr[0],
                "httpMethod": ctx.request.method,
                "resourcePath": method.resource_path if method else None,
                "path": ctx.request.target.partition("?")[0],
                "status": resp.status,
                "protocol": "HTTP/" + ctx.request.http_version,
                "responseLength": len(resp.body),
                "requestTime": request_time(ctx),
                "integrationLatency": ctx.integration_latency,
                "responseLatency": response_latency,
                "apiId": ctx.api_id or None,
                "stage": ctx.stage_name or None,
                "error": ctx.error,
            },
            separators=(",", ":"),
        )
        self._buf.append(line)
        self._size += len(line) + 1
        if self._size >= 65536:
            self.flush()
        elif not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_later(0.05, self.flush)
        return line

    def flush(self) -> None:
        self._scheduled = False
        if not self._buf:
            return
        data = "\n".join(self._buf) + "\n"
        self._buf.clear()
        self._size = 0
        try:
            out = self._file if self._file is not None else sys.stdout
            out.write(data)
            out.flush()
        except OSError as exc:
            if not self._failed:
                log.error("access log write to %s failed: %s", self.destination, exc)
                self._failed = True

    def close(self) -> None:
        self.flush()
        if self._file is not None:
            self._file.close()
