"""Custom domain names on the data plane: per domain name (lower case), its API mappings, the
longest key first. Built by ``compile.domains`` from the stored domains and their base path
mappings (one record for ``apigateway`` base path mappings and ``apigatewayv2`` API
mappings); ``Snapshot.domains`` holds them; ``pipeline.custom_domains`` routes by them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class DomainMapping:
    """One mapping: requests whose path starts with the segments ``key`` (none: every path)
    go to ``api_id``'s ``stage``. An empty ``stage`` (a REST mapping without one) takes the
    stage name from the first segment after the key, as on AWS. ``http``: an HTTP API."""

    key: tuple[str, ...]
    base_path: str  # as stored: "(none)" for the empty key
    api_id: str
    stage: str
    http: bool

    def __reduce__(self) -> tuple[Any, ...]:
        return (DomainMapping, (self.key, self.base_path, self.api_id, self.stage, self.http))


@dataclass(frozen=True, slots=True)
class CustomDomain:
    """A custom domain name and its mappings, longest key first (so the first whose key
    prefixes the path is the longest match). ``http_only``: every mapping is an HTTP API's,
    so an unmapped path answers as HTTP APIs do (404), not REST's 403. ``certificate``: the
    uploaded (certificate chain PEM, private key PEM) the TLS listener serves for this name
    (``tls.sni``), None when the domain has none."""

    name: str
    mappings: tuple[DomainMapping, ...]
    http_only: bool
    certificate: tuple[str, str] | None = field(default=None, repr=False)

    def __reduce__(self) -> tuple[Any, ...]:
        return (CustomDomain, (self.name, self.mappings, self.http_only, self.certificate))

    def match(self, segments: tuple[str, ...]) -> DomainMapping | None:
        """The mapping of the longest key that is a prefix of ``segments``, or None."""
        n = len(segments)
        for m in self.mappings:
            k = len(m.key)
            if k <= n and (k == 0 or segments[:k] == m.key):
                return m
        return None
