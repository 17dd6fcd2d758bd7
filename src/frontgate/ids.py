"""Identifiers shaped like Amazon API Gateway's (AWS documents no grammar; these match observed
ids: 10 lowercase alphanumerics for REST APIs and API keys, 6 for child objects)."""

from __future__ import annotations

import os
import secrets
from binascii import b2a_base64
from random import getrandbits
from typing import Final

_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def short_id(length: int = 6) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def rest_api_id() -> str:
    return short_id(10)


# Ids are made in batches from one buffer of random bytes: hexlifying and base64-encoding a
# large buffer once, then slicing, costs a fraction of formatting a 128-bit int per request.
_BATCH: Final = 256
_B64_URL: Final = bytes.maketrans(b"+/", b"-_")


class _IdBatch:
    """Ids made ahead, ``_BATCH`` at a time, from one buffer of random bytes hexlified and
    base64-encoded at once; a request takes the next pair."""

    __slots__ = ("exts", "rids")

    def __init__(self) -> None:
        self.rids: list[str] = []
        self.exts: list[str] = []

    def refill(self) -> None:
        raw = bytearray(getrandbits(128 * _BATCH).to_bytes(16 * _BATCH, "big"))
        for i in range(6, 16 * _BATCH, 16):
            raw[i] = (raw[i] & 0x0F) | 0x40  # version 4
            raw[i + 2] = (raw[i + 2] & 0x3F) | 0x80  # RFC 4122 variant
        h = raw.hex()
        self.rids = [
            f"{h[o : o + 8]}-{h[o + 8 : o + 12]}-{h[o + 12 : o + 16]}-{h[o + 16 : o + 20]}-"
            f"{h[o + 20 : o + 32]}"
            for o in range(0, 32 * _BATCH, 32)
        ]
        # 12 random bytes -> 16 base64 characters per id, of which 15 are kept: the 16th would
        # carry bits an 11-byte id does not have, and AWS's ids end in "=".
        ext = getrandbits(96 * _BATCH).to_bytes(12 * _BATCH, "big")
        text = b2a_base64(ext, newline=False).translate(_B64_URL).decode()
        self.exts = [text[i : i + 15] + "=" for i in range(0, 16 * _BATCH, 16)]


_ids: Final = _IdBatch()


def _after_fork() -> None:
    # A forked worker must not hand out the ids left in its parent's batch.
    _ids.rids = []
    _ids.exts = []


os.register_at_fork(after_in_child=_after_fork)


def request_ids() -> tuple[str, str]:
    """A UUID v4 request id (``x-amzn-RequestId``) and a 16-char ``x-amz-apigw-id`` (URL-safe
    base64 of 11 bytes: 15 characters and one ``=``). They identify, they do not protect
    anything, so they come from the fast non-cryptographic generator: ``urandom`` is a system
    call (uuid.uuid4 costs more than a MOCK request's whole routing). ``random`` reseeds itself
    in forked workers, and a worker refills its own batch after the fork."""
    batch = _ids
    rids = batch.rids
    if not rids:
        batch.refill()
        rids = batch.rids
    return rids.pop(), batch.exts.pop()


def request_id() -> str:
    """A UUID v4, as ``x-amzn-RequestId`` (data plane and admin API alike)."""
    return request_ids()[0]


def api_key_value() -> str:
    return "".join(secrets.choice(_ALPHABET + "ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(40))
