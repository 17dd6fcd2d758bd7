"""SigV4 on the management API: the region comes from the credential scope, and when admin keys
are configured the signature is verified by the same verifier as the data plane's AWS_IAM
(:mod:`frontgate.iam.sigv4`). Signed by an admin key or not (without admin keys any signature
passes, like local emulators), a credential scope must name the service the request is for and a
region this gateway serves (:func:`check_scope`): a region outside that set is refused, never
made into a new namespace."""

from __future__ import annotations

import re
import time
from collections.abc import Container

from frontgate.admin.errors import Forbidden
from frontgate.admin.settings import AdminSettings
from frontgate.http.message import Request
from frontgate.iam import sigv4

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request")


def _credential(headers: dict[str, str]) -> re.Match[str] | None:
    auth = headers.get("authorization", "")
    return _CREDENTIAL.search(auth) if auth.startswith("AWS4-HMAC-SHA256 ") else None


def region_of(headers: dict[str, str], default: str) -> str:
    """The SigV4 credential scope's region (checked by :func:`check_scope`), else ``default``."""
    match = _credential(headers)
    return match.group(3) if match else default


def check_scope(headers: dict[str, str], service: str, regions: Container[str]) -> None:
    """Raise ``Forbidden`` (403 InvalidSignatureException, AWS's text) when the SigV4 credential
    scope names another service than ``service`` or a region not in ``regions``. A request
    without a SigV4 credential passes (it gets the default region)."""
    cred = _credential(headers)
    if cred is not None:
        text = sigv4.scope_error(cred.group(3), cred.group(4), regions, service)
        if text:
            raise Forbidden("InvalidSignatureException", text)


def verify(request: Request, headers: dict[str, str], settings: AdminSettings) -> None:
    """Raise ``Forbidden`` as AWS does unless the request is signed by a configured admin key."""
    if not settings.admin_keys:
        return
    auth = headers.get("authorization")
    if not auth:
        raise Forbidden("MissingAuthenticationTokenException", "Missing Authentication Token")
    path, _, query = request.target.partition("?")
    try:
        signed = sigv4.parse_header(auth, headers.get)
        secret = settings.admin_keys.get(signed.key_id)
        if secret is None:
            raise sigv4.invalid_token()
        sigv4.check_time(signed, time.time())
        sigv4.verify(
            signed,
            secret,
            request.method,
            path,
            query,
            lambda n: [v for k, v in request.headers if k.lower() == n],
            request.body,
        )
    except sigv4.SigV4Error as exc:
        raise Forbidden(exc.error_type, exc.message) from None
