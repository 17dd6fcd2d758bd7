"""Identifiers shaped like Amazon API Gateway's (AWS documents no grammar; these match observed
ids: 10 lowercase alphanumerics for REST APIs and API keys, 6 for child objects)."""

from __future__ import annotations

import base64
import secrets
import uuid

_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def short_id(length: int = 6) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def rest_api_id() -> str:
    return short_id(10)


def request_id() -> str:
    """``x-amzn-RequestId`` / ``$context.requestId``: a UUID v4."""
    return str(uuid.uuid4())


def extended_request_id() -> str:
    """``x-amz-apigw-id``: 16 characters of URL-safe base64 ending in ``=``."""
    return base64.urlsafe_b64encode(secrets.token_bytes(11)).decode()[:15] + "="


def api_key_value() -> str:
    return "".join(secrets.choice(_ALPHABET + "ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(40))
