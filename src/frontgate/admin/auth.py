"""SigV4 on the management API: the region comes from the credential scope, and when admin keys
are configured the signature is recomputed with botocore's signer and compared."""

from __future__ import annotations

import datetime as dt
import hmac
import re

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from frontgate.admin.errors import Forbidden
from frontgate.admin.settings import AdminSettings
from frontgate.http.message import Request

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request")
_SIGNED = re.compile(r"SignedHeaders=([^,\s]+)")
_SIGNATURE = re.compile(r"Signature=([0-9a-f]+)")

_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details."
)


def region_of(headers: dict[str, str], default: str) -> str:
    match = _CREDENTIAL.search(headers.get("authorization", ""))
    return match.group(3) if match else default


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
