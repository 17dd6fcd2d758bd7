"""OIDC issuers for COGNITO_USER_POOLS authorizers: each user pool maps to an issuer whose JWKS is
fetched through the upstream pool (1.5 s timeout, as AWS), cached, and refreshed when a token
names an unknown ``kid`` — at most once per ``REFRESH_INTERVAL`` per issuer."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from frontgate.auth.jwt import JwtError, PublicKey, load_jwk

if TYPE_CHECKING:
    from frontgate.upstream.pool import UpstreamPool

log = logging.getLogger("frontgate.oidc")

FETCH_TIMEOUT = 1.5  # seconds, AWS's JWKS/discovery timeout for JWT authorizers
MAX_JWKS_BYTES = 150_000  # AWS's JWKS size limit
# Unknown kids force a refetch at most once per MIN_REFRESH overall and once per
# REFRESH_INTERVAL for the same kid: a flood of made-up kids costs one fetch a second.
MIN_REFRESH = 1.0
REFRESH_INTERVAL = 30.0
MAX_MISSING = 1024
MAX_AGE = 3600.0  # a JWKS older than this is refetched on the next request


@dataclass(frozen=True, slots=True)
class Issuer:
    url: str
    jwks_url: str | None = None  # None: discover via /.well-known/openid-configuration
    audiences: frozenset[str] = frozenset()  # empty: any audience (Cognito's behaviour)


def pool_issuer(provider_arn: str, overrides: dict[str, Any]) -> Issuer:
    """The issuer of ``arn:aws:cognito-idp:{region}:{account}:userpool/{poolId}``: a config-file
    override (keyed by ARN or pool id), else Cognito's own URL form."""
    pool_id = provider_arn.rsplit("/", 1)[-1]
    spec = overrides.get(provider_arn, overrides.get(pool_id))
    if isinstance(spec, str):
        return Issuer(spec.rstrip("/"))
    if isinstance(spec, dict):
        auds = spec.get("audience") or spec.get("audiences") or ()
        return Issuer(
            str(spec["issuer"]).rstrip("/"),
            spec.get("jwks_url") or spec.get("jwks_uri"),
            frozenset([auds] if isinstance(auds, str) else auds),
        )
    region = provider_arn.split(":")[3] if provider_arn.count(":") >= 5 else "us-east-1"
    url = f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"
    return Issuer(url, url + "/.well-known/jwks.json")


@dataclass(slots=True)
class Jwks:
    """One issuer's keys: kid → (key family, declared alg or None, public key)."""

    issuer: Issuer
    keys: dict[str, tuple[str, str | None, PublicKey]] = field(default_factory=dict)
    fetched: float = 0.0
    attempted: float = -1e9
    inflight: asyncio.Future[None] | None = None
    missing: dict[str, float] = field(default_factory=dict)  # unknown kid → last refetch

    def lookup(self, kid: str) -> tuple[str, str | None, PublicKey] | None:
        return self.keys.get(kid)

    def needs_fetch(self, kid: str, now: float) -> bool:
        if kid in self.keys:
            return now - self.fetched > MAX_AGE and now - self.attempted > REFRESH_INTERVAL
        if now - self.attempted < MIN_REFRESH:
            return False
        if now - self.missing.get(kid, -1e9) < REFRESH_INTERVAL:
            return False
        if len(self.missing) >= MAX_MISSING:
            self.missing.clear()
        self.missing[kid] = now
        return True

    async def refresh(self, pool: UpstreamPool) -> None:
        """Fetch once even when many requests ask at the same time."""
        if self.inflight is not None:
            await asyncio.shield(self.inflight)
            return
        self.inflight = asyncio.get_running_loop().create_future()
        self.attempted = time.monotonic()
        try:
            await self._fetch(pool)
        except Exception as exc:  # every failure leaves the old keys in place
            log.warning("JWKS fetch for %s failed: %s", self.issuer.url, exc)
        finally:
            self.inflight.set_result(None)
            self.inflight = None

    async def _get_json(self, pool: UpstreamPool, url: str) -> Any:
        resp = await pool.request("GET", url, [("Accept", "application/json")], b"", FETCH_TIMEOUT)
        if resp.status != 200 or len(resp.body) > MAX_JWKS_BYTES:
            raise ValueError(f"GET {url}: status {resp.status}, {len(resp.body)} bytes")
        return json.loads(resp.body)

    async def _fetch(self, pool: UpstreamPool) -> None:
        url = self.issuer.jwks_url
        if url is None:
            conf = await self._get_json(pool, self.issuer.url + "/.well-known/openid-configuration")
            url = str(conf["jwks_uri"])
        doc = await self._get_json(pool, url)
        keys: dict[str, tuple[str, str | None, PublicKey]] = {}
        for jwk in doc.get("keys") or ():
            if not isinstance(jwk, dict) or jwk.get("use", "sig") != "sig":
                continue
            try:
                family, key = load_jwk(jwk)
            except JwtError as exc:
                log.warning("skipping JWK %s of %s: %s", jwk.get("kid"), self.issuer.url, exc)
                continue
            keys[str(jwk.get("kid", ""))] = (family, jwk.get("alg"), key)
        self.keys = keys
        self.fetched = time.monotonic()
