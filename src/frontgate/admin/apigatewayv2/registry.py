"""The operation-name -> handler table filled by ``@operation`` in
``frontgate.admin.apigatewayv2.ops``: ``async def handler(ctx, inp) -> dict | None``, where
``inp`` is the parsed, model-checked input keyed by its camelCase wire names (``apiId``,
``routeKey``, ``corsConfiguration.allowOrigins``: the stored documents' shape, see
``frontgate.definition.httpapis``), and the result is keyed the same way (a stored document can
be returned as it is; members the output shape lacks are dropped)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from frontgate.admin.apigatewayv2.context import Ctx

Handler = Callable[[Ctx, dict[str, Any]], Awaitable[dict[str, Any] | None]]
H = TypeVar("H", bound=Handler)

HANDLERS: dict[str, Handler] = {}


def operation(name: str) -> Callable[[H], H]:
    """Register a handler for the model operation ``name`` (e.g. ``"CreateApi"``)."""

    def register(fn: H) -> H:
        if name in HANDLERS:
            raise RuntimeError(f"apigatewayv2 operation {name} registered twice")
        HANDLERS[name] = fn
        return fn

    return register
