"""Lambda (CUSTOM) authorizer stage, TOKEN and REQUEST: AWS's input events, the returned policy
evaluated against the method ARN together with the resource policy, and results cached per
identity source for ``authorizerResultTtlInSeconds``. A cache hit finishes synchronously."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from frontgate.gateway_errors import GatewayError
from frontgate.iam.policy import ALLOW, ANONYMOUS, DENY, Policy, PolicyError, compile_policy
from frontgate.pipeline.authorize import INVOKE, facts, method_arn, precheck, unauthorized
from frontgate.pipeline.context import Context, StageFn
from frontgate.pipeline.lambda_authorizer_call import (
    Failures,
    ResultCache,
    call,
    function_arn,
    stage_cache,
)
from frontgate.pipeline.values import header, query
from frontgate.snapshot.recipe import recipe

if TYPE_CHECKING:
    from frontgate.pipeline.env import Env
    from frontgate.pipeline.stage_inputs import StageInputs

log = logging.getLogger("frontgate.authorizer")


@dataclass(frozen=True, slots=True)
class Result:
    """A validated authorizer answer, as cached."""

    policy: Policy
    authorizer: dict[str, Any]  # $context.authorizer: principalId and context values
    usage_key: str | None
    expires: float


def failure(response_type: str = "AUTHORIZER_CONFIGURATION_ERROR") -> GatewayError:
    error = "AuthorizerConfigurationException"
    if response_type == "AUTHORIZER_FAILURE":
        error = "AuthorizerFailureException"
    # AWS answers authorizer failures with {"message": null}.
    return GatewayError(response_type, None, error, spaced=True)


def _timeout() -> GatewayError:
    return failure("AUTHORIZER_FAILURE")


FAILURES = Failures(unauthorized, failure, _timeout, failure)


def _bind(read: Callable[[Context, str], str | None], name: str) -> Callable[[Context], str | None]:
    return lambda c: read(c, name)


def _sources(identity_source: str) -> list[Callable[[Context], str | None]]:
    from frontgate.pipeline.values import context_var

    def stage_var(c: Context, n: str) -> str | None:
        return c.stage.variables.get(n) if c.stage else None

    kinds: tuple[tuple[str, Callable[[Context, str], str | None]], ...] = (
        ("method.request.header.", header),
        ("method.request.querystring.", query),
        ("stageVariables.", stage_var),
        ("context.", context_var),
    )
    getters: list[Callable[[Context], str | None]] = []
    for raw in identity_source.split(","):
        src = raw.strip()
        for prefix, read in kinds:
            if src.startswith(prefix):
                getters.append(_bind(read, src[len(prefix) :]))
    return getters


def plan(
    authorizer: dict[str, Any], policy: Policy | None, prefix: str, inputs: StageInputs
) -> list[StageFn]:
    kind = str(authorizer.get("type") or "TOKEN")
    ttl = int(authorizer.get("authorizerResultTtlInSeconds", 300) or 0)
    expression = authorizer.get("identityValidationExpression") if kind == "TOKEN" else None
    # The result cache is runtime state (env.runtime.authorizers), shared by the stage's methods
    # and valid for this compiled stage only; the snapshot holds none of it.
    cache_key = (inputs.api_id, inputs.stage_name, str(authorizer["id"]))
    function = function_arn(str(authorizer.get("authorizerUri") or ""))
    source_arn = (
        f"arn:aws:execute-api:{inputs.region}:{inputs.account_id}:{inputs.api_id}/authorizers/"
        f"{authorizer['id']}"
    )
    identity_source = str(authorizer.get("identitySource") or "")
    step = lambda_step(kind, ttl, identity_source, expression or None, cache_key, function,
                       source_arn, policy, prefix)  # fmt: skip
    return [step]


def lambda_step(
    kind: str,
    ttl: int,
    identity_source: str,
    expression: str | None,
    cache_key: tuple[str, str, str],
    function: str,
    source_arn: str,
    policy: Policy | None,
    prefix: str,
) -> StageFn:
    """The Lambda authorizer stage, from what ``plan`` decided (its recipe: snapshot.recipe)."""
    sources = _sources(identity_source)
    if kind == "TOKEN" and not sources:
        sources = [lambda c: header(c, "Authorization")]
    token_re = re.compile(expression) if expression else None
    phase_one = precheck(policy, prefix)

    def lambda_authorize(ctx: Context, env: Env) -> Awaitable[None] | None:
        rp = phase_one(ctx, env)
        values = tuple(get(ctx) or "" for get in sources)
        # A missing or empty identity source is 401 without calling the function.
        if any(v == "" for v in values):
            raise unauthorized()
        if token_re is not None and not token_re.fullmatch(values[0]):
            raise unauthorized()
        # With caching off (TTL 0) no result cache is looked up or made.
        cache = stage_cache(ctx, env, cache_key) if ttl > 0 and values else None
        if cache is not None:
            cached = cache.get(values, time.monotonic())
            if cached is not None:
                _apply(ctx, env, cached, rp, prefix)
                return None
        return _invoke(ctx, env, kind, values, rp, cache)

    async def _invoke(
        ctx: Context,
        env: Env,
        kind: str,
        values: tuple[str, ...],
        rp: int,
        cache: ResultCache[Result] | None,
    ) -> None:
        arn = method_arn(ctx, prefix)
        if kind == "TOKEN":
            event: dict[str, Any] = {
                "type": "TOKEN",
                "methodArn": arn,
                "authorizationToken": values[0],
            }
        else:
            event = _request_event(ctx, arn)
        doc, latency = await call(ctx, env, function, event, source_arn, kind, FAILURES)
        result = _parse(ctx, doc, ttl, latency)
        if cache is not None:
            cache.put(values, result)
        _apply(ctx, env, result, rp, prefix)

    return recipe(lambda_authorize, lambda_step, kind, ttl, identity_source, expression,
                  cache_key, function, source_arn, policy, prefix)  # fmt: skip


def _request_event(ctx: Context, arn: str) -> dict[str, Any]:
    from frontgate.pipeline.lambda_payload import V1

    event = V1().event(ctx)
    event.pop("body", None)
    event.pop("isBase64Encoded", None)
    return {"type": "REQUEST", "methodArn": arn, **event}


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise ValueError("context values must be strings, numbers or booleans")


def _parse(ctx: Context, doc: Any, ttl: int, latency: int) -> Result:
    try:
        if not isinstance(doc, dict) or "principalId" not in doc:
            raise ValueError("the response has no principalId")
        policy = compile_policy(doc["policyDocument"])
        context = doc.get("context") or {}
        if not isinstance(context, dict):
            raise ValueError("context must be an object")
        auth: dict[str, Any] = {k: _scalar(v) for k, v in context.items()}
    except (KeyError, ValueError, PolicyError) as exc:
        ctx.log(f"Execution failed due to configuration error: Invalid authorizer response: {exc}")
        raise failure() from None
    auth["principalId"] = str(doc["principalId"])
    auth["integrationLatency"] = latency
    usage = doc.get("usageIdentifierKey")
    return Result(policy, auth, str(usage) if usage else None, time.monotonic() + ttl)


def _apply(ctx: Context, env: Env, result: Result, rp: int, prefix: str) -> None:
    """Outcome table A: the authorizer's policy with the resource policy (phase two)."""
    arn = method_arn(ctx, prefix)
    decision = result.policy.evaluate(ANONYMOUS, INVOKE, arn, facts(ctx, env))
    if decision == DENY:
        raise GatewayError(
            "ACCESS_DENIED",
            "User is not authorized to access this resource with an explicit deny",
            "AccessDeniedException",
            capital=True,
        )
    if decision != ALLOW and rp != ALLOW:
        raise GatewayError(
            "ACCESS_DENIED",
            "User is not authorized to access this resource",
            "AccessDeniedException",
            capital=True,
        )
    ctx.authorizer = result.authorizer
    ctx.authorizer_usage_key = result.usage_key
