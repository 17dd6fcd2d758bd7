"""Which document members are secrets, and the start-up upgrade that encrypts the ones an older
version stored in clear (or under a node's own ``master.key``).

Every secret member ``m`` of a document is stored as ``enc_field(m)`` (``_valueEnc``,
``_secretEnc``, ...), encrypted with the store's data key, ``"<kind>:<id>"`` as associated
data. API keys also keep ``_valueHmac`` (``Keyring.lookup_hash``) for the uniqueness check.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag

from frontgate.definition import kinds
from frontgate.state.keyring import Keyring, context, decrypt_legacy, enc_field
from frontgate.state.store import ConfigStore, Doc

log = logging.getLogger("frontgate.state")

# (kind, secret member, member holding the document's id)
SECRET_FIELDS: tuple[tuple[str, str, str], ...] = (
    (kinds.API_KEY, "value", "id"),
    (kinds.IAM_ACCESS_KEY, "_secret", "AccessKeyId"),
    (kinds.CLIENT_CERTIFICATE, "_privateKeyPem", "clientCertificateId"),
    (kinds.DOMAIN_NAME, "_certificatePrivateKey", "domainName"),
)
LOOKUP_HASH = "_valueHmac"  # API keys: HMAC-SHA256 of the value (uniqueness check)


def seal_member(keyring: Keyring | None, kind: str, id: str, doc: Doc, member: str) -> Doc:
    """``doc`` as stored: its secret ``member`` encrypted (no keyring: unchanged)."""
    return doc if keyring is None else keyring.seal(doc, member, context(kind, id))


def _needs_upgrade(kind: str, member: str, doc: Doc) -> bool:
    if member in doc:
        return True
    enc = doc.get(enc_field(member))
    if isinstance(enc, str) and not enc.startswith("v2:"):
        return True
    if kind == kinds.API_KEY and enc is not None:
        return LOOKUP_HASH not in doc or "_valueSha256" in doc
    return False


def _upgraded(
    keyring: Keyring, kind: str, member: str, id: str, doc: Doc, legacy: Sequence[bytes]
) -> Doc | None:
    """``doc`` with its secret encrypted under the data key; None if it cannot be decrypted."""
    ctx = context(kind, id)
    enc = doc.get(enc_field(member))
    plain: str | None
    if member in doc:
        plain = None if doc[member] is None else str(doc[member])
    elif isinstance(enc, str) and enc.startswith("v1:"):
        plain = None
        for master in legacy:
            try:
                plain = decrypt_legacy(master, id, enc)
                break
            except (InvalidTag, ValueError):
                continue
        if plain is None:
            return None
    elif isinstance(enc, str):
        try:
            plain = keyring.decrypt(ctx, enc)
        except (InvalidTag, ValueError):
            return None
    else:
        return doc
    out = {k: v for k, v in doc.items() if k not in (member, "_valueSha256", enc_field(member))}
    if plain is None:
        return out
    out[enc_field(member)] = keyring.encrypt(ctx, plain)
    if kind == kinds.API_KEY:
        out[LOOKUP_HASH] = keyring.lookup_hash(plain)
    return out


@dataclass
class Upgrade:
    encrypted: dict[str, int] = field(default_factory=dict)  # kind -> documents rewritten
    undecryptable: list[str] = field(default_factory=list)  # "kind:id"


async def encrypt_stored_secrets(
    store: ConfigStore, keyring: Keyring, legacy: Sequence[bytes] = ()
) -> Upgrade:
    """Encrypt, in place, every secret an older version stored in clear, convert ``v1:`` API
    key values (``legacy``: the master keys that may have encrypted them) and replace bare
    SHA-256 lookup hashes by keyed ones. Idempotent: a store already upgraded costs one scan."""
    result = Upgrade()
    todo: list[tuple[str, str, str, str, str]] = []
    for kind, member, id_member in SECRET_FIELDS:
        for region, parent, doc in await store.list_all(kind):
            if _needs_upgrade(kind, member, doc):
                todo.append((region, kind, parent, str(doc.get(id_member)), member))
    if not todo:
        return result
    async with store.transaction() as tx:
        for region, kind, parent, id, member in todo:
            now = await tx.get(region, kind, parent, id)  # re-read: another node may be ahead
            if now is None or not _needs_upgrade(kind, member, now):
                continue
            new = _upgraded(keyring, kind, member, id, now, legacy)
            if new is None:
                result.undecryptable.append(context(kind, id))
                continue
            await tx.put(region, kind, parent, id, new)
            result.encrypted[kind] = result.encrypted.get(kind, 0) + 1
    return result
