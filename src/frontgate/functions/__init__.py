"""The function runtime (data plane): Lambda handlers behind AWS_PROXY integrations and Lambda
authorizers run in warm worker processes (``pool``, ``bootstrap``, ``runtime``), or on a remote
Lambda endpoint (``remote_invoke``). The Lambda API that manages them is
``frontgate.admin.lambda_``.

``FunctionInvoker`` (reached as ``env.functions``) and ``InvokeResult`` are the interface other
stages use. Attributes load lazily: worker processes import only ``bootstrap``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from frontgate.functions.invoker import FunctionInvoker
    from frontgate.functions.result import InvokeResult

__all__ = ["FunctionInvoker", "InvokeResult"]


def __getattr__(name: str) -> Any:
    if name == "FunctionInvoker":
        from frontgate.functions.invoker import FunctionInvoker

        return FunctionInvoker
    if name == "InvokeResult":
        from frontgate.functions.result import InvokeResult

        return InvokeResult
    raise AttributeError(name)
