"""SigV4 on the management API: the region comes from the credential scope, and when admin keys
are configured the signature is recomputed with botocore's signer and compared. Signed by an
admin key or not (without admin keys any signature passes, like local emulators), a credential
scope must name the service the request is for and a region this gateway serves
(:func:`check_scope`): a region outside that set is refused, never made into a new namespace."""

from __future__ import annotations

import datetime as dt
import hmac
import re
from collections.abc import Container

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from frontgate.admin.errors import Forbidden
from frontgate.admin.settings import AdminSettings
from frontgate.http.message import Request
from frontgate.iam.sigv4 import scope_error

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request")
_SIGNED = re.compile(r"SignedHeaders=([^,\s]+)")
_SIGNATURE = re.compile(r"Signature=([0-9a-f]+)")

_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details."
)


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
        text = scope_error(cred.group(3), cred.group(4), regions, service)
        if text:
            raise Forbidden("InvalidSignatureException", text)


def verify(request: Request, headers: dict[str, str], settings: AdminSettings) -> None:
    """Raise ``Forbidden`` as AWS does unless the request is signed by a configured admin key."""
    if not settings.admin_keys:
        return
    auth = headers.get("authorization")
    if not auth:
        raise Forbidden("MissingAuthenticationTokenException", "Missing Authentication Token")
    cred = _CREDENTIAL.search(auth)
    signed = _SIGNED.search(auth)
    signature = _SIGNATURE.search(auth)
    if not auth.startswith("AWS4-HMAC-SHA256 ") or not (cred and signed and signature):
        raise Forbidden(
            "IncompleteSignatureException",
            f"Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' "
            f"parameters. Authorization={auth}",
        )
    key_id, _, region, service = cred.groups()
    secret = settings.admin_keys.get(key_id)
    if secret is None:
        raise Forbidden(
            "UnrecognizedClientException", "The security token included in the request is invalid."
        )
    amz_date = headers.get("x-amz-date", "")
    try:
        when = dt.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        raise Forbidden(
            "IncompleteSignatureException", "Authorization header requires existence of X-Amz-Date"
        ) from None
    now = dt.datetime.now(dt.UTC)
    skew = dt.timedelta(seconds=settings.max_skew_seconds)
    if abs(now - when) > skew:
        fmt = "%Y%m%dT%H%M%SZ"
        raise Forbidden(
            "InvalidSignatureException",
            f"Signature expired: {amz_date} is now earlier than {(now - skew).strftime(fmt)} "
            f"({now.strftime(fmt)} - {settings.max_skew_seconds // 60} min.)",
        )
    names = signed.group(1).split(";")
    host = headers.get("host", "localhost")
    aws_req = AWSRequest(
        method=request.method,
        url=f"http://{host}{request.target}",
        headers={n: headers.get(n, "") for n in names},
        data=request.body,
    )
    aws_req.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(key_id, secret), service, region)
    canonical = signer.canonical_request(aws_req)
    expected = signer.signature(signer.string_to_sign(aws_req, canonical), aws_req)
    if not hmac.compare_digest(expected, signature.group(1)):
        raise Forbidden("InvalidSignatureException", _MISMATCH)
