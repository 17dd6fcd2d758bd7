"""Identifiers shaped like Amazon API Gateway's (AWS documents no grammar; these match observed
ids: 10 lowercase alphanumerics for REST APIs and API keys, 6 for child objects)."""

from __future__ import annotations

import secrets
from binascii import b2a_base64
from random import getrandbits

_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def short_id(length: int = 6) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def rest_api_id() -> str:
    return short_id(10)


# Version 4 and RFC 4122 variant bits of a UUID, as masks over its 128-bit integer.
_UUID_MASK = ~((0xF << 76) | (0x3 << 62)) & ((1 << 128) - 1)
_UUID_BITS = (0x4 << 76) | (0x2 << 62)
_B64_URL = bytes.maketrans(b"+/", b"-_")


def request_ids() -> tuple[str, str]:
    """A UUID v4 request id (``x-amzn-RequestId``) and a 16-char ``x-amz-apigw-id`` (URL-safe
    base64 ending in ``=``). They identify, they do not protect anything, so they come from the
    fast non-cryptographic generator: ``urandom`` is a system call per request (uuid.uuid4 costs
    more than a MOCK request's whole routing). ``random`` reseeds itself in forked workers."""
    h = "%032x" % (getrandbits(128) & _UUID_MASK | _UUID_BITS)
    rid = h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
    # URL-safe base64 of 11 bytes: 15 characters and one "=" of padding.
    ext = b2a_base64(getrandbits(88).to_bytes(11, "big"), newline=False).translate(_B64_URL)
    return rid, ext.decode()


def request_id() -> str:
    """A UUID v4, as ``x-amzn-RequestId`` (data plane and admin API alike)."""
    return request_ids()[0]


def api_key_value() -> str:
    return "".join(secrets.choice(_ALPHABET + "ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(40))
