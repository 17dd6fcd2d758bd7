"""Custom domain names compiled for the data plane (``Snapshot.domains``): every stored domain
(``kinds.DOMAIN_NAME``) with its mappings (``kinds.BASE_PATH_MAPPING``, written by both
``CreateBasePathMapping`` and ``CreateApiMapping``) becomes a ``snapshot.domains.CustomDomain``
keyed by its lower-case name, its mappings longest key first. A mapping to an API that no
longer exists is left out (the request then falls to a shorter key, or is unmapped)."""

from __future__ import annotations

from collections.abc import Collection

from frontgate.definition import kinds
from frontgate.snapshot.domains import CustomDomain, DomainMapping
from frontgate.state.store import ConfigStore

NONE = "(none)"  # the stored name of the empty base path


def mapping_of(doc: dict[str, object], http_ids: Collection[str]) -> DomainMapping | None:
    """One stored mapping record as the data plane routes it (None: malformed)."""
    base = str(doc.get("basePath") or NONE)
    api_id = str(doc.get("restApiId") or "")
    if not api_id:
        return None
    key = () if base == NONE else tuple(s for s in base.strip("/").split("/") if s)
    stage = str(doc.get("stage") or "")
    return DomainMapping(key, base, api_id, stage, api_id in http_ids)


def table(
    domains: dict[str, list[DomainMapping]], api_ids: Collection[str]
) -> dict[str, CustomDomain]:
    """The routing table: name -> domain, mappings to known APIs only, longest key first."""
    out: dict[str, CustomDomain] = {}
    for name, mappings in domains.items():
        kept = [m for m in mappings if m.api_id in api_ids]
        kept.sort(key=lambda m: (-len(m.key), m.key))
        http_only = bool(kept) and all(m.http for m in kept)
        out[name.lower()] = CustomDomain(name.lower(), tuple(kept), http_only)
    return out


async def load_domains(
    store: ConfigStore, api_ids: Collection[str], http_ids: Collection[str]
) -> dict[str, CustomDomain]:
    """Every stored custom domain with its mappings (an empty dict when there is none, so
    routing pays nothing)."""
    found: dict[str, list[DomainMapping]] = {}
    for region, _parent, doc in await store.list_all(kinds.DOMAIN_NAME):
        name = str(doc.get("domainName") or "").lower()
        if not name:
            continue
        mappings = found.setdefault(name, [])
        for record in await store.list(region, kinds.BASE_PATH_MAPPING, name):
            m = mapping_of(record, http_ids)
            if m is not None:
                mappings.append(m)
    return table(found, api_ids)
