"""Custom domain names compiled for the data plane (``Snapshot.domains``): every stored domain
(``kinds.DOMAIN_NAME``) with its mappings (``kinds.BASE_PATH_MAPPING``, written by both
``CreateBasePathMapping`` and ``CreateApiMapping``) becomes a ``snapshot.domains.CustomDomain``
keyed by its lower-case name, its mappings longest key first. A mapping to an API that no
longer exists is left out (the request then falls to a shorter key, or is unmapped).

A domain with an uploaded certificate (``_certificateBody`` + ``_certificateChain`` and the
private key, stored encrypted) carries it decrypted, for the TLS listener's SNI (``tls.sni``):
the snapshot already carries decrypted IAM secrets the same way, in memory only."""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

from frontgate.definition import kinds
from frontgate.snapshot.domains import CustomDomain, DomainMapping
from frontgate.state.keyring import Keyring, SecretCache, context, enc_field
from frontgate.state.store import ConfigStore

log = logging.getLogger("frontgate.compile")
_KEY = "_certificatePrivateKey"

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
    domains: dict[str, list[DomainMapping]],
    api_ids: Collection[str],
    certificates: dict[str, tuple[str, str]] | None = None,
) -> dict[str, CustomDomain]:
    """The routing table: name -> domain, mappings to known APIs only, longest key first."""
    out: dict[str, CustomDomain] = {}
    for name, mappings in domains.items():
        kept = [m for m in mappings if m.api_id in api_ids]
        kept.sort(key=lambda m: (-len(m.key), m.key))
        http_only = bool(kept) and all(m.http for m in kept)
        cert = (certificates or {}).get(name)
        out[name.lower()] = CustomDomain(name.lower(), tuple(kept), http_only, cert)
    return out


def certificate_of(
    doc: dict[str, Any], keyring: Keyring | None, opened: SecretCache
) -> tuple[str, str] | None:
    """A domain's uploaded certificate: (body + chain PEM, private key PEM), or None."""
    body = doc.get("_certificateBody")
    if not isinstance(body, str) or not body.strip():
        return None
    name = str(doc["domainName"])
    key = doc.get(_KEY)
    enc = doc.get(enc_field(_KEY))
    if not isinstance(key, str) and isinstance(enc, str):
        try:
            key = opened.open(keyring, context(kinds.DOMAIN_NAME, name), name, enc)
        except Exception:
            log.error("the private key of custom domain %s cannot be decrypted", name)
            key = None
    if not isinstance(key, str) or not key:
        return None
    chain = doc.get("_certificateChain")
    pem = body.strip() + "\n"
    if isinstance(chain, str) and chain.strip():
        pem += chain.strip() + "\n"
    return pem, key


async def load_domains(
    store: ConfigStore,
    api_ids: Collection[str],
    http_ids: Collection[str],
    keyring: Keyring | None = None,
    opened: SecretCache | None = None,
) -> dict[str, CustomDomain]:
    """Every stored custom domain with its mappings (an empty dict when there is none, so
    routing pays nothing)."""
    found: dict[str, list[DomainMapping]] = {}
    certificates: dict[str, tuple[str, str]] = {}
    cache = opened if opened is not None else SecretCache()
    for region, _parent, doc in await store.list_all(kinds.DOMAIN_NAME):
        name = str(doc.get("domainName") or "").lower()
        if not name:
            continue
        mappings = found.setdefault(name, [])
        for record in await store.list(region, kinds.BASE_PATH_MAPPING, name):
            m = mapping_of(record, http_ids)
            if m is not None:
                mappings.append(m)
        cert = certificate_of(doc, keyring, cache)
        if cert is not None:
            certificates[name] = cert
    cache.sweep()  # forget the keys of deleted or changed domains
    return table(found, api_ids, certificates)
