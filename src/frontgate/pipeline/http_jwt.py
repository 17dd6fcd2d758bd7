"""HTTP API JWT authorizer (reference §3.7): the token from the identity source (a ``Bearer ``
prefix is dropped), its signature checked with the issuer's JWKS (found through
``{issuer}/.well-known/openid-configuration``, fetched and cached per worker by ``auth.oidc``),
then ``iss``, ``aud`` (or ``client_id`` when there is no ``aud``), ``exp``, ``nbf``, ``iat`` and
the route's ``authorizationScopes`` against ``scope``/``scp``.

Only RSA algorithms are accepted (RS256/384/512, PS256/384/512: AWS's "only RSA-based
algorithms are supported"); ``none``, HS*, ES* and EdDSA tokens are refused, and a key is used
only as the RSA key its JWK declares. A bad or missing token is 401 ``{"message":"Unauthorized"}``
with ``www-authenticate: Bearer scope="..." error="invalid_token" error_description="..."``; a
valid token without a required scope is 403 ``{"message":"Forbidden"}`` with
``error="insufficient_scope"`` (RFC 6750 §3.1). Synchronous when the JWKS is cached."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from frontgate.auth import jwt
from frontgate.auth.oidc import Issuer
from frontgate.gateway_errors import GatewayError
from frontgate.pipeline.authorize import runtime
from frontgate.pipeline.context import Context, StageFn
from frontgate.pipeline.http_auth_common import (
    forbidden,
    identity_sources,
    internal,
    source_getters,
    unauthorized,
)
from frontgate.snapshot.recipe import recipe

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from frontgate.pipeline.env import Env

RSA_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
# Tokens verified here are remembered apart from the Cognito authorizer's (which accepts more
# algorithms): a token it verified is never taken as RSA-verified here, nor the reverse.
_CACHE_PREFIX = "http-jwt:"
LEEWAY = 5  # seconds of clock skew tolerated for nbf/iat (issuer and gateway clocks differ)


def plan(authorizer: dict[str, Any], route: dict[str, Any]) -> StageFn:
    sources = identity_sources(authorizer) or ["$request.header.Authorization"]
    conf = authorizer.get("jwtConfiguration") or {}
    issuer = str(conf.get("issuer") or "")
    audience = tuple(str(a) for a in conf.get("audience") or ())
    scopes = tuple(str(s) for s in route.get("authorizationScopes") or ())
    return jwt_step(sources[0], issuer, audience, scopes)


def _stringify(value: Any) -> str:
    """A claim as HTTP APIs hand it on: strings as they are, arrays as ``[a b]``."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(_stringify(v) for v in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _challenge(scopes: tuple[str, ...], error: str, description: str) -> tuple[tuple[str, str]]:
    value = f'Bearer scope="{" ".join(scopes)}" error="{error}" error_description="{description}"'
    return (("www-authenticate", value),)


