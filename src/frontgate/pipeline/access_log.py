"""Stage 5 — access log: the global ``--access-log`` line, one JSON object per request.

This module only formats; ``frontgate.observe`` writes the line through the same buffered,
rotating log sink as per-stage access logs, off the request path."""

from __future__ import annotations

import json
import os

from frontgate.http.message import Response
from frontgate.pipeline.context import Context
from frontgate.pipeline.values import context_var


class AccessLog:
    def __init__(self, destination: str) -> None:
        # As a log destination (see observe.sinks.destination_path): stdout or an absolute file.
        self.destination = (
            "stdout" if destination in ("stdout", "-") else "file://" + os.path.abspath(destination)
        )

    def line(self, ctx: Context, resp: Response, response_latency: int) -> str:
        method = ctx.method
        return json.dumps(
            {
                "requestId": ctx.request_id,
                "sourceIp": ctx.request.client_addr[0],
                "httpMethod": ctx.request.method,
                "resourcePath": method.resource_path if method else None,
                "path": ctx.request.target.partition("?")[0],
                "status": resp.status,
                "protocol": "HTTP/" + ctx.request.http_version,
                "responseLength": len(resp.body),
                "requestTime": context_var(ctx, "requestTime"),
                "integrationLatency": ctx.integration_latency,
                "responseLatency": response_latency,
                "apiId": ctx.api_id or None,
                "stage": ctx.stage_name or None,
                "error": ctx.error,
            },
            separators=(",", ":"),
        )
