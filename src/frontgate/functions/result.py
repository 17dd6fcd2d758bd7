"""What an invocation returns to its caller (the Lambda API, AWS_PROXY, authorizers)."""

from __future__ import annotations


class InvokeResult:
    """A plain class, not a dataclass: one is made per invocation, and mypyc compiles only a
    hand-written ``__init__``."""

    __slots__ = ("executed_version", "function_error", "log_tail", "payload", "status")

    def __init__(
        self,
        payload: bytes,
        function_error: str | None,  # X-Amz-Function-Error: "Unhandled", or None on success
        log_tail: str = "",  # this invocation's log (START..REPORT), for LogType=Tail
        executed_version: str = "$LATEST",
        status: int = 200,
    ) -> None:
        self.payload = payload
        self.function_error = function_error
        self.log_tail = log_tail
        self.executed_version = executed_version
        self.status = status
