"""What an invocation returns to its caller (the Lambda API, AWS_PROXY, authorizers)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class InvokeResult:
    payload: bytes
    function_error: str | None  # X-Amz-Function-Error: "Unhandled", or None on success
    log_tail: str  # this invocation's log (START..REPORT), for LogType=Tail
    executed_version: str = "$LATEST"
    status: int = 200
