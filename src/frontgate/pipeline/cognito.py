"""COGNITO_USER_POOLS authorizer stage: validate the token from any OIDC issuer the user pools map
to (signature by the issuer's JWKS, iss, exp, nbf, iat, token_use, aud/client_id, scopes) and put
its claims in ``$context.authorizer.claims``. Synchronous when the JWKS is cached."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from frontgate.auth import jwt
from frontgate.auth.oidc import Issuer
from frontgate.gateway_errors import GatewayError
from frontgate.iam.policy import ALLOW
from frontgate.pipeline.authorize import access_denied, method_arn, precheck, runtime, unauthorized
from frontgate.pipeline.context import Context, StageFn
from frontgate.pipeline.values import header
from frontgate.snapshot.recipe import recipe

if TYPE_CHECKING:
    from frontgate.iam.policy import Policy
    from frontgate.pipeline.env import Env

LEEWAY = 5  # seconds of clock skew tolerated for nbf/iat (issuer and gateway clocks differ)
EXPIRED = "The incoming token has expired"


def _stringify(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return " ".join(_stringify(v) for v in value)  # Cognito's cognito:groups style
    return str(value)


def plan(
    authorizer: dict[str, Any], method: dict[str, Any], policy: Policy | None, prefix: str
) -> list[StageFn]:
    source = str(authorizer.get("identitySource") or "method.request.header.Authorization")
    header_name = source.rpartition(".")[2]
    arns = [str(a) for a in authorizer.get("providerARNs") or ()]
    scopes = frozenset(str(s) for s in method.get("authorizationScopes") or ())
    expression = authorizer.get("identityValidationExpression")
    return [cognito_step(header_name, arns, scopes, expression or None, policy, prefix)]


def cognito_step(
    header_name: str,
    arns: list[str],
    scopes: frozenset[str],
    expression: str | None,
    policy: Policy | None,
    prefix: str,
) -> StageFn:
    """The Cognito authorizer stage, from what ``plan`` decided (its recipe: snapshot.recipe)."""
    aud_pattern = re.compile(expression) if expression else None
    phase_one = precheck(policy, prefix)

    def cognito_authorize(ctx: Context, env: Env) -> Awaitable[None] | None:
        decision = phase_one(ctx, env)
        if policy is not None and decision != ALLOW:
            raise access_denied("anonymous", method_arn(ctx, prefix), False)
        token = header(ctx, header_name) or ""
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        if not token:
            raise unauthorized()
        rt = runtime(env)
        cached = rt.verified.get(token)
        if cached is not None:
            known = rt.issuer_of(cached[1], arns)
            if known is None:
                raise unauthorized()
            accept(ctx, cached[0], scopes, aud_pattern, known)
            return None
        try:
            head, claims, signing_input, signature = jwt.split(token)
        except jwt.JwtError:
            raise unauthorized() from None
        issuer = _issuer_for(claims, arns, rt)
        jwks = rt.jwks_for(issuer)
        kid = str(head.get("kid", ""))
        verify = partial(
            _verify, ctx, env, token, head, claims, signing_input, signature, issuer, scopes,
            aud_pattern,
        )  # fmt: skip
        if jwks.needs_fetch(kid, time.monotonic()):
            return _fetch_then(ctx, env, issuer, verify)
        verify()
        return None

    return recipe(cognito_authorize, cognito_step, header_name, arns, scopes, expression, policy,
                  prefix)  # fmt: skip


def _issuer_for(claims: dict[str, Any], arns: list[str], rt: Any) -> Issuer:
    iss = str(claims.get("iss", "")).rstrip("/")
    for arn in arns:
        issuer: Issuer = rt.issuer(arn)
        if issuer.url == iss:
            return issuer
    raise unauthorized()


async def _fetch_then(ctx: Context, env: Env, issuer: Issuer, verify: Callable[[], None]) -> None:
    """Fetch the issuer's JWKS, then run ``verify`` (the synchronous check) against it."""
    jwks = runtime(env).jwks_for(issuer)
    await jwks.refresh(env.pool)
    if not jwks.keys and jwks.fetched == 0.0:
        ctx.log(f"Unable to fetch the JWKS of {issuer.url}")
        raise GatewayError(
            "AUTHORIZER_CONFIGURATION_ERROR", None, "AuthorizerConfigurationException", spaced=True
        )
    verify()


def _verify(
    ctx: Context,
    env: Env,
    token: str,
    head: dict[str, Any],
    claims: dict[str, Any],
    signing_input: bytes,
    signature: bytes,
    issuer: Issuer,
    scopes: frozenset[str],
    aud: re.Pattern[str] | None,
) -> None:
    rt = runtime(env)
    found = rt.jwks_for(issuer).lookup(str(head.get("kid", "")))
    alg = str(head["alg"])
    if found is None:
        raise unauthorized()
    family, declared, key = found
    # The key decides the algorithm family; a token cannot pick another (HS/RS confusion).
    if family != jwt.family_of(alg) or (declared is not None and declared != alg):
        raise unauthorized()
    try:
        jwt.verify_signature(alg, key, signing_input, signature)
    except jwt.JwtError:
        raise unauthorized() from None
    accept(ctx, claims, scopes, aud, issuer)
    rt.remember(token, claims, issuer.url)


def accept(
    ctx: Context,
    claims: dict[str, Any],
    scopes: frozenset[str],
    aud: re.Pattern[str] | None,
    issuer: Issuer | None,
) -> None:
    """The claim checks (run on every use, also for cached tokens); sets the claims."""
    now = time.time()
    try:
        exp = float(claims["exp"])
        nbf = float(claims.get("nbf", 0))
        iat = float(claims.get("iat", 0))
    except (KeyError, TypeError, ValueError):
        raise unauthorized() from None
    if exp <= now:
        raise unauthorized(EXPIRED)
    if nbf > now + LEEWAY or iat > now + LEEWAY:
        raise unauthorized()
    use = claims.get("token_use")
    if use is not None and use not in ("id", "access"):
        raise unauthorized()
    audience = claims.get("aud", claims.get("client_id"))
    auds = audience if isinstance(audience, list) else [audience] if audience else []
    if issuer is not None and issuer.audiences and not issuer.audiences.intersection(auds):
        raise unauthorized()
    if aud is not None and not any(isinstance(a, str) and aud.fullmatch(a) for a in auds):
        raise unauthorized()
    if scopes:
        # Scopes need an access token carrying one of them (``scope`` or ``scp``).
        granted = claims.get("scope", claims.get("scp", ""))
        have = set(granted.split() if isinstance(granted, str) else granted or ())
        if use == "id" or not scopes.intersection(have):
            raise unauthorized()
    ctx.authorizer = {"claims": {k: _stringify(v) for k, v in claims.items()}}
