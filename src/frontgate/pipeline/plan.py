"""Which checks run for a method, decided once at compile time.

Each policy stage (resource policy, authorizer, API key, throttling, validation, …) adds itself
here under the condition that makes it needed, so a feature that is not configured on a method
adds nothing to that method's request path. The order of the returned tuple is the order AWS
applies them in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from frontgate.compile.stage_inputs import StageInputs
    from frontgate.pipeline.context import Context
    from frontgate.pipeline.env import Env

# A stage either finishes synchronously (returns None) or returns an awaitable to wait for.
# Failing means raising a GatewayError.
StageFn = Callable[["Context", "Env"], "Awaitable[None] | None"]


def plan_method(
    api: dict[str, Any],
    stage: dict[str, Any],
    resource_path: str,
    method: dict[str, Any],
    inputs: StageInputs | None = None,
) -> tuple[StageFn, ...]:
    """The checks between routing and the integration for one method of one stage."""
    stages: list[StageFn] = []
    from frontgate.observe.plan import observe_stage

    # First: execution logging and tracing, so every later step is logged and traced.
    observed = observe_stage(api, stage, resource_path, method)
    if observed is not None:
        stages.append(observed)
    if inputs is not None:
        from frontgate.pipeline import authorize

        # Resource policy, then IAM / Lambda / Cognito authorization (AWS's authorization flow).
        stages += authorize.plan(resource_path, method, inputs)
    from frontgate.pipeline import throttle

    # API key, then usage-plan / stage / account throttling and the quota: after the
    # authorizer (its usageIdentifierKey can be the key), before validation. The account
    # limit applies to every method, so every method has a throttle stage.
    stages += throttle.plan(api, stage, resource_path, method)
    if inputs is not None:
        from frontgate.pipeline import validation

        # Request validation runs last, after authorization and throttling, as on AWS.
        stages += validation.plan(method, inputs)
    return tuple(stages)
