"""Tracing for stages with ``tracingEnabled``: the trace is taken from W3C ``traceparent`` or
``X-Amzn-Trace-Id`` (or started), propagated to HTTP integrations in both forms as AWS does, and
its spans (request, authorizer, integration) are built when the request ends and handed to an
OTLP exporter that runs on its own thread — an unreachable collector drops spans, never waits."""

from __future__ import annotations

import logging
import os
import re
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from frontgate.http.message import Response
    from frontgate.pipeline.context import Context

log = logging.getLogger("frontgate.observe")

_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")
_XRAY_ROOT = re.compile(r"Root=1-([0-9a-fA-F]{8})-([0-9a-fA-F]{24})")
_XRAY_PARENT = re.compile(r"Parent=([0-9a-fA-F]{16})")
_XRAY_SAMPLED = re.compile(r"Sampled=([01?])")
_PROPAGATED = frozenset(("traceparent", "x-amzn-trace-id"))


def _span_id() -> str:
    return os.urandom(8).hex()


class Trace:
    """One request's trace: ids chosen when the method starts, spans recorded as it goes."""

    __slots__ = ("integration_id", "integration_start", "parent_id", "sampled", "span_id",
                 "spans", "trace_id")  # fmt: skip

    def __init__(self, trace_id: str, parent_id: str | None, sampled: bool) -> None:
        self.trace_id = trace_id
        self.parent_id = parent_id
        self.sampled = sampled
        self.span_id = _span_id()
        self.integration_id = _span_id()
        self.integration_start: float | None = None
        # Extra spans other stages record: (name, start, end (perf_counter), attributes).
        self.spans: list[tuple[str, float, float, dict[str, Any]]] = []

    @property
    def xray_root(self) -> str:
        return f"1-{self.trace_id[:8]}-{self.trace_id[8:]}"

    def propagate(self, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """The integration request's headers with our trace context in place of the client's."""
        self.integration_start = time.perf_counter()
        out = [(k, v) for k, v in headers if k.lower() not in _PROPAGATED]
        flag = "01" if self.sampled else "00"
        out.append(("traceparent", f"00-{self.trace_id}-{self.integration_id}-{flag}"))
        out.append(("X-Amzn-Trace-Id", f"Root={self.xray_root};Parent={self.integration_id};"
                                       f"Sampled={1 if self.sampled else 0}"))  # fmt: skip
        return out


def start(ctx: Context) -> Trace:
    traceparent = xray = None
    for k, v in ctx.request.headers:
        lk = k.lower()
        if lk == "traceparent":
            traceparent = v
        elif lk == "x-amzn-trace-id":
            xray = v
    if traceparent is not None:
        m = _TRACEPARENT.match(traceparent.strip().lower())
        if m is not None and m.group(1) != "0" * 32 and m.group(2) != "0" * 16:
            return Trace(m.group(1), m.group(2), int(m.group(3), 16) & 1 == 1)
    if xray is not None and (root := _XRAY_ROOT.search(xray)) is not None:
        parent = _XRAY_PARENT.search(xray)
        sampled = _XRAY_SAMPLED.search(xray)
        return Trace((root.group(1) + root.group(2)).lower(),
                     parent.group(1).lower() if parent else None,
                     sampled is None or sampled.group(1) != "0")  # fmt: skip
    # X-Ray ids begin with the epoch seconds; W3C accepts the same 128 bits.
    return Trace(f"{int(time.time()):08x}" + os.urandom(12).hex(), None, True)


def record_span(ctx: Context, name: str, start: float, end: float, **attributes: Any) -> None:
    """For other stages (e.g. the authorizer): add a span, times from ``time.perf_counter()``.
    Does nothing when the stage does not trace."""
    trace = ctx.trace
    if trace is not None:
        trace.spans.append((name, start, end, attributes))


class Exporter:
    """Turns finished requests into OpenTelemetry spans for an OTLP/HTTP collector. The SDK is
    imported on first use, so a gateway that never traces never loads it."""

    def __init__(self, endpoint: str | None, service_name: str = "frontgate") -> None:
        self.endpoint = endpoint
        self.service_name = service_name
        self._processor: Any = None
        self._sdk: Any = None

    def _setup(self) -> Any:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk import trace as sdk
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
        from opentelemetry.sdk.util.instrumentation import InstrumentationScope
        from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode, TraceFlags

        url = self.endpoint or ""
        if not url.rstrip("/").endswith("/v1/traces"):
            url = url.rstrip("/") + "/v1/traces"
        self._processor = BatchSpanProcessor(
            OTLPSpanExporter(endpoint=url, timeout=2),
            max_queue_size=8192,
            schedule_delay_millis=500,
        )
        self._sdk = (sdk.ReadableSpan, SpanContext, SpanKind, Status, StatusCode, TraceFlags,
                     Resource.create({"service.name": self.service_name}),
                     InstrumentationScope("frontgate"))  # fmt: skip
        return self._sdk

    def export(self, ctx: Context, resp: Response) -> int:
        """Hand the request's spans to the exporter; returns how many."""
        trace = ctx.trace
        if trace is None or not trace.sampled or not self.endpoint:
            return 0
        sdk = self._sdk
        if sdk is None:
            try:
                sdk = self._setup()
            except ImportError as exc:
                # Without the SDK, ids are still propagated; spans are not exported.
                log.error("tracing: OTLP export off (pip install 'frontgate[otel]'): %s", exc)
                self.endpoint = None
                return 0
        readable, span_ctx, kind, status_t, code, flags, resource, scope = sdk
        sampled = flags(flags.SAMPLED)
        tid = int(trace.trace_id, 16)
        root = span_ctx(tid, int(trace.span_id, 16), False, sampled)
        parent = (span_ctx(tid, int(trace.parent_id, 16), True, sampled)
                  if trace.parent_id else None)  # fmt: skip
        t0, w0 = ctx.start, ctx.start_wall

        def ns(perf: float) -> int:
            return int((w0 + perf - t0) * 1e9)

        now = time.perf_counter()
        stage, method = ctx.stage, ctx.method
        failed = resp.status >= 500
        attrs: dict[str, Any] = {
            "http.request.method": ctx.request.method,
            "http.route": method.resource_path if method else "",
            "url.path": ctx.request.target.partition("?")[0],
            "http.response.status_code": resp.status,
            "client.address": ctx.request.client_addr[0],
            "aws.api_gateway.rest_api_id": ctx.api_id,
            "aws.api_gateway.stage": ctx.stage_name,
            "aws.request_id": ctx.request_id,
            "aws.api_gateway.extended_request_id": ctx.extended_request_id,
            "aws.xray.trace_id": trace.xray_root,
        }
        name = f"{stage.api_name}/{ctx.stage_name}" if stage else ctx.stage_name
        spans = [
            readable(
                name,
                root,
                parent,
                resource,
                attrs,
                kind=kind.SERVER,
                status=status_t(code.ERROR if failed else code.UNSET),
                start_time=ns(t0),
                end_time=ns(now),
                instrumentation_scope=scope,
            )
        ]
        integ = method.integration if method else None
        if trace.integration_start is not None and integ is not None:
            end = (trace.integration_start + ctx.integration_latency / 1000
                   if ctx.integration_latency is not None else now)  # fmt: skip
            iattrs: dict[str, Any] = {"aws.api_gateway.integration.type": integ.type,
                      "http.request.method": integ.http_method or ctx.request.method,
                      "url.full": integ.uri}  # fmt: skip
            if ctx.integration_status is not None:
                iattrs["http.response.status_code"] = ctx.integration_status
            spans.append(readable(
                f"{integ.type} {integ.http_method or ctx.request.method}",
                span_ctx(tid, int(trace.integration_id, 16), False, sampled), root, resource,
                iattrs, kind=kind.CLIENT,
                status=status_t(code.ERROR if ctx.integration_status is None and ctx.error
                                else code.UNSET),
                start_time=ns(trace.integration_start), end_time=ns(end),
                instrumentation_scope=scope))  # fmt: skip
        for sname, start, end, extra in trace.spans:
            spans.append(readable(sname, span_ctx(tid, int(_span_id(), 16), False, sampled), root,
                                  resource, extra, kind=kind.INTERNAL, start_time=ns(start),
                                  end_time=ns(end), instrumentation_scope=scope))  # fmt: skip
        for span in spans:
            self._processor.on_end(span)
        return len(spans)

    def close(self) -> None:
        if self._processor is not None:
            # Bounded: an unreachable collector must not hold up shutdown.
            self._processor.force_flush(timeout_millis=1000)
