"""Per-worker state of the access-control stages: issuer map and JWKS caches, verified-token
cache, config-file IAM users, and the header that carries ``aws:SourceVpce``."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from frontgate.auth.oidc import Issuer, Jwks, pool_issuer
from frontgate.iam.identities import IamIndex, config_index

VERIFIED_TOKENS = 10_000  # bounded: a flood of distinct tokens cannot grow memory


@dataclass(slots=True)
class AuthRuntime:
    issuer_overrides: dict[str, Any] = field(default_factory=dict)
    vpce_header: str | None = None
    static_iam: IamIndex = field(default_factory=IamIndex)
    jwks: dict[str, Jwks] = field(default_factory=dict)
    # token → (claims, issuer url): signature and issuer already checked; time claims are
    # re-checked on every use.
    verified: OrderedDict[str, tuple[dict[str, Any], str]] = field(default_factory=OrderedDict)

    @classmethod
    def from_settings(cls, settings: Any) -> AuthRuntime:
        return cls(
            issuer_overrides=dict(getattr(settings, "cognito_issuers", None) or {}),
            vpce_header=getattr(settings, "vpce_header", None),
            static_iam=config_index(
                dict(getattr(settings, "iam_users", None) or {}), settings.account_id
            ),
        )

    issuers: dict[str, Issuer] = field(default_factory=dict)  # provider ARN → issuer (memo)

    def issuer(self, provider_arn: str) -> Issuer:
        found = self.issuers.get(provider_arn)
        if found is None:
            found = self.issuers[provider_arn] = pool_issuer(provider_arn, self.issuer_overrides)
        return found

    def issuer_of(self, url: str, provider_arns: list[str]) -> Issuer | None:
        for arn in provider_arns:
            issuer = self.issuer(arn)
            if issuer.url == url:
                return issuer
        return None

    def jwks_for(self, issuer: Issuer) -> Jwks:
        found = self.jwks.get(issuer.url)
        if found is None or (found.issuer is not issuer and found.issuer != issuer):
            found = self.jwks[issuer.url] = Jwks(issuer)
        return found

    def remember(self, token: str, claims: dict[str, Any], issuer: str) -> None:
        cache = self.verified
        cache[token] = (claims, issuer)
        if len(cache) > VERIFIED_TOKENS:
            cache.popitem(last=False)


DEFAULT = AuthRuntime()
