"""The function runtime, run as ``python -m frontgate.functions.bootstrap`` in each worker
process: load the handler once, then answer invoke frames on the pipe until it closes.

Frames go out on the original stdout; fd 1 and fd 2 are then pointed at the log pipe, so output
from C code or subprocesses still reaches the function's log. Python-level output goes out as
``log`` frames so it stays in order with the result."""

from __future__ import annotations

import importlib
import json
import logging
import os
import resource
import sys
import threading
import time
import traceback
from typing import Any, BinaryIO

from frontgate.functions import frames, proxy_event, sandbox

# Lambda's synchronous response limit (bytes): larger results become Function.ResponseSizeTooLarge.
MAX_RESPONSE = 6291556
# json.dumps(result) without its per-call argument handling (same output: the defaults).
_ENCODER = json.JSONEncoder()
_getrusage = resource.getrusage
_clock = time.perf_counter
_RUSAGE_SELF = resource.RUSAGE_SELF


class _Channel:
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
        maxrss_kb = _getrusage(_RUSAGE_SELF).ru_maxrss
        self.send(frames.result_frame(error, fatal, maxrss_kb, int(handler_ms * 1000), payload))


class _LogStream:
    """``sys.stdout``/``sys.stderr`` replacement: each write becomes a log frame."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, channel: _Channel) -> None:
        self.channel = channel

    def write(self, text: str) -> int:
        if text:
            self.channel.send(frames.log_frame(text.encode("utf-8", "replace")))
        return len(text)

    def flush(self) -> None:
        return None

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True


class LambdaContext:
    """The ``context`` argument, with the attributes Lambda's Python runtime provides. What is
    the same for every invocation of this worker is set once on the class (``configure``)."""

    function_name = ""
    function_version = ""
    memory_limit_in_mb = ""
    log_group_name = ""
    log_stream_name = ""
    identity = None

    def __init__(
        self, request_id: str, arn: str, client_context: str | None, deadline_ms: int
    ) -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = arn
        self.client_context = client_context
        self._deadline_ms = deadline_ms

    @classmethod
    def configure(cls, env: dict[str, str]) -> None:
        cls.function_name = env["AWS_LAMBDA_FUNCTION_NAME"]
        cls.function_version = env["AWS_LAMBDA_FUNCTION_VERSION"]
        cls.memory_limit_in_mb = env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        cls.log_group_name = env["AWS_LAMBDA_LOG_GROUP_NAME"]
        cls.log_stream_name = env["AWS_LAMBDA_LOG_STREAM_NAME"]

    def get_remaining_time_in_millis(self) -> int:
        return max(self._deadline_ms - int(time.time() * 1000), 0)


class _LambdaFormatter(logging.Formatter):
    """Lambda's default text format: ``[LEVEL]\\t<ISO time>Z\\t<request id>\\t<message>``."""

    request_id = ""

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        msg = record.getMessage()
        if record.exc_info:
            msg += "\n" + self.formatException(record.exc_info)
        return f"[{record.levelname}]\t{stamp}.{int(record.msecs):03d}Z\t{self.request_id}\t{msg}"


def _error(
    exc: BaseException, error_type: str | None = None, message: str | None = None, skip: int = 1
) -> dict[str, Any]:
    tb = traceback.extract_tb(exc.__traceback__)[skip:]
    return {
        "errorMessage": str(exc) if message is None else message,
        "errorType": error_type or type(exc).__name__,
        "stackTrace": traceback.format_list(tb),
    }


def _load(handler: str) -> tuple[Any, dict[str, Any] | None]:
    """Import the handler's module: (function, None) or (None, Lambda's init error payload)."""
    module_name, _, func_name = handler.rpartition(".")
    if not module_name or not func_name:
        err = {
            "errorMessage": f"Bad handler '{handler}': not enough values to unpack "
            "(expected 2, got 1)",
            "errorType": "Runtime.MalformedHandlerName",
        }
        return None, {**err, "stackTrace": []}
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except SyntaxError as exc:
        where = f'  File "{exc.filename}" Line {exc.lineno}\n    {(exc.text or "").strip()}\n'
        return None, {
            "errorMessage": f"Syntax error in module '{module_name}': {exc}",
            "errorType": "Runtime.UserCodeSyntaxError",
            "stackTrace": [where],
        }
    except ImportError as exc:
        return None, _error(
            exc,
            "Runtime.ImportModuleError",
            f"Unable to import module '{module_name}': {exc}",
            skip=99,
        )
    except Exception as exc:
        return None, _error(exc)
    func = getattr(module, func_name, None)
    if func is None or not callable(func):
        return None, {
            "errorMessage": f"Handler '{func_name}' missing on module '{module_name}'",
            "errorType": "Runtime.HandlerNotFound",
            "stackTrace": [],
        }
    return func, None


