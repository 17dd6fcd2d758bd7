"""Secrets at rest: one data key per state store, wrapped by the cluster's master key.

* The **master key** (key-encryption key, 256 bits) is what every node sharing a state store
  must hold: ``master_key`` (``FRONTGATE_MASTER_KEY``: base64 of 32 bytes, or 64 hex digits),
  else the file ``master_key_file`` (``--master-key-file``), else ``{data-dir}/master.key``.
  A key file is created (mode 0600) only for a store that has no data key yet: the first start
  of a new store. It never leaves the node on its own; it is never stored in the database.
* The **data key** (256 bits) is generated once per store and kept in the store itself, wrapped
  (AES-256-GCM) by the master key. Secrets in documents are encrypted with it; rotating the
  master key re-wraps this one value and re-encrypts nothing.
* A node whose master key cannot unwrap the store's data key refuses to start
  (``KeyringError``, whose message says what to do), so it never serves with the wrong key.

Encrypted values are ``v2:`` + base64(nonce + ciphertext), with ``"<kind>:<id>"`` as associated
data: a ciphertext copied into another document does not open. Values written before the data
key existed (``v1:``: API keys only, encrypted directly with a node's ``master.key``, the key id
as associated data) are converted at start-up by ``frontgate.definition.secret_fields``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from frontgate.state.store import ConfigStore, Doc

KEY_FILE = "master.key"
# Where the wrapped data key lives in the store: (region, kind, parent, id).
DATA_KEY = ("global", "datakey", "", "data-key")
_V1 = "v1:"
_V2 = "v2:"
_WRAP_AAD = b"frontgate data key"


class KeyringError(Exception):
    """The node cannot obtain the store's data key; the message tells the operator what to do."""


def parse_key(text: str, where: str) -> bytes:
    """A 256-bit key written as 64 hex digits (``master.key``) or as base64 of 32 bytes."""
    t = text.strip()
    raw = b""
    if len(t) == 64:
        try:
            raw = bytes.fromhex(t)
        except ValueError:
            raw = b""
    if not raw:
        try:
            raw = base64.b64decode(t, validate=True)
        except (binascii.Error, ValueError):
            raw = b""
    if len(raw) != 32:
        raise KeyringError(
            f"{where}: not a 256-bit key (expected the base64 of 32 bytes, for example from "
            "`head -c 32 /dev/urandom | base64`, or 64 hex digits)"
        )
    return raw


def key_id(key: bytes) -> str:
    """A short public name for a master key (reveals nothing about it): ids in messages let an
    operator tell two keys apart without printing either."""
    return hmac.new(key, b"frontgate key id", hashlib.sha256).hexdigest()[:8]


def create_key_file(path: Path) -> bytes:
    """Write a new random key to ``path`` (mode 0600) unless the file exists; return the key in
    the file. Safe against concurrent starters: the file appears complete or not at all."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, AESGCM.generate_key(bit_length=256).hex().encode() + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process won the race; use its key
        finally:
            tmp.unlink()
    return parse_key(path.read_text(), str(path))


@dataclass(frozen=True)
class KeySource:
    """This node's master key as configured: ``key`` is None when the configured (or default)
    file does not exist; ``path`` is the file to create for a new store (None for a key given
    in the environment)."""

    key: bytes | None
    where: str
    path: Path | None


def resolve_master_key(master_key: str | None, key_file: str | None, data_dir: Path) -> KeySource:
    if master_key:
        where = "FRONTGATE_MASTER_KEY (master_key)"
        return KeySource(parse_key(master_key, where), where, None)
    path = Path(key_file).expanduser().resolve() if key_file else data_dir / KEY_FILE
    try:
        text = path.read_text()
    except FileNotFoundError:
        return KeySource(None, str(path), path)
    except OSError as exc:
        raise KeyringError(f"cannot read the master key {path}: {exc.strerror}") from None
    return KeySource(parse_key(text, str(path)), str(path), path)


class Keyring:
    """Encrypts and decrypts document secrets with the store's data key (memory only)."""

    __slots__ = ("_aead", "lookup_key")

    def __init__(self, data_key: bytes) -> None:
        self._aead = AESGCM(data_key)
        # API-key lookup hashes are HMAC-SHA256 under a key derived from the data key, so the
        # store holds nothing an offline guesser could test candidate key values against.
        self.lookup_key = HKDF(
            hashes.SHA256(), 32, salt=None, info=b"frontgate api-key lookup hash"
        ).derive(data_key)

    def encrypt(self, context: str, plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return _V2 + base64.b64encode(nonce + sealed).decode()

    def decrypt(self, context: str, stored: str) -> str:
        """Raises ``InvalidTag`` for a value this data key did not encrypt for ``context``."""
        if not stored.startswith(_V2):
            raise ValueError("not a value encrypted with the store's data key")
        raw = base64.b64decode(stored[len(_V2) :])
        return self._aead.decrypt(raw[:12], raw[12:], context.encode()).decode()

    def lookup_hash(self, value: str) -> str:
        return hmac.new(self.lookup_key, value.encode(), hashlib.sha256).hexdigest()

    def seal(self, doc: Doc, field: str, context: str) -> Doc:
        """``doc`` with ``field`` replaced by its encrypted form (``enc_field(field)``)."""
        if field not in doc:
            return doc
        out = {k: v for k, v in doc.items() if k != field}
        out[enc_field(field)] = self.encrypt(context, str(doc[field]))
        return out


def context(kind: str, id: str) -> str:
    """The associated data a document's secret is encrypted with: ``"<kind>:<id>"``."""
    return f"{kind}:{id}"


class SecretCache:
    """Secrets decrypted for the data plane's indexes, kept across snapshot rebuilds (AES-GCM
    per secret per rebuild would dominate a rebuild with many): (document id, ciphertext) ->
    plain text. ``sweep`` after a rebuild forgets what it did not ask for (deleted or
    re-encrypted secrets)."""

    __slots__ = ("_seen", "values")

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], str] = {}
        self._seen: set[tuple[str, str]] = set()

    def open(self, keyring: Keyring | None, context: str, id: str, enc: str) -> str | None:
        """The secret (None without a keyring). A value that cannot be decrypted raises the
        first time only (the caller logs it) and reads as "" (never matches) after that."""
        slot = (id, enc)
        self._seen.add(slot)
        value = self.values.get(slot)
        if value is None and keyring is not None:
            self.values[slot] = ""
            value = self.values[slot] = keyring.decrypt(context, enc)
        return value

    def sweep(self) -> None:
        for slot in [s for s in self.values if s not in self._seen]:
            del self.values[slot]
        self._seen.clear()


