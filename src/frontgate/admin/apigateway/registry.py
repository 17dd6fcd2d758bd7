"""The operation-name -> handler table filled by ``@operation`` in
``frontgate.admin.apigateway.ops``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from frontgate.admin.apigateway.context import Ctx

Handler = Callable[[Ctx, dict[str, Any]], Awaitable[dict[str, Any] | None]]
H = TypeVar("H", bound=Handler)

HANDLERS: dict[str, Handler] = {}


def operation(name: str) -> Callable[[H], H]:
    """Register a handler for the model operation ``name`` (e.g. ``"CreateRestApi"``)."""

    def register(fn: H) -> H:
        if name in HANDLERS:
            raise RuntimeError(f"operation {name} registered twice")
        HANDLERS[name] = fn
        return fn

    return register