def _serve(channel: _Channel, inp: int) -> None:
    env = dict(os.environ)
    formatter = _LambdaFormatter()
    root = logging.getLogger()
    handler_ = logging.StreamHandler(sys.stdout)
    handler_.setFormatter(formatter)
    root.handlers[:] = [handler_]
    root.setLevel(logging.INFO)
    started = time.perf_counter()
    func, init_error = _load(env["_HANDLER"])
    init_ms = (time.perf_counter() - started) * 1000
    channel.send(
        frames.encode({"kind": frames.READY, "init_ms": init_ms, "init_error": init_error})
    )
    LambdaContext.configure(env)
    decoder = frames.Decoder()
    read = os.read
    while True:
        # 64 KiB: a 1 MiB read buffer is an mmap and page faults per invocation.
        data = read(inp, 65536)
        if not data:
            return
        for meta, body in decoder.feed(data):
            deadline_ms, request_id, arn, client_context, kind, event = frames.invocation(
                meta, body
            )
            formatter.request_id = request_id
            context = LambdaContext(request_id, arn, client_context, deadline_ms)
            if _invoke(channel, func, init_error, context, kind, event):
                os._exit(1)


def _invoke(
    channel: _Channel,
    func: Any,
    init_error: dict[str, Any] | None,
    context: LambdaContext,
    kind: int,
    event: Any,
) -> bool:
    """Run one invocation and send its result; True when this worker must not be reused.
    ``event`` is as ``kind`` says (frames.EVENT_*): JSON text, ready, or a proxy event's parts."""
    fatal = False
    request_id = context.aws_request_id
    if init_error is not None:
        out, error_type = init_error, init_error["errorType"]
    else:
        try:
            if kind == frames.EVENT_V1_PARTS:
                event = proxy_event.v1(event)
            elif kind == frames.EVENT_JSON:
                event = json.loads(event) if event else None
            started = _clock()
            result = func(event, context)
            handler_ms = (_clock() - started) * 1000
            try:
                payload = _ENCODER.encode(result).encode()  # json.dumps(result), as Lambda
            except (TypeError, ValueError, RecursionError) as exc:
                out = {
                    "errorMessage": f"Unable to marshal response: {exc}",
                    "errorType": "Runtime.MarshalError",
                    "requestId": request_id,
                    "stackTrace": [],
                }
                error_type = out["errorType"]
            else:
                if len(payload) > MAX_RESPONSE:
                    out = {
                        "errorMessage": "Response payload size exceeded maximum allowed "
                        f"payload size ({MAX_RESPONSE} bytes).",
                        "errorType": "Function.ResponseSizeTooLarge",
                    }
                    error_type = "Function.ResponseSizeTooLarge"
                else:
                    channel.result(payload, handler_ms=handler_ms)
                    return False
        except MemoryError:
            out = {
                "errorType": "Runtime.OutOfMemory",
                "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: "
                "signal: killed",
            }
            error_type, fatal = out["errorType"], True
        except Exception as exc:
            out = {**_error(exc), "requestId": request_id}
            error_type = out["errorType"]
            line = (
                f"[ERROR] {error_type}: {out['errorMessage']}\nTraceback (most recent call last):\n"
            )
            sys.stdout.write(line + "".join(out["stackTrace"]))
    channel.result(json.dumps(out).encode(), True, fatal)
    return fatal


def main() -> None:
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    inp = os.dup(0)
    os.dup2(2, 1)  # C-level stdout joins stderr on the log pipe
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    channel = _Channel(out)
    sys.stdout = sys.stderr = _LogStream(channel)
    sandbox.apply(
        int(os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]),
        int(os.environ.get("_FRONTGATE_MAX_PROCS", "128")),
    )
    task_root = os.environ["LAMBDA_TASK_ROOT"]
    os.chdir(task_root)
    sys.path.insert(0, task_root)
    try:
        _serve(channel, inp)
    except MemoryError:
        os._exit(1)


if __name__ == "__main__":
    main()