def enc_field(field: str) -> str:
    """Where a secret member is kept encrypted: ``value`` -> ``_valueEnc``, ``_secret`` ->
    ``_secretEnc``."""
    return "_" + field.lstrip("_") + "Enc"


def decrypt_legacy(master: bytes, key_id_: str, stored: str) -> str:
    """A ``v1:`` API key value (encrypted directly with a node's ``master.key``)."""
    if not stored.startswith(_V1):
        raise ValueError("not a v1 value")
    raw = base64.b64decode(stored[len(_V1) :])
    return AESGCM(master).decrypt(raw[:12], raw[12:], key_id_.encode()).decode()


def _wrap(master: bytes, data_key: bytes) -> str:
    nonce = os.urandom(12)
    return (
        _V1 + base64.b64encode(nonce + AESGCM(master).encrypt(nonce, data_key, _WRAP_AAD)).decode()
    )


def _unwrap(master: bytes, wrapped: str) -> bytes:
    raw = base64.b64decode(wrapped[len(_V1) :])
    return AESGCM(master).decrypt(raw[:12], raw[12:], _WRAP_AAD)


def _record(master: bytes, data_key: bytes, where: str, **extra: Any) -> Doc:
    return {
        "wrapped": _wrap(master, data_key),
        "keyId": key_id(master),
        "keySource": where,
        "host": socket.gethostname(),
        **extra,
    }


def _origin(doc: Doc) -> str:
    return f"key id {doc.get('keyId')}, from {doc.get('keySource')} on host {doc.get('host')}"


def _advice(doc: Doc) -> str:
    source = str(doc.get("keySource") or "")
    how = (
        "give this node the same FRONTGATE_MASTER_KEY"
        if source.startswith("FRONTGATE_MASTER_KEY")
        else "copy that key file to this node and start it with --master-key-file PATH, or set "
        "FRONTGATE_MASTER_KEY to the file's contents"
    )
    return (
        f"Every node sharing a state store needs the same master key: {how} "
        "(after `frontgate rotate-key`, use the new key)."
    )


@dataclass(frozen=True)
class Opened:
    keyring: Keyring
    master: bytes
    key_id: str
    created_file: Path | None  # the key file this start created (a new store), else None
    created_data_key: bool


async def open_keyring(store: ConfigStore, source: KeySource, *, create: bool = True) -> Opened:
    """Unwrap the store's data key with this node's master key; for a store without one (and
    ``create``), generate it, creating the master key file too if there is none."""
    doc = await store.get(*DATA_KEY)
    created_file: Path | None = None
    master = source.key
    if doc is None:
        if not create:
            raise KeyringError("the state store has no data key yet: start `frontgate serve` once")
        if master is None:
            assert source.path is not None
            master = create_key_file(source.path)
            created_file = source.path
        data_key = AESGCM.generate_key(bit_length=256)
        record = _record(master, data_key, source.where, created=int(time.time()))
        async with store.transaction(config=False) as tx:
            won = await tx.insert(*DATA_KEY, record)
        if won:
            return Opened(Keyring(data_key), master, key_id(master), created_file, True)
        # Another node created the store's data key at the same moment: use theirs.
        if created_file is not None:
            created_file.unlink(missing_ok=True)
            created_file, master = None, None
        doc = await store.get(*DATA_KEY)
        assert doc is not None
    if master is None:
        raise KeyringError(
            f"this node has no master key ({source.where} does not exist), but the secrets in "
            f"this state store are protected by one ({_origin(doc)}). {_advice(doc)}"
        )
    try:
        data_key = _unwrap(master, str(doc["wrapped"]))
    except (InvalidTag, ValueError, KeyError):
        raise KeyringError(
            f"this node's master key ({source.where}, key id {key_id(master)}) is not the key "
            f"that protects the secrets in this state store ({_origin(doc)}). {_advice(doc)}"
        ) from None
    return Opened(Keyring(data_key), master, key_id(master), created_file, False)


async def rewrap(store: ConfigStore, old: bytes, new: bytes, where: str) -> None:
    """Key rotation: wrap the store's data key with ``new`` instead of ``old``. Running nodes
    keep the data key in memory and go on serving; each needs ``new`` before it next starts."""
    async with store.transaction(config=False) as tx:
        doc = await tx.get(*DATA_KEY)
        if doc is None:
            raise KeyringError("the state store has no data key yet: start `frontgate serve` once")
        try:
            data_key = _unwrap(old, str(doc["wrapped"]))
        except (InvalidTag, ValueError, KeyError):
            raise KeyringError(
                f"the current master key (key id {key_id(old)}) is not the key that protects "
                f"this state store ({_origin(doc)}): give the current key with "
                "--master-key-file or FRONTGATE_MASTER_KEY"
            ) from None
        created = doc.get("created")
        await tx.put(
            *DATA_KEY, _record(new, data_key, where, created=created, rotated=int(time.time()))
        )
