"""SigV4 signing of a gateway-made call, by hand: botocore's ``SigV4Auth`` over an
``AWSRequest`` costs ~0.5 ms per call (measured on the test machine), which an AWS integration
would pay on the event loop for every request. This computes the same canonical request as
botocore (tests/awscall/test_signing.py checks signatures against botocore's) with the signing
key derived once per (secret, day, region, service)."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Final
from urllib.parse import quote, urlsplit

from frontgate.awscall.credentials import Keys

# Never signed (botocore's list: proxies and clients may change them).
UNSIGNED: Final = frozenset((
    "authorization", "baggage", "connection", "content-length", "expect", "keep-alive",
    "proxy-authenticate", "proxy-authorization", "te", "traceparent", "tracestate", "trailer",
    "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
))  # fmt: skip
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_keys: dict[tuple[str, str, str, str], bytes] = {}


def sign(
    keys: Keys,
    service: str,
    region: str,
    method: str,
    url: str,
    headers: list[tuple[str, str]],
    body: bytes,
    now: float | None = None,
) -> list[tuple[str, str]]:
    """``headers`` plus X-Amz-Date, X-Amz-Security-Token (session keys), X-Amz-Content-SHA256
    (S3) and Authorization. Raises ValueError for a line break in a header value."""
    amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    day = amz_date[:8]
    payload = hashlib.sha256(body).hexdigest()
    out = list(headers)
    out.append(("X-Amz-Date", amz_date))
    if keys.token:
        out.append(("X-Amz-Security-Token", keys.token))
    if service == "s3":
        out.append(("X-Amz-Content-SHA256", payload))
    parts = urlsplit(url)
    values: dict[str, list[str]] = {}
    for name, value in out:
        if "\r" in value or "\n" in value:
            raise ValueError(f"header {name} holds a line break")
        lname = name.lower()
        if lname not in UNSIGNED:
            values.setdefault(lname, []).append(" ".join(value.split()))
    if "host" not in values:
        values["host"] = [_host(parts.scheme, parts.hostname or "", parts.port)]
    names = sorted(values)
    signed_headers = ";".join(names)
    canonical = "\n".join((
        method.upper(),
        _path(parts.path, service),
        _query(parts.query),
        "".join(f"{n}:{','.join(values[n])}\n" for n in names),
        signed_headers,
        payload,
    ))  # fmt: skip
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join((
        "AWS4-HMAC-SHA256", amz_date, scope,
        hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
    ))  # fmt: skip
    key = _signing_key(keys.secret_key, day, region, service)
    signature = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    out.append((
        "Authorization",
        f"AWS4-HMAC-SHA256 Credential={keys.access_key}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}",
    ))  # fmt: skip
    return out


def _signing_key(secret: str, day: str, region: str, service: str) -> bytes:
    cache_key = (secret, day, region, service)
    found = _keys.get(cache_key)
    if found is None:
        if len(_keys) > 256:  # old days and forgotten keys
            _keys.clear()
        k = hmac.new(("AWS4" + secret).encode(), day.encode(), hashlib.sha256).digest()
        for part in (region, service, "aws4_request"):
            k = hmac.new(k, part.encode(), hashlib.sha256).digest()
        found = _keys[cache_key] = k
    return found


def _host(scheme: str, host: str, port: int | None) -> str:
    name = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        return f"{name}:{port}"
    return name


def _path(path: str, service: str) -> str:
    """The canonical URI: S3's as sent; every other service's with dot segments and empty
    segments removed, then encoded again (AWS's double encoding for non-S3 services)."""
    if service == "s3":
        return path or "/"
    if not path:
        return "/"
    segments: list[str] = []
    for seg in path.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if segments:
                segments.pop()
            continue
        segments.append(seg)
    normalized = "/" + "/".join(segments)
    if path.endswith("/") and normalized != "/":
        normalized += "/"
    return quote(normalized, safe="/~")


def _query(query: str) -> str:
    if not query:
        return ""
    pairs = [pair.partition("=")[::2] for pair in query.split("&")]
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))
