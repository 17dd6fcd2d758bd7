"""SigV4 verification as a unit (iam/sigv4.py), against botocore's own signer: what it signs is
accepted, any change to what was signed is refused with AWS's text, and the clock rules hold for
a fixed "now" (no wall clock). The end-to-end checks are in test_iam.py and test_sigv4_scope.py."""

from __future__ import annotations

import calendar
import time
from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from frontgate.iam import sigv4

KEY, SECRET = "AKIDUNITTEST00000001", "unit-test-secret"
URL = "https://abc123.execute-api.us-east-1.amazonaws.com/dev/pets/a%20b?limit=2&q=x+y"


def _headers(req: AWSRequest) -> Callable[[str], list[str]]:
    def values(name: str) -> list[str]:
        if name == "host":  # botocore signs the URL's host; the HTTP client sends the header
            return [urlsplit(req.url).netloc]
        return [v for k, v in req.headers.items() if k.lower() == name]

    return values


def _sign(method: str = "GET", body: bytes = b"", token: str | None = None) -> AWSRequest:
    req = AWSRequest(method=method, url=URL, data=body, headers={"content-type": "text/plain"})
    SigV4Auth(Credentials(KEY, SECRET, token), "execute-api", "us-east-1").add_auth(req)
    return req


def _parsed(req: AWSRequest) -> sigv4.Signed:
    return sigv4.parse_header(str(req.headers["Authorization"]), lambda n: req.headers.get(n))


def _verify(
    req: AWSRequest, *, secret: str = SECRET, method: str = "GET", body: bytes = b""
) -> None:
    path, _, query = URL.split(".com", 1)[1].partition("?")
    sigv4.verify(_parsed(req), secret, method, path, query, _headers(req), body)


def _now(req: AWSRequest) -> float:
    return float(calendar.timegm(time.strptime(str(req.headers["X-Amz-Date"]), "%Y%m%dT%H%M%SZ")))


def test_a_botocore_signature_verifies() -> None:
    req = _sign()
    signed = _parsed(req)
    assert (signed.key_id, signed.region, signed.service) == (KEY, "us-east-1", "execute-api")
    _verify(req)
    sigv4.check_time(signed, _now(req))
    sigv4.check_scope(signed, {"us-east-1"}, "execute-api")


def test_a_signed_body_and_session_token_verify() -> None:
    req = _sign("POST", b'{"a": 1}', token="session-token")
    assert _parsed(req).token == "session-token"
    _verify(req, method="POST", body=b'{"a": 1}')


@pytest.mark.parametrize(
    "change",
    [{"secret": "another-secret"}, {"method": "DELETE"}, {"body": b"tampered"}],
    ids=["secret", "method", "body"],
)
def test_any_change_to_what_was_signed_is_refused(change: dict[str, object]) -> None:
    req = _sign()
    with pytest.raises(sigv4.SigV4Error) as err:
        _verify(req, **change)  # type: ignore[arg-type]
    assert err.value.error_type == "InvalidSignatureException"
    assert err.value.message.startswith("The request signature we calculated does not match")


def test_the_clock_rules_use_the_given_time() -> None:
    req = _sign()
    signed, now = _parsed(req), _now(req)
    sigv4.check_time(signed, now + 299)
    with pytest.raises(sigv4.SigV4Error, match="Signature expired"):
        sigv4.check_time(signed, now + 301)
    with pytest.raises(sigv4.SigV4Error, match="Signature not yet current"):
        sigv4.check_time(signed, now - 301)


def test_a_presigned_url_verifies_until_it_expires() -> None:
    req = AWSRequest(method="GET", url=URL)
    SigV4QueryAuth(Credentials(KEY, SECRET), "execute-api", "us-east-1", expires=60).add_auth(req)
    path, _, query = req.url.split(".com", 1)[1].partition("?")
    signed = sigv4.parse_query(dict(parse_qsl(query)))
    assert signed.presigned and signed.expires == 60
    sigv4.verify(signed, SECRET, "GET", path, query, _headers(req), b"")
    when = float(calendar.timegm(time.strptime(signed.amz_date, "%Y%m%dT%H%M%SZ")))
    sigv4.check_time(signed, when + 60)
    with pytest.raises(sigv4.SigV4Error):
        sigv4.check_time(signed, when + 61)


def test_a_scope_for_another_service_or_region_is_refused() -> None:
    signed = _parsed(_sign())
    with pytest.raises(sigv4.SigV4Error) as err:
        sigv4.check_scope(signed, {"eu-west-1"}, "execute-api")
    assert err.value.error_type == "InvalidSignatureException"
    with pytest.raises(sigv4.SigV4Error):
        sigv4.check_scope(signed, {"us-east-1"}, "apigateway")


def test_a_header_that_is_not_sigv4_is_refused_as_aws_does() -> None:
    with pytest.raises(sigv4.SigV4Error) as err:
        sigv4.parse_header("Bearer abc", lambda n: None)
    assert err.value.error_type == "IncompleteSignatureException"
