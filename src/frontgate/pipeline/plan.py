"""Which checks run for a method, decided once at compile time.

Each policy stage (resource policy, authorizer, API key, throttling, validation, …) adds itself
here under the condition that makes it needed, so a feature that is not configured on a method
adds nothing to that method's request path. The order of the returned tuple is the order AWS
applies them in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# Imported once here, not inside the planners: they run once per method of every stage compiled.
from frontgate.observe.plan import observe_stage
from frontgate.pipeline import (
    authorize,
    cognito,
    http_auth,
    lambda_authorizer,
    throttle,
    validation,
)

if TYPE_CHECKING:
    from frontgate.pipeline.context import StageFn
    from frontgate.pipeline.stage_inputs import StageInputs


def plan_method(
    api: dict[str, Any],
    stage: dict[str, Any],
    resource_path: str,
    method: dict[str, Any],
    inputs: StageInputs | None = None,
) -> tuple[StageFn, ...]:
    """The checks between routing and the integration for one method of one stage."""
    stages: list[StageFn] = []
    # First: execution logging and tracing, so every later step is logged and traced.
    observed = observe_stage(api, stage, resource_path, method)
    if observed is not None:
        stages.append(observed)
    if inputs is not None:
        # Resource policy, then IAM / Lambda / Cognito authorization (AWS's authorization flow).
        stages += _authorization(method, inputs)
    # API key, then usage-plan / stage / account throttling and the quota: after the
    # authorizer (its usageIdentifierKey can be the key), before validation. The account
    # limit applies to every method, so every method has a throttle stage.
    stages += throttle.plan(api, stage, resource_path, method)
    if api.get("minimumCompressionSize") not in (None, ""):
        # Compression on: a coded request body is decoded here, after authorization (a SigV4
        # signature covers the body as sent) and before validation, templates, integrations.
        from frontgate.pipeline import compression  # only APIs with compression load it

        stages.append(compression.decode_stage)
    if inputs is not None:
        # Request validation runs last, after authorization and throttling, as on AWS.
        stages += validation.plan(method, inputs)
    return tuple(stages)


def _authorization(method: dict[str, Any], inputs: StageInputs) -> list[StageFn]:
    """The resource policy, then IAM / Lambda / Cognito authorization (AWS's order)."""
    auth_type = str(method.get("authorizationType") or "NONE")
    policy = authorize.resource_policy(inputs)
    prefix = (
        f"arn:aws:execute-api:{inputs.region}:{inputs.account_id}:{inputs.api_id}/"
        f"{inputs.stage_name}/"
    )
    if auth_type == "AWS_IAM":
        return [authorize.iam_stage(policy, prefix, inputs.account_id, inputs.region)]
    if auth_type in ("CUSTOM", "COGNITO_USER_POOLS"):
        authorizer = next(
            (a for a in inputs.defn.authorizers if a.get("id") == method.get("authorizerId")),
            None,
        )
        if authorizer is None:
            return [authorize.misconfigured]
        if auth_type == "COGNITO_USER_POOLS" or authorizer.get("type") == "COGNITO_USER_POOLS":
            return cognito.plan(authorizer, method, policy, prefix)
        return lambda_authorizer.plan(authorizer, policy, prefix, inputs)
    if policy is not None:
        return [authorize.anonymous_stage(policy, prefix)]
    return []


def plan_route(
    api_id: str,
    stage: dict[str, Any],
    route: dict[str, Any],
    authorizers: list[dict[str, Any]],
    region: str,
    account_id: str,
) -> tuple[StageFn, ...]:
    """The checks between routing and the integration for one HTTP API route: authorization
    (``pipeline.http_auth``), then the route's throttle and the account's."""
    prefix = f"arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage.get('stageName')}/"
    stages: list[StageFn] = list(http_auth.plan(route, authorizers, prefix, account_id, region))
    stages.append(throttle.plan_http(api_id, stage, str(route.get("routeKey", ""))))
    return tuple(stages)