def jwt_step(
    source: str, issuer_url: str, audience: tuple[str, ...], scopes: tuple[str, ...]
) -> StageFn:
    """The JWT authorizer stage of one route (its recipe: snapshot.recipe)."""
    read = source_getters([source])[0]
    issuer = Issuer(issuer_url.rstrip("/"))
    audiences = frozenset(audience)
    wanted = frozenset(scopes)

    def invalid(description: str) -> GatewayError:
        return unauthorized(_challenge(scopes, "invalid_token", description))

    def jwt_authorize(ctx: Context, env: Env) -> Awaitable[None] | None:
        token = (read(ctx) or "").strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        if not token:
            raise unauthorized((("www-authenticate", f'Bearer scope="{" ".join(scopes)}"'),))
        rt = runtime(env)
        cached = rt.verified.get(_CACHE_PREFIX + token)
        if cached is not None and cached[1] == issuer.url:
            accept(ctx, cached[0])  # signature and issuer checked before; claims again
            return None
        try:
            head, claims, signing_input, signature = jwt.split(token)
        except jwt.JwtError as exc:
            if str(exc).startswith("algorithm"):
                raise invalid(f"signing method {_alg(token)} is invalid") from None
            raise invalid("the token is malformed") from None
        alg = str(head.get("alg"))
        if alg not in RSA_ALGORITHMS:
            raise invalid(f"signing method {alg} is invalid")
        kid = str(head.get("kid", ""))
        jwks = rt.jwks_for(issuer)
        check = partial(verify, ctx, env, token, alg, kid, claims, signing_input, signature)
        if jwks.needs_fetch(kid, time.monotonic()):
            return _fetch_then(ctx, env, check)
        check()
        return None

    async def _fetch_then(ctx: Context, env: Env, check: Callable[[], None]) -> None:
        jwks = runtime(env).jwks_for(issuer)
        await jwks.refresh(env.pool)
        if not jwks.keys and jwks.fetched == 0.0:
            ctx.log(f"Unable to fetch the JWKS of {issuer.url}")
            raise internal()
        check()

    def verify(
        ctx: Context,
        env: Env,
        token: str,
        alg: str,
        kid: str,
        claims: dict[str, Any],
        signing_input: bytes,
        signature: bytes,
    ) -> None:
        found = runtime(env).jwks_for(issuer).lookup(kid)
        if found is None:
            raise invalid(f"unable to find a signing key that matches '{kid}'")
        family, declared, key = found
        # The key decides the algorithm family; a token cannot pick another.
        if family != "RSA" or (declared is not None and declared != alg):
            raise invalid(f"signing method {alg} is invalid")
        try:
            jwt.verify_signature(alg, key, signing_input, signature)
        except jwt.JwtError:
            raise invalid("the token signature is invalid") from None
        accept(ctx, claims)
        runtime(env).remember(_CACHE_PREFIX + token, claims, issuer.url)

    def accept(ctx: Context, claims: dict[str, Any]) -> None:
        """The claim checks (on every use, also of a cached token); sets ``ctx.authorizer``."""
        if str(claims.get("iss", "")).rstrip("/") != issuer.url:
            raise invalid("the token does not have a valid issuer")
        now = time.time()
        try:
            exp = float(claims["exp"])
            nbf = float(claims.get("nbf", 0))
            iat = float(claims.get("iat", 0))
        except (KeyError, TypeError, ValueError):
            raise invalid("the token has no valid expiry") from None
        if exp <= now:
            raise invalid("the token has expired")
        if nbf > now + LEEWAY:
            raise invalid("the token is not valid yet")
        if iat > now + LEEWAY:
            raise invalid("the token was issued in the future")
        # AWS checks client_id only when there is no aud (Cognito access tokens).
        aud = claims["aud"] if "aud" in claims else claims.get("client_id")
        auds = aud if isinstance(aud, list) else [aud] if aud is not None else []
        if audiences and not audiences.intersection(str(a) for a in auds):
            raise invalid("the token does not have a valid audience")
        granted: list[str] | None = None
        if wanted:
            raw = claims.get("scope", claims.get("scp", ""))
            granted = raw.split() if isinstance(raw, str) else [str(s) for s in raw or ()]
            if not wanted.intersection(granted):
                expected = " ".join(scopes)
                raise forbidden(
                    headers=_challenge(
                        scopes, "insufficient_scope", f"expected scopes: [{expected}]"
                    )
                )
        ctx.authorizer = {
            "jwt": {"claims": {k: _stringify(v) for k, v in claims.items()}, "scopes": granted}
        }

    return recipe(jwt_authorize, jwt_step, source, issuer_url, audience, scopes)


def _alg(token: str) -> str:
    """The ``alg`` a token's header names (for the error description), "unknown" if none."""
    part = token.split(".", 1)[0]
    try:
        head = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, TypeError):
        return "unknown"
    return str(head.get("alg")) if isinstance(head, dict) else "unknown"
