"""Execution logs as AWS writes them (``API-Gateway-Execution-Logs_{apiId}/{stage}``): the steps
of one request, one event per line prefixed with the request id. Secrets are masked and bodies
truncated; events longer than 1024 bytes are cut, as CloudWatch's are (reference §6.1)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

if TYPE_CHECKING:
    from frontgate.http.message import Response
    from frontgate.pipeline.context import Context

BODY_LIMIT = 1000  # bytes of a body shown before "[TRUNCATED]"
EVENT_LIMIT = 1024
_CUT = " [TRUNCATED]"
SECRET_HEADERS = frozenset(("authorization", "proxy-authorization", "x-api-key", "cookie",
                            "set-cookie", "x-amz-security-token"))  # fmt: skip


class ExecLog(list[str]):
    """The lines of one request, plus how much to write (chosen per method at compile time)."""

    __slots__ = ("data_trace", "errors_only", "written")

    def __init__(self, data_trace: bool, errors_only: bool, written: bool = True) -> None:
        super().__init__()
        self.data_trace = data_trace
        self.errors_only = errors_only
        # False for TestInvokeMethod: its log is returned to the caller, never written to the
        # stage's execution log (as on AWS).
        self.written = written


def mask(value: str) -> str:
    # Like AWS's API-key masking: enough of the end to tell keys apart, never the secret.
    return "*" * (len(value) - 4) + value[-4:] if len(value) >= 16 else "*" * len(value)


def headers_text(headers: Iterable[tuple[str, str]]) -> str:
    """AWS prints maps Java-style: ``{Name=value, Other=value}``."""
    return (
        "{"
        + ", ".join(f"{k}={mask(v) if k.lower() in SECRET_HEADERS else v}" for k, v in headers)
        + "}"
    )


def body_text(body: bytes) -> str:
    text = body[:BODY_LIMIT].decode("utf-8", "replace")
    return text + " [TRUNCATED]" if len(body) > BODY_LIMIT else text


def begin(ctx: Context, data_trace: bool, errors_only: bool) -> None:
    """Start the log for a method that has execution logging on (called by its plan stage)."""
    out = ctx.exec_log = ExecLog(data_trace, errors_only)
    req = ctx.request
    out.append(f"Extended Request Id: {ctx.extended_request_id}")
    out.append(f"Starting execution for request: {ctx.request_id}")
    out.append(f"HTTP Method: {req.method}, Resource Path: {ctx.path}")
    if data_trace:
        method_request(ctx, out, ctx.path_params.items(), req.headers)


def method_request(
    ctx: Context,
    out: list[str],
    path: Iterable[tuple[str, str]],
    headers: Iterable[tuple[str, str]],
) -> None:
    """The data-trace lines describing the method request, Java-style maps as AWS prints."""
    out.append("Method request path: " + headers_text(path))
    pairs = parse_qsl(ctx.raw_query, keep_blank_values=True) if ctx.raw_query else []
    out.append("Method request query string: " + headers_text(pairs))
    out.append("Method request headers: " + headers_text(headers))
    out.append("Method request body before transformations: " + body_text(ctx.request.body))


def endpoint_request(ctx: Context, url: str, headers: list[tuple[str, str]], body: bytes) -> None:
    out = ctx.exec_log
    if isinstance(out, ExecLog) and out.data_trace:
        out.append("Endpoint request headers: " + headers_text(headers))
        out.append("Endpoint request body after transformations: " + body_text(body))
        out.append(f"Sending request to {url}")


def finish(ctx: Context, resp: Response) -> list[str]:
    """The request's events, completed and formatted as file lines (empty when the method logs
    errors only and this request had none)."""
    out = ctx.exec_log
    if out is None:
        return []
    data_trace = isinstance(out, ExecLog) and out.data_trace
    failed = ctx.error is not None or resp.status >= 500
    if data_trace and ctx.integration_status is not None:
        out.append("Endpoint response headers: " + headers_text(ctx.upstream_header_pairs()))
        out.append("Endpoint response body before transformations: "
                   + body_text(ctx.upstream_body))  # fmt: skip
    if data_trace:
        out.append("Method response body after transformations: " + body_text(resp.body))
        out.append("Method response headers: " + headers_text(resp.all_headers()))
    if failed:
        out.append(f"Method completed with status: {resp.status}")
    else:
        out.append("Successfully completed execution")
        out.append(f"Method completed with status: {resp.status}")
    events: list[str] = list(out)
    if isinstance(out, ExecLog) and out.errors_only:
        if not failed:
            return []
        events = [e for e in events if "failed" in e or e.startswith("Method completed")]
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ctx.start_wall))
    stamp += f".{int(ctx.start_wall * 1000) % 1000:03d}Z ({ctx.request_id}) "
    return stamped(events, stamp)


def stamped(events: list[str], stamp: str) -> list[str]:
    """Execution-log lines: each event after its time and request id, on one line, cut to
    CloudWatch's event limit as AWS cuts them."""
    lines = []
    for event in events:
        line = stamp + event.replace("\n", " ")
        if len(line.encode()) > EVENT_LIMIT:
            cut = EVENT_LIMIT - len(_CUT)
            line = line.encode()[:cut].decode("utf-8", "ignore") + _CUT
        lines.append(line)
    return lines
