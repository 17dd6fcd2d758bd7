"""HTTP API Lambda REQUEST authorizer (reference §3.6): the payload 1.0 or 2.0 event, simple
(``{"isAuthorized": bool, "context": {...}}``) or IAM-policy responses (the policy evaluated
against the route ARN ``arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{VERB}{path}``),
identity sources (any missing → 401 without invoking the function), and results cached per
identity-source values for ``authorizerResultTtlInSeconds`` (0 or absent: no cache; the cache
lives in ``env.runtime.authorizers``, valid for the compiled Stage it was made for, so a
redeployment or ResetAuthorizersCache starts it empty). A cache hit finishes synchronously.

Outcomes: deny (``isAuthorized: false``, or a policy that does not allow the route) → 403
``{"message":"Forbidden"}``; the function raising ``Unauthorized`` → 401, as REST; any other
function error, a timeout (10 s), an invocation refused or a malformed answer → 500
``{"message":"Internal Server Error"}``. On success ``ctx.authorizer = {"lambda": context}``
(context values as the function returned them), plus ``"principalId"`` for IAM-policy answers."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from frontgate.gateway_errors import GatewayError
from frontgate.iam.policy import ALLOW, ANONYMOUS, Policy, PolicyError, compile_policy
from frontgate.pipeline.authorize import INVOKE, facts, method_arn
from frontgate.pipeline.context import Context, StageFn
from frontgate.pipeline.http_auth_common import (
    forbidden,
    identity_sources,
    internal,
    source_getters,
    unauthorized,
)
from frontgate.pipeline.lambda_authorizer_call import (
    Failures,
    ResultCache,
    call,
    function_arn,
    stage_cache,
)
from frontgate.snapshot.recipe import recipe

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from frontgate.pipeline.env import Env


@dataclass(frozen=True, slots=True)
class Result:
    """One answer, as cached: a simple yes/no, or a policy evaluated for each route ARN."""

    allowed: bool  # simple responses; ignored when ``policy`` is set
    policy: Policy | None
    authorizer: dict[str, Any]  # what ctx.authorizer becomes
    expires: float


def _function_error() -> GatewayError:
    return internal("AUTHORIZER_FAILURE")


FAILURES = Failures(unauthorized, internal, _function_error, _function_error)


def plan(
    authorizer: dict[str, Any],
    route: dict[str, Any],
    *,
    prefix: str,
    region: str,
    account_id: str,
    api_id: str,
    stage_name: str,
) -> StageFn:
    authorizer_id = str(authorizer.get("authorizerId") or "")
    # With authorizerCredentialsArn API Gateway calls the function as that role: no
    # resource-policy check; otherwise the function must allow the authorizer's ARN.
    source_arn = None
    if not authorizer.get("authorizerCredentialsArn"):
        source_arn = (
            f"arn:aws:execute-api:{region}:{account_id}:{api_id}/authorizers/{authorizer_id}"
        )
    return lambda_step(
        str(authorizer.get("authorizerPayloadFormatVersion") or "2.0"),
        bool(authorizer.get("enableSimpleResponses")),
        int(authorizer.get("authorizerResultTtlInSeconds") or 0),
        tuple(identity_sources(authorizer)),
        (api_id, stage_name, authorizer_id),
        function_arn(str(authorizer.get("authorizerUri") or "")),
        source_arn,
        prefix,
    )


def lambda_step(
    version: str,
    simple: bool,
    ttl: int,
    sources: tuple[str, ...],
    cache_key: tuple[str, str, str],
    function: str,
    source_arn: str | None,
    prefix: str,
) -> StageFn:
    """The Lambda authorizer stage of one route (its recipe: snapshot.recipe)."""
    getters = source_getters(sources)
    simple = simple and version == "2.0"  # simple responses exist for payload 2.0 only

    def lambda_authorize(ctx: Context, env: Env) -> Awaitable[None] | None:
        values = tuple(get(ctx) or "" for get in getters)
        if any(v == "" for v in values):
            raise unauthorized()  # a missing identity source: 401 without invoking
        # Caching needs a TTL and at least one identity source (the key).
        cache = stage_cache(ctx, env, cache_key) if ttl > 0 and values else None
        if cache is not None:
            cached = cache.get(values, time.monotonic())
            if cached is not None:
                _apply(ctx, env, cached, prefix)
                return None
        return _invoke(ctx, env, values, cache)

    async def _invoke(
        ctx: Context, env: Env, values: tuple[str, ...], cache: ResultCache[Result] | None
    ) -> None:
        arn = method_arn(ctx, prefix)
        event = _event_v1(ctx, arn, values) if version == "1.0" else _event_v2(ctx, arn, values)
        doc, _ = await call(ctx, env, function, event, source_arn, "REQUEST", FAILURES)
        result = _parse(ctx, doc, simple, version, ttl)
        if cache is not None:
            cache.put(values, result)
        _apply(ctx, env, result, prefix)

    return recipe(lambda_authorize, lambda_step, version, simple, ttl, sources, cache_key,
                  function, source_arn, prefix)  # fmt: skip


def _event_v1(ctx: Context, arn: str, values: tuple[str, ...]) -> dict[str, Any]:
    """Payload 1.0: REST's REQUEST event plus ``version``, and the identity values joined."""
    from frontgate.pipeline.lambda_payload import V1

    event = V1().event(ctx)
    event.pop("body", None)
    event.pop("isBase64Encoded", None)
    joined = ",".join(values)
    return {
        "version": "1.0",
        "type": "REQUEST",
        "methodArn": arn,
        "identitySource": joined,
        "authorizationToken": joined,
        **event,
    }


