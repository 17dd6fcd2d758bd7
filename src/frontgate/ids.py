"""Identifiers shaped like Amazon API Gateway's (AWS documents no grammar; these match observed
ids: 10 lowercase alphanumerics for REST APIs and API keys, 6 for child objects)."""

from __future__ import annotations

import os
import secrets
import time
from binascii import b2a_base64
from random import getrandbits
from typing import Final

_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def short_id(length: int = 6) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def rest_api_id() -> str:
    return short_id(10)


# Ids are made in batches from one buffer of random bytes, laid out with strided slice
# assignments: about 50 C-level copies of _BATCH bytes each make _BATCH ids, where formatting
# them one at a time costs a handful of slices and a join per id.
_BATCH: Final = 256
_B64_URL: Final = bytes.maketrans(b"+/", b"-_")
# A UUID's 36 characters, then a separator for split(): where each hex digit of the 32 goes.
_UUID_STRIDE: Final = 37
_UUID_DIGITS: Final = tuple(j for j in range(36) if j not in (8, 13, 18, 23))
# Hex digit -> the RFC 4122 variant digit carrying its two low bits (8, 9, a or b).
_VARIANT: Final = bytes.maketrans(b"0123456789abcdef", b"89ab89ab89ab89ab")
# An extended id: 15 base64 characters, "=", then a separator.
_EXT_STRIDE: Final = 17


class _IdBatch:
    """Ids made ahead, ``_BATCH`` at a time; a request takes the next pair."""

    __slots__ = ("exts", "rids", "trace_second", "trace_time", "traces")

    def __init__(self) -> None:
        self.rids: list[str] = []
        self.exts: list[str] = []
        self.traces: list[str] = []
        self.trace_second = -1
        self.trace_time = ""

    def refill(self) -> None:
        n = _BATCH
        hexed = getrandbits(128 * n).to_bytes(16 * n, "big").hex().encode("ascii")
        out = bytearray(b"-" * (_UUID_STRIDE * n))
        for k, j in enumerate(_UUID_DIGITS):
            out[j::_UUID_STRIDE] = hexed[k::32]
        out[14::_UUID_STRIDE] = b"4" * n  # version 4
        out[19::_UUID_STRIDE] = hexed[16::32].translate(_VARIANT)
        out[36::_UUID_STRIDE] = b" " * n
        self.rids = out.decode("ascii").split()
        # 12 random bytes -> 16 base64 characters per id, of which 15 are kept: the 16th would
        # carry bits an 11-byte id does not have, and AWS's ids end in "=".
        raw = getrandbits(96 * n).to_bytes(12 * n, "big")
        text = b2a_base64(raw, newline=False).translate(_B64_URL)
        ext = bytearray(b"=" * (_EXT_STRIDE * n))
        for j in range(15):
            ext[j::_EXT_STRIDE] = text[j::16]
        ext[16::_EXT_STRIDE] = b" " * n
        self.exts = ext.decode("ascii").split()


_ids: Final = _IdBatch()


def _after_fork() -> None:
    # A forked worker must not hand out the ids left in its parent's batch.
    _ids.rids = []
    _ids.exts = []
    _ids.traces = []


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


def trace_id() -> str:
    """An X-Ray trace header for a request that brought none: ``Root=1-{epoch seconds, 8 hex
    digits}-{96 random bits, 24 hex digits}`` (what API Gateway passes to Lambda)."""
    batch = _ids
    second = int(time.time())
    if second != batch.trace_second:
        batch.trace_second = second
        batch.trace_time = f"Root=1-{second:08x}-"
    traces = batch.traces
    if not traces:
        hexed = getrandbits(96 * _BATCH).to_bytes(12 * _BATCH, "big").hex()
        traces = batch.traces = [hexed[i : i + 24] for i in range(0, 24 * _BATCH, 24)]
    return batch.trace_time + traces.pop()


def api_key_value() -> str:
    return "".join(secrets.choice(_ALPHABET + "ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(40))
