"""Signature Version 4 verification (Authorization header and presigned query forms, with or
without session tokens), computed as botocore's signer computes it, with AWS's error texts."""

from __future__ import annotations

import base64
import calendar
import hashlib
import hmac
import time
from collections.abc import Callable, Container
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from urllib.parse import quote, unquote

from botocore.utils import normalize_url_path as _normalize

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = 300  # seconds; AWS's limit for header signatures
MAX_ERROR_ECHO = 512  # AWS echoes the Authorization header in some errors; cap what we echo
_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details."
)
_FMT = "%Y%m%dT%H%M%SZ"


def normalize_url_path(path: str) -> str:
    """Dot segments removed, as botocore does before signing."""
    return str(_normalize(path))


class SigV4Error(Exception):
    """A rejected signature: gateway response type, x-amzn-ErrorType and message."""

    def __init__(self, response_type: str, error_type: str, message: str) -> None:
        super().__init__(message)
        self.response_type = response_type
        self.error_type = error_type
        self.message = message


def _incomplete(message: str) -> SigV4Error:
    return SigV4Error("MISSING_AUTHENTICATION_TOKEN", "IncompleteSignatureException", message)


def invalid_token() -> SigV4Error:
    return SigV4Error(
        "INVALID_SIGNATURE",
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    )


@dataclass(frozen=True, slots=True)
class Signed:
    """The parts of a SigV4 signature, whichever form carried them."""

    key_id: str
    date: str  # yyyymmdd of the scope
    region: str
    service: str
    signed_headers: str
    signature: str
    amz_date: str
    token: str | None
    presigned: bool
    expires: int = 0


