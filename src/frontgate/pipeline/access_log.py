"""Stage 5 — access log: the global ``--access-log`` line, one JSON object per request.

This module only formats; ``frontgate.observe`` writes the line through the same buffered,
rotating log sink as per-stage access logs, off the request path. The line is built directly
rather than through ``json.dumps`` of a dict (a third of the cost): strings that need no
escaping, the usual case, are quoted as they are, the rest go through the JSON encoder."""

from __future__ import annotations

import json
import os

from frontgate.http.message import Response
from frontgate.observe.access_format import request_time
from frontgate.pipeline.context import Context

_encode = json.encoder.encode_basestring_ascii


def _str(value: str | None) -> str:
    """A JSON string for text from outside (paths, error messages)."""
    if value is None:
        return "null"
    if value.isascii() and value.isprintable() and '"' not in value and "\\" not in value:
        return '"' + value + '"'
    return _encode(value)


def _safe(value: str | None) -> str:
    """A JSON string for text that cannot need escaping: ids, addresses, methods."""
    return "null" if value is None else '"' + value + '"'


def _int(value: int | None) -> str:
    return "null" if value is None else str(value)


class AccessLog:
    def __init__(self, destination: str) -> None:
        # As a log destination (see observe.sinks.destination_path): stdout or an absolute file.
        self.destination = (
            "stdout" if destination in ("stdout", "-") else "file://" + os.path.abspath(destination)
        )

    def line(self, ctx: Context, resp: Response, response_latency: int) -> str:
        method = ctx.method
        request = ctx.request
        return (
            f'{{"requestId":{_safe(ctx.request_id)},'
            f'"sourceIp":{_safe(request.client_addr[0])},'
            f'"httpMethod":{_safe(request.method)},'
            f'"resourcePath":{_str(method.resource_path if method else None)},'
            f'"path":{_str(request.target.partition("?")[0])},'
            f'"status":{resp.status},'
            f'"protocol":"HTTP/{request.http_version}",'
            f'"responseLength":{len(resp.body)},'
            f'"requestTime":"{request_time(ctx)}",'
            f'"integrationLatency":{_int(ctx.integration_latency)},'
            f'"responseLatency":{response_latency},'
            f'"apiId":{_safe(ctx.api_id or None)},'
            f'"stage":{_str(ctx.stage_name or None)},'
            f'"error":{_str(ctx.error)}}}'
        )
