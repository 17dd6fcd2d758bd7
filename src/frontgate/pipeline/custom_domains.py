"""Custom domain names on the data plane: which API mapping serves a request whose Host is a
custom domain (``Snapshot.domains``, compiled by ``compile.domains``), as on AWS:

- the mapping whose key (its segments; ``orders/v1`` is two) is the longest prefix of the
  path's segments serves the request; the empty key (``(none)``) serves what no other does;
- the key is stripped: ``/orders/v1/items`` under ``orders/v1`` is the API's ``/items``;
- a REST mapping without a stage takes the stage name from the next segment;
- no mapping: 403 ``{"message":"Forbidden"}`` (REST's answer for an unknown API), or 404
  ``{"message":"Not Found"}`` on a domain whose mappings are all HTTP APIs'.

A domain route ignores ``disableExecuteApiEndpoint``: a custom domain is what that setting
leaves callers. ``pipeline.route`` calls ``mapped`` only when the snapshot holds a domain."""

from __future__ import annotations

from frontgate import gateway_errors
from frontgate.snapshot.domains import CustomDomain, DomainMapping


def mapped(domain: CustomDomain, path: str) -> tuple[DomainMapping, str]:
    """The mapping serving ``path`` (no query) on ``domain`` and the path left for the API
    once its key is stripped; raises the unmapped path's error."""
    segments = tuple(path[1:].split("/"))
    found = domain.match(segments)
    if found is None:
        if domain.http_only:
            raise gateway_errors.not_found()
        raise gateway_errors.forbidden()
    return found, "/" + "/".join(segments[len(found.key) :])
