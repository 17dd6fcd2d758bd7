"""Authorization stages, planned per method: the resource policy combined with the method's
authorization type (NONE, AWS_IAM, CUSTOM, COGNITO_USER_POOLS) as AWS's authorization flow and
outcome tables define it. Lambda and Cognito authorizers live in their own modules."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from frontgate.auth.runtime import DEFAULT, AuthRuntime
from frontgate.gateway_errors import GatewayError, missing_authentication_token
from frontgate.iam import sigv4
from frontgate.iam.identities import Identity, KeyEntry
from frontgate.iam.policy import (
    ALLOW,
    ANONYMOUS,
    DENY,
    NONE,
    Caller,
    Policy,
    PolicyError,
    compile_policy,
)
from frontgate.pipeline.context import Context, StageFn
from frontgate.pipeline.values import header, source_ip
from frontgate.snapshot.recipe import recipe
from frontgate.snapshot.router import policy_path

if TYPE_CHECKING:
    from frontgate.iam.conditions import Lookup
    from frontgate.pipeline.env import Env
    from frontgate.pipeline.stage_inputs import StageInputs

INVOKE = "execute-api:Invoke"


def runtime(env: Env) -> AuthRuntime:
    return getattr(env, "auth", None) or DEFAULT


def method_arn(ctx: Context, prefix: str) -> str:
    """The ARN of what is being invoked: the request's verb and actual path (as AWS builds it:
    path parameters filled in), spelled as the router matched it (``/pets/`` and ``//pets``
    are ``/pets``: snapshot.router.policy_path), so a policy on a method cannot be sidestepped
    by another spelling of its path."""
    return prefix + ctx.request.method + policy_path(ctx.path)


def access_denied(who: str, arn: str, explicit: bool, action: str = INVOKE) -> GatewayError:
    suffix = " with an explicit deny" if explicit else ""
    return GatewayError(
        "ACCESS_DENIED",
        f"User: {who} is not authorized to perform: {action} on resource: {arn}{suffix}",
        "AccessDeniedException",
        capital=True,
    )


def unauthorized(message: str = "Unauthorized") -> GatewayError:
    return GatewayError("UNAUTHORIZED", message, "UnauthorizedException")


def facts(ctx: Context, env: Env, identity: Identity | None = None) -> Lookup:
    """Condition-key lookup for this request (keys are lower-cased, values computed on demand)."""

    def get(key: str) -> str | list[str] | None:
        if key == "aws:sourceip":
            return source_ip(ctx)
        if key == "aws:sourcevpce":
            name = runtime(env).vpce_header
            return header(ctx, name) if name else None
        if key == "aws:currenttime":
            return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        if key == "aws:epochtime":
            return str(int(time.time()))
        if key == "aws:securetransport":
            return "true" if ctx.request.scheme == "https" else "false"
        if key == "aws:useragent":
            return header(ctx, "user-agent")
        if key == "aws:referer":
            return header(ctx, "referer")
        if identity is not None:
            return {
                "aws:principalaccount": identity.account,
                "aws:principalarn": identity.arn,
                "aws:username": identity.user_name,
                "aws:userid": identity.user_id,
                "aws:principaltype": "User",
            }.get(key)
        return None

    return get


def resource_policy(inputs: StageInputs) -> Policy | None:
    text = inputs.defn.rest_api.get("policy")
    if not text:
        return None

    def build() -> Policy | bool:
        prefix = f"arn:aws:execute-api:{inputs.region}:{inputs.account_id}:{inputs.api_id}/"
        try:
            return compile_policy(text, resource_prefix=prefix, need_principal=True)
        except PolicyError:
            # Refused at PutRestApi; a stored one that does not compile denies everything.
            return False

    compiled = inputs.memo("resource_policy", build)
    return compiled if isinstance(compiled, Policy) else Policy(())


def misconfigured(ctx: Context, env: Env) -> None:
    ctx.log("Execution failed due to configuration error: authorizer not found")
    raise GatewayError(
        "AUTHORIZER_CONFIGURATION_ERROR", None, "AuthorizerConfigurationException", spaced=True
    )


def anonymous_stage(policy: Policy, prefix: str) -> StageFn:
    """No authorization type: the resource policy must explicitly allow the anonymous caller."""

    def resource_policy_check(ctx: Context, env: Env) -> None:
        arn = method_arn(ctx, prefix)
        decision = policy.evaluate(ANONYMOUS, INVOKE, arn, facts(ctx, env))
        if decision != ALLOW:
            raise access_denied("anonymous", arn, decision == DENY)

    return recipe(resource_policy_check, anonymous_stage, policy, prefix)


def precheck(policy: Policy | None, prefix: str) -> Callable[[Context, Env], int]:
    """Phase one for CUSTOM and Cognito: an explicit deny stops the request before the
    authorizer runs. Returns the resource policy's decision for phase two."""

    def check(ctx: Context, env: Env) -> int:
        if policy is None:
            return NONE  # no resource policy: the authorizer alone must allow
        arn = method_arn(ctx, prefix)
        decision = policy.evaluate(ANONYMOUS, INVOKE, arn, facts(ctx, env))
        if decision == DENY:
            raise access_denied("anonymous", arn, True)
        return decision

    return check