def _event_v2(ctx: Context, arn: str, values: tuple[str, ...]) -> dict[str, Any]:
    """Payload 2.0: the 2.0 proxy event without body, with ``type``, ``routeArn`` and the
    identity values as a list (``routeKey`` is the method's: ``Method.route_key``)."""
    from frontgate.pipeline.lambda_payload import V2

    event = V2().event(ctx)
    event.pop("body", None)
    event.pop("isBase64Encoded", None)
    event.pop("version", None)
    event["requestContext"].pop("authorizer", None)
    return {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": arn,
        "identitySource": list(values),
        **event,
    }


def _scalar(value: Any) -> Any:
    if isinstance(value, bool | int | float | str):
        return value
    raise ValueError("context values must be strings, numbers or booleans")


def _parse(ctx: Context, doc: Any, simple: bool, version: str, ttl: int) -> Result:
    expires = time.monotonic() + ttl
    try:
        if not isinstance(doc, dict):
            raise ValueError("the response is not a JSON object")
        context = doc.get("context") or {}
        if not isinstance(context, dict):
            raise ValueError("context must be an object")
        if simple:
            allowed = doc.get("isAuthorized")
            if not isinstance(allowed, bool):
                raise ValueError("isAuthorized must be a boolean")
            return Result(allowed, None, {"lambda": dict(context)}, expires)
        if "principalId" not in doc:
            raise ValueError("the response has no principalId")
        policy = compile_policy(doc["policyDocument"])
        if version == "1.0":
            context = {k: _scalar(v) for k, v in context.items()}
    except (KeyError, ValueError, PolicyError) as exc:
        ctx.log(f"Execution failed due to configuration error: Invalid authorizer response: {exc}")
        raise internal() from None
    auth = {"lambda": dict(context), "principalId": str(doc["principalId"])}
    return Result(False, policy, auth, expires)


def _apply(ctx: Context, env: Env, result: Result, prefix: str) -> None:
    if result.policy is None:
        if not result.allowed:
            raise forbidden()
    elif (
        result.policy.evaluate(ANONYMOUS, INVOKE, method_arn(ctx, prefix), facts(ctx, env)) != ALLOW
    ):
        raise forbidden()
    ctx.authorizer = result.authorizer
