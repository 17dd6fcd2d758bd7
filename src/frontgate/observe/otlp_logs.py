"""Access-log lines as OpenTelemetry LogRecords, sent to an OTLP/HTTP collector
(``POST {endpoint}/v1/logs``, protobuf, through the OpenTelemetry SDK's exporter).

A request costs one ``deque.append``: a daemon thread wakes every ``DELAY`` seconds (or when a
batch is full), builds the records and exports them. A collector that is down or slow never holds
a request: a full queue drops new lines, a failed export drops its batch; both are counted in
metrics and reported in the process log at most once a minute."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

log = logging.getLogger("frontgate.observe")

MAX_QUEUE = 8192  # lines waiting for the exporter; more are dropped
BATCH = 512  # records per export request
DELAY = 0.5  # seconds between exports when no batch is full
TIMEOUT = 2.0  # seconds an export may take (retries included) before its batch is dropped
REPORT_EVERY = 60.0

# (time ns, line, api id, stage, request id)
Line = tuple[int, str, str, str, str]


class LogExporter:
    """The SDK is imported on the exporter thread's first run: a gateway whose stages never log
    to OTLP never loads it."""

    def __init__(
        self,
        endpoint: str,
        *,
        service_name: str = "frontgate",
        on_exported: Callable[[int], None] | None = None,
        on_dropped: Callable[[int], None] | None = None,
        on_batch_dropped: Callable[[int], None] | None = None,
    ) -> None:
        url = endpoint.rstrip("/")
        self.url = url if url.endswith("/v1/logs") else url + "/v1/logs"
        self.service_name = service_name
        # on_dropped runs on the request path (queue full); the others on the exporter thread.
        self.on_exported = on_exported
        self.on_dropped = on_dropped
        self.on_batch_dropped = on_batch_dropped
        self._queue: deque[Line] = deque()
        self._wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._reported = 0.0
        self._overflow_reported = 0.0

    def emit(self, line: str, api_id: str, stage: str, request_id: str) -> None:
        """Queue one formatted access-log line (request path: never blocks)."""
        queue = self._queue
        if len(queue) >= MAX_QUEUE:
            if self.on_dropped is not None:
                self.on_dropped(1)
            now = time.monotonic()
            if now - self._overflow_reported >= REPORT_EVERY:
                self._overflow_reported = now
                log.error("OTLP logs to %s: queue full, access-log lines dropped", self.url)
            return
        queue.append((time.time_ns(), line, api_id, stage, request_id))
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="otlp-logs", daemon=True)
            self._thread.start()
        elif len(queue) == BATCH:
            self._wake.set()

    def close(self, timeout: float = TIMEOUT) -> None:
        """Send what is queued (waiting at most ``timeout``) and stop the thread."""
        self._stop = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    # -- exporter thread --------------------------------------------------------------------

    def _setup(self) -> Callable[[list[Line]], bool]:
        from opentelemetry._logs import LogRecord, SeverityNumber
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
        from opentelemetry.sdk._logs import ReadableLogRecord
        from opentelemetry.sdk._logs.export import LogRecordExportResult
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.util.instrumentation import InstrumentationScope

        # The SDK logs every failed attempt; we report failures ourselves, once a minute.
        for name in ("opentelemetry.exporter.otlp.proto.http._log_exporter",
                     "opentelemetry.exporter.otlp.common.http"):  # fmt: skip
            logging.getLogger(name).setLevel(logging.CRITICAL)
        exporter = OTLPLogExporter(endpoint=self.url, timeout=TIMEOUT)
        resource = Resource.create({"service.name": self.service_name})
        scope = InstrumentationScope("frontgate.access")
        info = SeverityNumber.INFO

        def send(batch: list[Line]) -> bool:
            records = [
                ReadableLogRecord(
                    log_record=LogRecord(
                        timestamp=ts,
                        observed_timestamp=ts,
                        severity_number=info,
                        severity_text="INFO",
                        body=line,
                        attributes={
                            "aws.api_gateway.rest_api_id": api_id,
                            "aws.api_gateway.stage": stage,
                            "aws.request_id": request_id,
                        },
                    ),
                    resource=resource,
                    instrumentation_scope=scope,
                )
                for ts, line, api_id, stage, request_id in batch
            ]
            result: Any = exporter.export(records)
            return bool(result == LogRecordExportResult.SUCCESS)

        return send

    def _run(self) -> None:
        try:
            send = self._setup()
        except ImportError as exc:
            log.error("OTLP logs off (pip install 'frontgate[otel]'): %s", exc)
            self._queue.clear()
            return
        queue = self._queue
        while True:
            stopping = self._stop
            if not stopping and len(queue) < BATCH:
                self._wake.wait(DELAY)
                self._wake.clear()
            while queue:
                batch = [queue.popleft() for _ in range(min(BATCH, len(queue)))]
                try:
                    ok = send(batch)
                except Exception as exc:  # the thread must go on
                    ok, error = False, str(exc)
                else:
                    error = "the collector did not accept the batch"
                if ok:
                    if self.on_exported is not None:
                        self.on_exported(len(batch))
                    continue
                if self.on_batch_dropped is not None:
                    self.on_batch_dropped(len(batch))
                now = time.monotonic()
                if now - self._reported >= REPORT_EVERY or not self._reported:
                    self._reported = now
                    log.error("OTLP logs to %s failed, %d lines dropped: %s",
                              self.url, len(batch), error)  # fmt: skip
                if stopping:
                    queue.clear()
                if len(queue) < BATCH and not stopping:
                    break
            if stopping:
                return