def _key_entry(ctx: Context, env: Env, key_id: str) -> KeyEntry | None:
    index = ctx.snapshot.iam
    entry = index.key(key_id) if index is not None else None
    return entry if entry is not None else runtime(env).static_iam.key(key_id)


def decide(
    ident: Identity, policy: Policy | None, action: str, arn: str, get: Lookup, same_account: bool
) -> int:
    """The identity's own policies with the resource policy: DENY when either denies
    explicitly; ALLOW when either allows within the account (``same_account``), or both allow
    across accounts; NONE otherwise."""
    caller = Caller(ident.account, ident.arn)
    mine = NONE
    for p in ident.policies:
        d = p.evaluate(caller, action, arn, get)
        if d == DENY:
            return DENY
        mine = max(mine, d)
    theirs = policy.evaluate(caller, action, arn, get) if policy is not None else NONE
    if theirs == DENY:
        return DENY
    if same_account:
        allowed = mine == ALLOW or theirs == ALLOW
    else:
        allowed = mine == ALLOW and theirs == ALLOW
    return ALLOW if allowed else NONE


def caller_identity(entry: KeyEntry) -> dict[str, str | None]:
    """``$context.identity`` of a SigV4 caller."""
    ident = entry.identity
    return {
        "accessKey": entry.key_id,
        "accountId": ident.account,
        "caller": ident.user_id,
        "user": ident.user_id,
        "userArn": ident.arn,
        "principalOrgId": None,
    }


def iam_stage(
    policy: Policy | None, prefix: str, api_account: str, region: str, action: str = INVOKE
) -> StageFn:
    """SigV4 and the caller's policies (and ``policy``, the resource policy) for ``action``
    on the method's ARN: ``execute-api:Invoke``, or ``execute-api:ManageConnections`` for a
    WebSocket API's ``@connections``."""
    regions = (region,)

    def iam_authorize(ctx: Context, env: Env) -> None:
        entry = authenticate(ctx, env, regions)
        ident = entry.identity
        arn = method_arn(ctx, prefix)
        get = facts(ctx, env, ident)
        # Outcome table A (same account, or no resource policy) or B (cross-account).
        same_account = policy is None or ident.account == api_account
        decision = decide(ident, policy, action, arn, get, same_account)
        if decision != ALLOW:
            raise access_denied(ident.arn, arn, decision == DENY, action)
        ctx.identity = caller_identity(entry)

    return recipe(iam_authorize, iam_stage, policy, prefix, api_account, region, action)


def authenticate(
    ctx: Context, env: Env, regions: tuple[str, ...], service: str = "execute-api"
) -> KeyEntry:
    """Verify the request's SigV4 signature against a managed key: scoped to ``service``
    (``execute-api``; ``lambda`` for function URLs) in the API's region (``regions``), as AWS
    checks it. Raises GatewayError."""
    auth = header(ctx, "authorization")
    try:
        if auth is not None:
            signed = sigv4.parse_header(auth, lambda n: header(ctx, n))
        elif "X-Amz-Signature=" in ctx.raw_query:
            from urllib.parse import parse_qsl

            signed = sigv4.parse_query(dict(parse_qsl(ctx.raw_query, keep_blank_values=True)))
        else:
            raise missing_authentication_token()
        sigv4.check_scope(signed, regions, service)
        now = time.time()
        sigv4.check_time(signed, now)
        entry = _key_entry(ctx, env, signed.key_id)
        if entry is None or not entry.active:
            raise sigv4.invalid_token()
        if entry.token is not None or signed.token is not None:
            _check_session(entry, signed.token, now)
        target = ctx.request.target
        if not target.startswith("/"):
            target = "/" + target.split("//", 1)[-1].partition("/")[2]
        index = ctx.snapshot.iam
        sigv4.verify(
            signed,
            entry.secret,
            ctx.request.method,
            target.partition("?")[0],
            ctx.raw_query,
            lambda n: _values(ctx, n),
            ctx.request.body,
            index.signing_keys if index is not None else None,
        )
    except sigv4.SigV4Error as exc:
        raise GatewayError(exc.response_type, exc.message, exc.error_type) from None
    return entry


def _values(ctx: Context, name: str) -> list[str]:
    return [v for k, v in ctx.request.headers if k.lower() == name]


def _check_session(entry: KeyEntry, token: str | None, now: float) -> None:
    import hmac

    if entry.token is None or token is None or not hmac.compare_digest(entry.token, token):
        raise sigv4.invalid_token()
    if entry.expires is not None and entry.expires < now:
        raise sigv4.SigV4Error(
            "EXPIRED_TOKEN",
            "ExpiredTokenException",
            "The security token included in the request is expired",
        )
