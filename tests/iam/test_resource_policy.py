"""Resource policies: the policy language (conditions, wildcards, NotResource), refusal of
unknown operators at CreateRestApi/UpdateRestApi, and 403s on the data plane."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.support.access import add_method, call, deploy, make_api
from tests.support.gateway import Gateway

from frontgate.iam.conditions import PolicyError
from frontgate.iam.policy import ALLOW, ANONYMOUS, DENY, NONE, Caller, compile_policy

ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/pets/1"


def _facts(**kv: str) -> Any:
    return lambda key: kv.get(key)


def _eval(statement: dict[str, Any], caller: Caller = ANONYMOUS, arn: str = ARN, **kv: str) -> int:
    base: dict[str, Any] = {"Principal": "*", "Action": "execute-api:Invoke"}
    if "NotResource" not in statement:
        base["Resource"] = "*"
    policy = compile_policy({"Statement": [{**base, **statement}]})
    return policy.evaluate(caller, "execute-api:Invoke", arn, _facts(**kv))


def test_conditions() -> None:
    ip = {"Effect": "Allow", "Condition": {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}}}
    assert _eval(ip, **{"aws:sourceip": "10.1.2.3"}) == ALLOW
    assert _eval(ip, **{"aws:sourceip": "192.168.0.1"}) == NONE
    assert _eval(ip) == NONE  # absent key never matches a positive operator
    notip = {"Effect": "Deny", "Condition": {"NotIpAddress": {"aws:SourceIp": "127.0.0.1/32"}}}
    assert _eval(notip, **{"aws:sourceip": "127.0.0.1"}) == NONE
    assert _eval(notip, **{"aws:sourceip": "::1"}) == DENY
    like = {"Effect": "Allow", "Condition": {"StringLike": {"aws:UserAgent": "curl/*"}}}
    assert _eval(like, **{"aws:useragent": "curl/8.0"}) == ALLOW
    assert _eval(like, **{"aws:useragent": "wget"}) == NONE
    date = {
        "Effect": "Allow",
        "Condition": {"DateLessThan": {"aws:CurrentTime": "2999-01-01T00:00:00Z"}},
    }
    assert _eval(date, **{"aws:currenttime": "2024-05-01T00:00:00Z"}) == ALLOW
    assert (
        _eval(
            {"Effect": "Allow", "Condition": {"Bool": {"aws:SecureTransport": True}}},
            **{"aws:securetransport": "false"},
        )
        == NONE
    )
    exists = {"Effect": "Allow", "Condition": {"StringEqualsIfExists": {"aws:SourceVpce": "v"}}}
    assert _eval(exists) == ALLOW


def test_resources_and_principals() -> None:
    assert (
        _eval({"Effect": "Allow", "Resource": "arn:aws:execute-api:*:*:abc123/*/GET/pets/*"})
        == ALLOW
    )
    assert _eval({"Effect": "Allow", "Resource": "arn:aws:execute-api:*:*:abc123/*/POST/*"}) == NONE
    assert (
        _eval({"Effect": "Deny", "NotResource": "arn:aws:execute-api:*:*:abc123/*/GET/public"})
        == DENY
    )
    user = Caller("111122223333", "arn:aws:iam::111122223333:user/bob")
    by_account = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}}
    assert _eval(by_account, user) == ALLOW
    assert _eval(by_account) == NONE  # anonymous callers match only "*"
    assert (
        _eval(
            {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:user/al"]}}, user
        )
        == NONE
    )
    shorthand = compile_policy(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "execute-api:*",
                    "Resource": "execute-api:/dev/GET/*",
                }
            ]
        },
        resource_prefix="arn:aws:execute-api:us-east-1:123456789012:abc123/",
    )
    assert shorthand.evaluate(ANONYMOUS, "execute-api:Invoke", ARN, _facts()) == ALLOW


@pytest.mark.parametrize(
    "bad",
    [
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "x",
                    "Resource": "*",
                    "Condition": {"StringFuzzy": {"aws:SourceIp": "1"}},
                }
            ]
        },
        {"Statement": [{"Effect": "Maybe", "Principal": "*", "Action": "x", "Resource": "*"}]},
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "x",
                    "Resource": "*",
                    "Condition": {"IpAddress": {"aws:SourceIp": "not-an-ip"}},
                }
            ]
        },
        {"Statement": [{"Effect": "Allow", "Principal": "*", "Actions": "x"}]},
    ],
)
def test_invalid_policies_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(PolicyError):
        compile_policy(bad, need_principal=True)


def test_unknown_operator_is_400_at_create_and_update(apigw: Any) -> None:
    bad = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "*",
                "Condition": {"IpAddressish": {"aws:SourceIp": "10.0.0.0/8"}},
            }
        ],
    }
    with pytest.raises(ClientError) as err:
        apigw.create_rest_api(name="bad", policy=json.dumps(bad))
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "Invalid policy document" in err.value.response["Error"]["Message"]
    api_id = apigw.create_rest_api(name="ok")["id"]
    with pytest.raises(ClientError) as err:
        apigw.update_rest_api(
            restApiId=api_id,
            patchOperations=[{"op": "replace", "path": "/policy", "value": json.dumps(bad)}],
        )
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_data_plane_enforces_resource_policy(gw: Gateway, apigw: Any) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "execute-api:/*",
                "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}},
            },
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "execute-api:/*/GET/secret",
            },
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "execute-api:/*/GET/vpc",
                "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-123"}},
            },
        ],
    }
    api_id = make_api(apigw, policy=policy, name="rp")
    for path in ("/open", "/secret", "/vpc"):
        add_method(apigw, api_id, path)
    deploy(gw, apigw, api_id)
    assert call(gw, api_id, "GET", "/dev/open")[:3:2] == (200, {"ok": True})
    status, headers, doc = call(gw, api_id, "GET", "/dev/secret")
    assert status == 403 and headers["x-amzn-errortype"] == "AccessDeniedException"
    assert doc == {
        "Message": "User: anonymous is not authorized to perform: execute-api:Invoke "
        f"on resource: arn:aws:execute-api:us-east-1:123456789012:{api_id}/dev/GET/secret"
        " with an explicit deny"
    }
    assert call(gw, api_id, "GET", "/dev/vpc")[0] == 403
    assert call(gw, api_id, "GET", "/dev/vpc", headers={"x-test-vpce": "vpce-123"})[0] == 200


def test_implicit_deny_without_matching_allow(gw: Gateway, apigw: Any) -> None:
    policy = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "execute-api:/*/POST/*",
            }
        ]
    }
    api_id = make_api(apigw, policy=policy, name="rp2")
    add_method(apigw, api_id, "/x")
    deploy(gw, apigw, api_id)
    status, _, doc = call(gw, api_id, "GET", "/dev/x")
    assert status == 403 and doc["Message"].endswith("/dev/GET/x")
