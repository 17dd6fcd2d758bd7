"""API key values at rest: AES-256-GCM under the state store's data key
(``frontgate.state.keyring``: one data key per store, wrapped by the cluster's master key).

Stored key documents hold ``_valueEnc`` (the value encrypted, ``"apikey:<id>"`` as associated
data so a ciphertext cannot be moved to another key) and ``_valueHmac`` (HMAC-SHA256 of the
value under a key derived from the data key, for the uniqueness check without decrypting every
key), never the plain ``value``. Without a keyring (an ``AdminApp`` embedded in tests) values are
stored in clear."""

from __future__ import annotations

from typing import Any

from frontgate.definition import kinds
from frontgate.definition.secret_fields import LOOKUP_HASH
from frontgate.state.keyring import Keyring, context


def _ctx(key: dict[str, Any]) -> str:
    return context(kinds.API_KEY, str(key["id"]))


def seal(keyring: Keyring | None, key: dict[str, Any]) -> dict[str, Any]:
    """The document to store for an API key: the value encrypted (no keyring: unchanged)."""
    if keyring is None or "value" not in key:
        return key
    out = keyring.seal(key, "value", _ctx(key))
    out[LOOKUP_HASH] = keyring.lookup_hash(str(key["value"]))
    return out


def unseal(keyring: Keyring | None, stored: dict[str, Any]) -> dict[str, Any]:
    """The API key with its plain ``value`` and without the internal members."""
    out = {k: v for k, v in stored.items() if not k.startswith("_value")}
    enc = stored.get("_valueEnc")
    if isinstance(enc, str) and keyring is not None:
        out["value"] = keyring.decrypt(_ctx(stored), enc)
    return out


def plain_value(keyring: Keyring | None, stored: dict[str, Any]) -> str | None:
    """The key's value from a stored document, encrypted or (stored without a keyring) plain."""
    if "value" in stored:
        return str(stored["value"])
    enc = stored.get("_valueEnc")
    if not isinstance(enc, str) or keyring is None:
        return None
    return keyring.decrypt(_ctx(stored), enc)


def same_value(stored: dict[str, Any], value: str, lookup_hash: str | None) -> bool:
    """Whether a stored API key has ``value`` (CreateApiKey/ImportApiKeys refuse duplicates);
    ``lookup_hash``: ``Keyring.lookup_hash(value)``, computed once by the caller."""
    if "value" in stored:
        return bool(stored["value"] == value)
    return lookup_hash is not None and stored.get(LOOKUP_HASH) == lookup_hash
