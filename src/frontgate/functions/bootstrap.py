"""The function runtime, run as ``python -m frontgate.functions.bootstrap`` in each worker
process: load the handler once, then answer invoke frames on the pipe until it closes.

Frames go out on the original stdout; fd 1 and fd 2 are then pointed at the log pipe, so output
from C code or subprocesses still reaches the function's log. Python-level output goes out as
``log`` frames so it stays in order with the result."""

from __future__ import annotations

import importlib
import logging
import os
import sys
import time
from typing import Any

from frontgate.functions import frames, loopback_names, runtime, sandbox


class _LogStream:
    """``sys.stdout``/``sys.stderr`` replacement: each write becomes a log frame."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, channel: runtime.Channel) -> None:
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
        return None, runtime.error_doc(
            exc,
            "Runtime.ImportModuleError",
            f"Unable to import module '{module_name}': {exc}",
            skip=99,
        )
    except Exception as exc:
        return None, runtime.error_doc(exc)
    func = getattr(module, func_name, None)
    if func is None or not callable(func):
        return None, {
            "errorMessage": f"Handler '{func_name}' missing on module '{module_name}'",
            "errorType": "Runtime.HandlerNotFound",
            "stackTrace": [],
        }
    return func, None


def _serve(channel: runtime.Channel, inp: int) -> None:
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
    runtime.serve(channel, inp, func, init_error, LambdaContext, formatter)


def main() -> None:
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    inp = os.dup(0)
    os.dup2(2, 1)  # C-level stdout joins stderr on the log pipe
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    channel = runtime.Channel(out)
    sys.stdout = sys.stderr = _LogStream(channel)
    sandbox.apply(
        int(os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]),
        int(os.environ.get("_FRONTGATE_MAX_PROCS", "128")),
    )
    loopback_names.install()
    task_root = os.environ["LAMBDA_TASK_ROOT"]
    os.chdir(task_root)
    sys.path.insert(0, task_root)
    try:
        _serve(channel, inp)
    except MemoryError:
        os._exit(1)


if __name__ == "__main__":
    main()
