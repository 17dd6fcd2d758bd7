"""Which checks run for a method, decided once at compile time.

Each policy stage (resource policy, authorizer, API key, throttling, validation, …) adds itself
here under the condition that makes it needed, so a feature that is not configured on a method
adds nothing to that method's request path. The order of the returned tuple is the order AWS
applies them in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from frontgate.pipeline.context import Context
    from frontgate.pipeline.env import Env

# A stage either finishes synchronously (returns None) or returns an awaitable to wait for.
# Failing means raising a GatewayError.
StageFn = Callable[["Context", "Env"], "Awaitable[None] | None"]


def plan_method(
    api: dict[str, Any], stage: dict[str, Any], resource_path: str, method: dict[str, Any]
) -> tuple[StageFn, ...]:
    """The checks between routing and the integration for one method of one stage."""
    stages: list[StageFn] = []
    return tuple(stages)
