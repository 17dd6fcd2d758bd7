"""AWS_IAM end to end: users, keys and policies made through the IAM subset with boto3, requests
signed by botocore's SigV4 signer (header and presigned forms, session tokens), AWS's 403s."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from tests.support.access import CONFIG_KEY, add_method, call, client, deploy, make_api
from tests.support.gateway import Gateway


def send(gw: Gateway, req: AWSRequest) -> tuple[int, dict[str, Any], Any]:
    parts = urlsplit(req.url)
    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=10)
    target = parts.path + ("?" + parts.query if parts.query else "")
    conn.request(req.method, target, body=req.body, headers=dict(req.headers.items()))
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    headers = {k.lower(): v for k, v in resp.getheaders()}
    doc = json.loads(body)
    if "x-user" in headers:
        doc = {"user": headers["x-user"], "key": headers["x-key"]}
    return resp.status, headers, doc


def signed(
    gw: Gateway,
    api_id: str,
    creds: Credentials,
    method: str = "GET",
    path: str = "/dev/pets",
    body: bytes | None = None,
    presign: bool = False,
) -> AWSRequest:
    url = f"http://{gw.host(api_id)}{path}"
    req = AWSRequest(method=method, url=url, data=body, headers={"Host": gw.host(api_id)})
    if presign:
        SigV4QueryAuth(creds, "execute-api", "us-east-1", expires=60).add_auth(req)
    else:
        SigV4Auth(creds, "execute-api", "us-east-1").add_auth(req)
    return req


@pytest.fixture(scope="module")
def setup(gw: Gateway, apigw: Any) -> dict[str, Any]:
    iam = client(gw, "iam")
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    iam.put_user_policy(
        UserName="alice",
        PolicyName="pets",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "execute-api:Invoke",
                        "Resource": "arn:aws:execute-api:us-east-1:*:*/dev/*/pets*",
                    },
                    {
                        "Effect": "Deny",
                        "Action": "execute-api:Invoke",
                        "Resource": "arn:aws:execute-api:us-east-1:*:*/dev/DELETE/*",
                    },
                ],
            }
        ),
    )
    iam.create_user(UserName="bob")
    bob = iam.create_access_key(UserName="bob")["AccessKey"]
    arn = iam.create_policy(
        PolicyName="all",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "execute-api:*", "Resource": "*"}],
            }
        ),
    )["Policy"]["Arn"]
    api_id = make_api(apigw, name="iam")
    add_method(
        apigw,
        api_id,
        "/pets",
        authorizationType="AWS_IAM",
        headers={"x-user": "context.identity.userArn", "x-key": "context.identity.accessKey"},
    )
    add_method(apigw, api_id, "/pets", "POST", authorizationType="AWS_IAM")
    add_method(apigw, api_id, "/pets", "DELETE", authorizationType="AWS_IAM")
    add_method(apigw, api_id, "/other", authorizationType="AWS_IAM")
    deploy(gw, apigw, api_id)
    return {
        "api": api_id,
        "iam": iam,
        "alice": Credentials(key["AccessKeyId"], key["SecretAccessKey"]),
        "bob": Credentials(bob["AccessKeyId"], bob["SecretAccessKey"]),
        "policy": arn,
    }


def test_signed_request_allowed_with_identity(gw: Gateway, setup: dict[str, Any]) -> None:
    status, _, doc = send(gw, signed(gw, setup["api"], setup["alice"]))
    assert status == 200
    assert doc == {"user": "arn:aws:iam::123456789012:user/alice", "key": setup["alice"].access_key}


def test_signed_body_and_presigned(gw: Gateway, setup: dict[str, Any]) -> None:
    req = signed(gw, setup["api"], setup["alice"], "POST", "/dev/pets?b=2&a=x%20y", b'{"a": 1}')
    assert send(gw, req)[0] == 200
    assert send(gw, signed(gw, setup["api"], setup["alice"], presign=True))[0] == 200


def test_not_authorized_and_explicit_deny(gw: Gateway, setup: dict[str, Any]) -> None:
    api = setup["api"]
    status, headers, doc = send(gw, signed(gw, api, setup["alice"], path="/dev/other"))
    assert status == 403 and headers["x-amzn-errortype"] == "AccessDeniedException"
    assert doc == {
        "Message": "User: arn:aws:iam::123456789012:user/alice is not authorized to "
        "perform: execute-api:Invoke on resource: "
        f"arn:aws:execute-api:us-east-1:123456789012:{api}/dev/GET/other"
    }
    status, _, doc = send(gw, signed(gw, api, setup["alice"], "DELETE"))
    assert status == 403 and doc["Message"].endswith("with an explicit deny")


def test_managed_policy_attach_and_detach(gw: Gateway, setup: dict[str, Any]) -> None:
    iam, api = setup["iam"], setup["api"]
    assert send(gw, signed(gw, api, setup["bob"], path="/dev/other"))[0] == 403
    iam.attach_user_policy(UserName="bob", PolicyArn=setup["policy"])
    assert _eventually(
        gw, lambda: send(gw, signed(gw, api, setup["bob"], path="/dev/other"))[0], 200
    )
    iam.detach_user_policy(UserName="bob", PolicyArn=setup["policy"])
    assert _eventually(
        gw, lambda: send(gw, signed(gw, api, setup["bob"], path="/dev/other"))[0], 403
    )


def _eventually(gw: Gateway, probe: Any, want: int) -> bool:
    import time

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if probe() == want:
            return True
        time.sleep(0.05)
    return False


def test_signature_errors(gw: Gateway, setup: dict[str, Any]) -> None:
    api = setup["api"]
    status, headers, doc = call(gw, api, "GET", "/dev/pets")
    assert (status, doc) == (403, {"message": "Missing Authentication Token"})
    wrong = Credentials(setup["alice"].access_key, "not-the-secret")
    status, headers, doc = send(gw, signed(gw, api, wrong))
    assert status == 403 and headers["x-amzn-errortype"] == "InvalidSignatureException"
    assert doc["message"].startswith("The request signature we calculated does not match")
    unknown = Credentials("AKIAUNKNOWN000000000", "x")
    assert send(gw, signed(gw, api, unknown))[2] == {
        "message": "The security token included in the request is invalid."
    }
    req = signed(gw, api, setup["alice"])
    req.headers.replace_header("X-Amz-Date", "20200101T000000Z")
    status, _, doc = send(gw, req)
    assert status == 403 and doc["message"].startswith(
        "Signature expired: 20200101T000000Z is now earlier than"
    )
    tampered = signed(gw, api, setup["alice"])
    tampered.url = tampered.url.replace("/pets", "/pets?x=1")
    assert send(gw, tampered)[0] == 403


@pytest.mark.parametrize(
    "value",
    [
        "Bearer abc.def.ghi",
        "AWS4-HMAC-SHA256 Credential=AKIA/20240101/us-east-1/execute-api/aws4_request",
        "AWS4-HMAC-SHA256 Credential=x, SignedHeaders=host, Signature=00",
        "AWS4-HMAC-SHA256 " + "A" * 7000,
    ],
    ids=["bearer", "incomplete", "bad-credential", "7KB"],
)
def test_malformed_authorization(gw: Gateway, setup: dict[str, Any], value: str) -> None:
    status, headers, doc = call(
        gw, setup["api"], "GET", "/dev/pets", headers={"Authorization": value}
    )
    assert status == 403
    assert headers["x-amzn-errortype"] in (
        "IncompleteSignatureException",
        "InvalidSignatureException",
    )
    assert len(doc["message"]) < 1200  # a huge header is never echoed back whole


def test_10kb_authorization_header(gw: Gateway, setup: dict[str, Any]) -> None:
    # Past the HTTP core's header limit: refused before the pipeline, never a 5xx.
    status, _, _ = call(
        gw,
        setup["api"],
        "GET",
        "/dev/pets",
        headers={"Authorization": "AWS4-HMAC-SHA256 " + "A" * 10240},
    )
    assert status in (403, 431)


def test_session_token_and_config_user(gw: Gateway, setup: dict[str, Any]) -> None:
    alice = setup["alice"]
    sts = client(gw, "sts", key=alice.access_key, secret=alice.secret_key)
    assert sts.get_caller_identity()["Arn"] == "arn:aws:iam::123456789012:user/alice"
    temp = sts.get_session_token(DurationSeconds=900)["Credentials"]
    creds = Credentials(temp["AccessKeyId"], temp["SecretAccessKey"], temp["SessionToken"])
    assert _eventually(gw, lambda: send(gw, signed(gw, setup["api"], creds))[0], 200)
    assert send(gw, signed(gw, setup["api"], creds, presign=True))[0] == 200
    no_token = Credentials(temp["AccessKeyId"], temp["SecretAccessKey"])
    assert send(gw, signed(gw, setup["api"], no_token))[0] == 403
    carol = Credentials(*CONFIG_KEY)
    status, _, doc = send(gw, signed(gw, setup["api"], carol))
    assert status == 200 and doc["user"] == "arn:aws:iam::123456789012:user/carol"


def test_iam_errors(gw: Gateway, setup: dict[str, Any]) -> None:
    iam = setup["iam"]
    with pytest.raises(ClientError) as err:
        iam.create_user(UserName="alice")
    assert err.value.response["Error"]["Code"] == "EntityAlreadyExists"
    with pytest.raises(ClientError) as err:
        iam.get_user(UserName="nobody")
    assert err.value.response["Error"]["Code"] == "NoSuchEntity"
    with pytest.raises(ClientError) as err:
        iam.put_user_policy(UserName="alice", PolicyName="bad", PolicyDocument='{"Statement": 1}')
    assert err.value.response["Error"]["Code"] == "MalformedPolicyDocument"
    assert [k["UserName"] for k in iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]] == [
        "alice"
    ]


def test_who_am_i(gw: Gateway, setup: dict[str, Any]) -> None:
    """``aws sts get-caller-identity`` gives the user's unique id (AIDA...) as UserId, and
    ``aws iam get-user`` without --user-name answers the signing user, as on AWS."""
    alice = setup["alice"]
    user = client(gw, "iam").get_user(UserName="alice")["User"]
    sts = client(gw, "sts", key=alice.access_key, secret=alice.secret_key)
    me = sts.get_caller_identity()
    assert (me["UserId"], me["Arn"]) == (user["UserId"], user["Arn"])
    assert user["UserId"].startswith("AIDA")
    iam = client(gw, "iam", key=alice.access_key, secret=alice.secret_key)
    assert iam.get_user()["User"] == user
    with pytest.raises(ClientError) as exc:
        client(gw, "iam", key="AKIAUNKNOWN00000000", secret="x").get_user()
    assert exc.value.response["Error"]["Code"] == "InvalidClientTokenId"
