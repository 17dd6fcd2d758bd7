"""API key values at rest: AES-256-GCM under a master key kept in ``{data_dir}/master.key``.

Stored key documents hold ``_valueEnc`` (``v1:`` + base64 of nonce + ciphertext, the key id as
associated data so a ciphertext cannot be moved to another key) and ``_valueSha256`` (for the
uniqueness check without decrypting every key), never the plain ``value``."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MASTER_KEY_FILE = "master.key"
_PREFIX = "v1:"


def ensure_master_key(data_dir: Path) -> bytes:
    """Read the master key, creating it (mode 0600) on first start. Safe against concurrent
    starters: the file appears complete or not at all (written aside, then hard-linked)."""
    path = data_dir / MASTER_KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp = data_dir / f".{MASTER_KEY_FILE}.{os.getpid()}"
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
    key = bytes.fromhex(path.read_text().strip())
    if len(key) != 32:
        raise ValueError(f"{path}: not a 256-bit key")
    return key


def value_digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def encrypt_value(master: bytes, key_id: str, value: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(master).encrypt(nonce, value.encode(), key_id.encode())
    return _PREFIX + base64.b64encode(nonce + sealed).decode()


def decrypt_value(master: bytes, key_id: str, stored: str) -> str:
    if not stored.startswith(_PREFIX):
        raise ValueError("unknown API key encryption format")
    raw = base64.b64decode(stored[len(_PREFIX) :])
    return AESGCM(master).decrypt(raw[:12], raw[12:], key_id.encode()).decode()


def seal(master: bytes | None, key: dict[str, Any]) -> dict[str, Any]:
    """The document to store for an API key: the value encrypted (no master key: unchanged)."""
    if master is None or "value" not in key:
        return key
    out = {k: v for k, v in key.items() if k != "value"}
    out["_valueEnc"] = encrypt_value(master, str(key["id"]), str(key["value"]))
    out["_valueSha256"] = value_digest(str(key["value"]))
    return out


def unseal(master: bytes | None, stored: dict[str, Any]) -> dict[str, Any]:
    """The API key with its plain ``value`` and without the internal members."""
    out = {k: v for k, v in stored.items() if not k.startswith("_value")}
    enc = stored.get("_valueEnc")
    if enc is not None and master is not None:
        out["value"] = decrypt_value(master, str(stored["id"]), str(enc))
    return out


def plain_value(master: bytes | None, stored: dict[str, Any]) -> str | None:
    """The key's value from a stored document, encrypted or (older documents) plain."""
    if "value" in stored:
        return str(stored["value"])
    enc = stored.get("_valueEnc")
    if enc is None or master is None:
        return None
    return decrypt_value(master, str(stored["id"]), str(enc))