def _fields(auth: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in auth[len(ALGORITHM) :].split(","):
        name, eq, value = part.strip().partition("=")
        if not eq:
            digest = base64.b64encode(hashlib.sha256(auth.encode()).digest()).decode()
            raise _incomplete(
                "Invalid key=value pair (missing equal-sign) in Authorization header (hashed "
                f"with SHA-256 and encoded with Base64): '{digest}'."
            )
        out[name] = value
    return out


def parse_header(auth: str, headers: Callable[[str], str | None]) -> Signed:
    """Parse an ``Authorization: AWS4-HMAC-SHA256 …`` header; raises SigV4Error."""
    if not auth.startswith(ALGORITHM + " "):
        _fields(ALGORITHM + " " + auth)  # a non-SigV4 value fails as AWS reports it
        raise _incomplete(f"Unsupported authorization type: {auth[:MAX_ERROR_ECHO]}")
    fields = _fields(auth)
    missing = [n for n in ("Credential", "Signature", "SignedHeaders") if n not in fields]
    if missing:
        text = " ".join(f"Authorization header requires '{n}' parameter." for n in missing)
        raise _incomplete(f"{text} Authorization={auth[:MAX_ERROR_ECHO]}")
    amz_date = headers("x-amz-date")
    if amz_date is None:
        date_header = headers("date")
        if date_header is None:
            raise _incomplete(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
                f"header. Authorization={auth[:MAX_ERROR_ECHO]}"
            )
        try:
            amz_date = parsedate_to_datetime(date_header).strftime(_FMT)
        except (TypeError, ValueError):
            raise _incomplete("Date must be in ISO-8601 'basic format'.") from None
    return _signed(
        fields["Credential"],
        fields["SignedHeaders"],
        fields["Signature"],
        amz_date,
        headers("x-amz-security-token"),
        False,
    )


def parse_query(params: dict[str, str]) -> Signed:
    """Parse the presigned-URL parameters; raises SigV4Error."""
    need = ("X-Amz-Credential", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Date")
    missing = [n for n in need if n not in params]
    if params.get("X-Amz-Algorithm") != ALGORITHM or missing:
        names = ", ".join(missing) or "X-Amz-Algorithm"
        raise _incomplete(f"AWS query-string parameters missing or invalid: {names}")
    try:
        expires = int(params.get("X-Amz-Expires", "900"))
    except ValueError:
        raise _incomplete("X-Amz-Expires must be a number of seconds") from None
    signed = _signed(
        params["X-Amz-Credential"],
        params["X-Amz-SignedHeaders"],
        params["X-Amz-Signature"],
        params["X-Amz-Date"],
        params.get("X-Amz-Security-Token"),
        True,
    )
    return replace(signed, expires=expires)


def _signed(
    credential: str,
    signed_headers: str,
    signature: str,
    amz_date: str,
    token: str | None,
    presigned: bool,
) -> Signed:
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise _incomplete(
            f"Credential should be scoped to a valid region. Credential={credential[:200]}"
        )
    return Signed(
        parts[0],
        parts[1],
        parts[2],
        parts[3],
        signed_headers,
        signature,
        amz_date,
        token,
        presigned,
    )


def scope_error(region: str, service: str, regions: Container[str], want: str) -> str:
    """AWS's complaint about a credential scope naming a region not served here or another
    service than ``want`` (both texts when both are wrong); "" when the scope is right."""
    text = ""
    if region not in regions:
        text = "Credential should be scoped to a valid region. "
    if service != want:
        text += f"Credential should be scoped to correct service: '{want}'. "
    return text


def check_scope(signed: Signed, regions: Container[str], want: str) -> None:
    """Refuse a signature scoped to another region or service, as AWS does (403)."""
    text = scope_error(signed.region, signed.service, regions, want)
    if text:
        raise SigV4Error("INVALID_SIGNATURE", "InvalidSignatureException", text)


def fmt(t: float) -> str:
    return time.strftime(_FMT, time.gmtime(t))


_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _epoch(amz_date: str) -> int:
    """``X-Amz-Date`` (``20260102T030405Z``) as epoch seconds; ValueError when it is not one.
    The usual form is read by slicing (strptime costs more than the rest of a check); anything
    else, a leap second included, goes through strptime, which decides what is valid."""
    d = amz_date
    if len(d) == 16 and d[8] == "T" and d[15] == "Z" and d.isascii():
        digits = d[:8] + d[9:15]
        if digits.isdigit():
            year, month, day = int(d[:4]), int(d[4:6]), int(d[6:8])
            hour, minute, second = int(d[9:11]), int(d[11:13]), int(d[13:15])
            if (
                1 <= month <= 12
                and 1 <= day <= _MONTH_DAYS[month] + (month == 2 and calendar.isleap(year))
                and hour < 24
                and minute < 60
                and second < 60
            ):
                return calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    return calendar.timegm(time.strptime(d, _FMT))


def check_time(signed: Signed, now: float) -> None:
    """AWS's clock rules: header signatures within 5 minutes, presigned URLs until expiry."""
    try:
        when = _epoch(signed.amz_date)
    except ValueError:
        raise SigV4Error(
            "INVALID_SIGNATURE",
            "InvalidSignatureException",
            "Date must be in ISO-8601 'basic format'. Got '" + signed.amz_date[:40] + "'.",
        ) from None
    if signed.presigned:
        if now > when + signed.expires:
            raise SigV4Error(
                "INVALID_SIGNATURE",
                "InvalidSignatureException",
                f"Signature expired: {signed.amz_date} is now earlier than "
                f"{fmt(now - signed.expires)} ({fmt(now)} - {signed.expires} sec.)",
            )
        return
    if when < now - MAX_SKEW:
        raise SigV4Error(
            "INVALID_SIGNATURE",
            "InvalidSignatureException",
            f"Signature expired: {signed.amz_date} is now earlier than "
            f"{fmt(now - MAX_SKEW)} ({fmt(now)} - 5 min.)",
        )
    if when > now + MAX_SKEW:
        raise SigV4Error(
            "INVALID_SIGNATURE",
            "InvalidSignatureException",
            f"Signature not yet current: {signed.amz_date} is still later than "
            f"{fmt(now + MAX_SKEW)} ({fmt(now)} + 5 min.)",
        )


def _canonical_query(raw: str, drop_signature: bool, normalize: bool) -> str:
    pairs = []
    for item in raw.split("&") if raw else ():
        key, _, value = item.partition("=")
        if drop_signature and key == "X-Amz-Signature":
            continue
        if normalize:
            key = quote(unquote(key.replace("+", " ")), safe="-_.~")
            value = quote(unquote(value.replace("+", " ")), safe="-_.~")
        pairs.append((key, value))
    pairs.sort()
    return "&".join(f"{k}={v}" for k, v in pairs)


def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = hmac.new(("AWS4" + secret).encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def verify(
    signed: Signed,
    secret: str,
    method: str,
    raw_path: str,
    raw_query: str,
    header_values: Callable[[str], list[str]],
    body: bytes,
    key_cache: dict[tuple[str, str, str, str], bytes] | None = None,
) -> None:
    """Recompute the signature and compare in constant time; raises SigV4Error on mismatch."""
    names = signed.signed_headers.split(";")
    lines = [f"{n}:{','.join(' '.join(v.split()) for v in header_values(n))}" for n in names]
    content_sha = header_values("x-amz-content-sha256")
    # Presigned URLs for execute-api sign the body hash too (only S3 uses UNSIGNED-PAYLOAD).
    payload = content_sha[0] if content_sha else hashlib.sha256(body).hexdigest()
    cache_key = (secret, signed.date, signed.region, signed.service)
    key = key_cache.get(cache_key) if key_cache is not None else None
    if key is None:
        key = _signing_key(*cache_key)
        if key_cache is not None:
            if len(key_cache) > 4096:
                key_cache.clear()
            key_cache[cache_key] = key
    path = quote(normalize_url_path(raw_path), safe="/~")
    scope = f"{signed.date}/{signed.region}/{signed.service}/aws4_request"
    for normalize in (True, False):
        canonical = "\n".join(
            (
                method,
                path,
                _canonical_query(raw_query, signed.presigned, normalize),
                "\n".join(lines) + "\n",
                signed.signed_headers,
                payload,
            )
        )
        to_sign = "\n".join(
            (ALGORITHM, signed.amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest())
        )
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if hmac.compare_digest(expected, signed.signature):
            return
        if "%" not in raw_query and "+" not in raw_query:
            break  # both forms are identical: no need to try the raw one
    raise SigV4Error("INVALID_SIGNATURE", "InvalidSignatureException", _MISMATCH)
