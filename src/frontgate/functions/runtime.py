"""The function worker's invocation loop, compiled with the request path: read invoke frames,
run the handler, send results. ``bootstrap`` sets the process up (pipes, limits, the handler's
import) and hands over to :func:`serve`; what user code sees (``context``, ``sys.stdout``,
logging) stays plain Python there."""

from __future__ import annotations

import json
import os
import resource
import sys
import threading
import time
import traceback
from typing import Any, BinaryIO, Final

from frontgate.functions import frames, proxy_event

# Lambda's synchronous response limit (bytes): larger results become Function.ResponseSizeTooLarge.
MAX_RESPONSE: Final = 6291556
# json.dumps(result) without its per-call argument handling (same output: the defaults).
_ENCODER: Final = json.JSONEncoder()


class Channel:
    """Writes frames to the gateway; shared by the result path and the log writers."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.lock = threading.Lock()

    def send(self, data: bytes) -> None:
        with self.lock:
            self.out.write(data)

    def result(
        self, payload: bytes, error: bool = False, fatal: bool = False, handler_ms: float = 0.0
    ) -> None:
        """The invocation's result, with the peak memory use for the REPORT line and how long
        the handler ran (the gateway sizes its pool of workers by it)."""
        maxrss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        self.send(frames.result_frame(error, fatal, maxrss_kb, int(handler_ms * 1000), payload))


def error_doc(
    exc: BaseException, error_type: str | None = None, message: str | None = None, skip: int = 1
) -> dict[str, Any]:
    """Lambda's error payload for an exception (``skip``: the runtime's own frames)."""
    tb = traceback.extract_tb(exc.__traceback__)[skip:]
    return {
        "errorMessage": str(exc) if message is None else message,
        "errorType": error_type or type(exc).__name__,
        "stackTrace": traceback.format_list(tb),
    }


def serve(
    channel: Channel,
    inp: int,
    func: Any,
    init_error: dict[str, Any] | None,
    context_type: Any,
    formatter: Any,
) -> None:
    """Answer invoke frames on ``inp`` until the gateway closes it; ``context_type`` makes the
    handler's ``context``, ``formatter`` (the logging formatter) learns each request id."""
    decoder = frames.Decoder()
    while True:
        # 64 KiB: a 1 MiB read buffer is an mmap and page faults per invocation.
        data = os.read(inp, 65536)
        if not data:
            return
        for meta, body in decoder.feed(data):
            deadline_ms, request_id, arn, client_context, kind, event = frames.invocation(
                meta, body
            )
            formatter.request_id = request_id
            context = context_type(request_id, arn, client_context, deadline_ms)
            if invoke(channel, func, init_error, context, request_id, kind, event):
                os._exit(1)


def invoke(
    channel: Channel,
    func: Any,
    init_error: dict[str, Any] | None,
    context: Any,
    request_id: str,
    kind: int,
    event: Any,
) -> bool:
    """Run one invocation and send its result; True when this worker must not be reused.
    ``event`` is as ``kind`` says (frames.EVENT_*): JSON text, ready, or a proxy event's parts."""
    fatal = False
    started = time.perf_counter()
    if init_error is not None:
        out, error_type = init_error, str(init_error["errorType"])
    else:
        try:
            if kind == frames.EVENT_V1_PARTS:
                event = proxy_event.v1(event)
            elif kind == frames.EVENT_V2_PARTS:
                event = proxy_event.v2(event)
            elif kind == frames.EVENT_JSON:
                event = json.loads(event) if event else None
            started = time.perf_counter()
            result = func(event, context)
            handler_ms = (time.perf_counter() - started) * 1000
            try:
                payload = _ENCODER.encode(result).encode()  # json.dumps(result), as Lambda
            except (TypeError, ValueError, RecursionError) as exc:
                error_type = "Runtime.MarshalError"
                out = {
                    "errorMessage": f"Unable to marshal response: {exc}",
                    "errorType": error_type,
                    "requestId": request_id,
                    "stackTrace": [],
                }
            else:
                if len(payload) > MAX_RESPONSE:
                    error_type = "Function.ResponseSizeTooLarge"
                    out = {
                        "errorMessage": "Response payload size exceeded maximum allowed "
                        f"payload size ({MAX_RESPONSE} bytes).",
                        "errorType": error_type,
                    }
                else:
                    channel.result(payload, handler_ms=handler_ms)
                    return False
        except MemoryError:
            error_type, fatal = "Runtime.OutOfMemory", True
            out = {
                "errorType": error_type,
                "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: "
                "signal: killed",
            }
        except Exception as exc:
            out = {**error_doc(exc), "requestId": request_id}
            error_type = str(out["errorType"])
            line = (
                f"[ERROR] {error_type}: {out['errorMessage']}\nTraceback (most recent call last):\n"
            )
            sys.stdout.write(line + "".join(out["stackTrace"]))
    # A handler that fails slowly (a backend timing out) still counts as slow for the pool.
    handler_ms = (time.perf_counter() - started) * 1000
    channel.result(json.dumps(out).encode(), True, fatal, handler_ms)
    return fatal
