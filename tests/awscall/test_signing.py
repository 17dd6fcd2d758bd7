"""The hand-written SigV4 signer computes exactly botocore's signatures (same canonical
request, same key derivation), for the shapes AWS integrations send."""

from __future__ import annotations

import pytest
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from frontgate.awscall.credentials import Keys
from frontgate.awscall.signing import sign

CASES = [
    ("dynamodb", "POST", "https://dynamodb.eu-west-1.amazonaws.com/",
     [("Content-Type", "application/x-amz-json-1.0"),
      ("X-Amz-Target", "DynamoDB_20120810.PutItem"), ("Accept", "application/json"),
      ("User-Agent", "AmazonAPIGateway_abc123")], b'{"TableName": "t"}'),
    ("sqs", "POST", "http://127.0.0.1:4566/123456789012/my%20queue?Version=2012-11-05&Action=SendMessage&b=x%2By&a",
     [("Content-Type", "application/x-www-form-urlencoded"), ("X-Custom", "  two   spaces ")],
     b"Action=SendMessage&MessageBody=hi"),
    ("states", "GET", "https://states.us-east-1.amazonaws.com/a/./b/../c//d/",
     [("Accept", "application/json"), ("X-Multi", "1"), ("x-multi", "2")], b""),
    ("s3", "PUT", "http://127.0.0.1:9000/bucket/dir/key%20with%20space.png",
     [("Content-Type", "image/png")], bytes(range(256))),
    ("execute-api", "GET", "https://[::1]:8443/p?x=1&x=0", [], b""),
]  # fmt: skip


@pytest.mark.parametrize(("service", "method", "url", "headers", "body"), CASES)
@pytest.mark.parametrize("token", [None, "session-token"])
def test_same_signature_as_botocore(
    service: str,
    method: str,
    url: str,
    headers: list[tuple[str, str]],
    body: bytes,
    token: str | None,
) -> None:
    keys = Keys("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token)
    ours = sign(keys, service, "eu-west-1", method, url, headers, body, now=1_700_000_000)
    amz_date = dict(ours)["X-Amz-Date"]
    assert amz_date == "20231114T221320Z"
    # botocore over the same request (its own headers, the same timestamp).
    req = AWSRequest(method=method, url=url, data=body)
    for name, value in ours:
        if name != "Authorization":
            req.headers[name] = value  # email.message semantics: a repeated name is added
    req.context["timestamp"] = amz_date
    signer_type = S3SigV4Auth if service == "s3" else SigV4Auth
    signer = signer_type(Credentials(keys.access_key, keys.secret_key, token), service, "eu-west-1")
    canonical = signer.canonical_request(req)
    expected = signer.signature(signer.string_to_sign(req, canonical), req)
    auth = dict(ours)["Authorization"]
    assert auth.endswith(f"Signature={expected}"), canonical
    assert f"Credential=AKIDEXAMPLE/20231114/eu-west-1/{service}/aws4_request" in auth
    if token:
        assert ("X-Amz-Security-Token", token) in ours
    assert ("X-Amz-Content-SHA256" in dict(ours)) == (service == "s3")


def test_line_breaks_refused() -> None:
    with pytest.raises(ValueError, match="header X-Bad holds a line break"):
        sign(Keys("A", "B"), "sqs", "us-east-1", "GET", "http://h/", [("X-Bad", "a\r\nb")], b"")
