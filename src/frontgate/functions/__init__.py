"""Functions behind AWS_PROXY integrations: Lambda handlers run in warm worker processes, the
Lambda API that manages them, and remote functions on a Lambda endpoint.

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
