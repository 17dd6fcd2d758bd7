"""Policies see the method that serves the request: every spelling of a path that routes to a
method (trailing slash, repeated slashes, encoded slashes, dot segments, case) is either
evaluated against that method's ARN or not routed to it — for resource policies, IAM identity
policies and Lambda authorizer policies, and in the authorizer event's methodArn."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.credentials import Credentials
from tests.access.conftest import (
    POOL_ARN,
    add_method,
    authorizer_function,
    call,
    client,
    deploy,
    make_api,
)
from tests.access.issuer import Issuer
from tests.access.test_iam import send, signed
from tests.support.gateway import Gateway

# Spellings of GET /denied. The first group routes to /denied; the rest name no such resource.
SLASHES = ["/dev/denied/", "/dev//denied", "/dev/denied//", "/dev///denied///"]
OTHERS = [
    "/dev/./denied",
    "/dev/denied/.",
    "/dev/x/../denied",
    "/dev/denied/x/..",
    "/dev/%2e/denied",
    "/dev/x/%2E%2E/denied",
    "/dev/denied%2F",
    "/dev/%2Fdenied",
    "/dev/%2fdenied%2f",
    "/dev/DENIED",
    "/dev/Denied",
    "/dev/d%65nied",
]

DENY_ALL_BUT = """
def handler(event, context):
    arn = event["methodArn"]
    base = arn.split("/")[0]
    return {"principalId": "p",
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": base + "/*"},
                {"Action": "execute-api:Invoke", "Effect": "Deny",
                 "Resource": base + "/dev/GET/denied"},
                {"Action": "execute-api:Invoke", "Effect": "Deny",
                 "Resource": base + "/dev/GET/files/private/*"}]},
            "context": {"arn": arn}}
"""


def _marker(doc: Any) -> Any:
    return doc.get("m") if isinstance(doc, dict) else None


def _methods(apigw: Any, api_id: str, **auth: Any) -> None:
    """/denied, /open, /files/{proxy+}, /items/{id} and /items/secret, each answering its name."""
    headers = {"x-arn": "context.authorizer.arn"} if "authorizerId" in auth else None
    for path, name in (
        ("/denied", "denied"),
        ("/open", "open"),
        ("/files/{proxy+}", "files"),
        ("/items/{id}", "item"),
        ("/items/secret", "secret"),
    ):
        add_method(apigw, api_id, path, template=json.dumps({"m": name}), headers=headers, **auth)


def _assert_denied(status: int, headers: dict[str, str], doc: Any, arn_tail: str) -> None:
    assert status == 403, (status, doc)
    assert headers["x-amzn-errortype"] == "AccessDeniedException"
    text = doc["Message"]
    assert "with an explicit deny" in text
    if "on resource:" in text:
        assert text.endswith(f"{arn_tail} with an explicit deny"), text


def _assert_not_served(status: int, doc: Any, name: str) -> None:
    """Refused, or served by another method: never by the method ``name``."""
    assert _marker(doc) != name, doc
    assert status in (200, 403), (status, doc)


@pytest.fixture(scope="module")
def rp_api(gw: Gateway, apigw: Any) -> str:
    deny = {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke"}
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "execute-api:/*",
            },
            {**deny, "Resource": "execute-api:/*/GET/denied"},
            {**deny, "Resource": "execute-api:/*/GET/items/secret"},
            {**deny, "Resource": "execute-api:/*/GET/files/private/*"},
        ],
    }
    api_id = make_api(apigw, policy=policy, name="variants-rp")
    _methods(apigw, api_id)
    deploy(gw, apigw, api_id)
    return api_id


@pytest.mark.parametrize("path", SLASHES)
def test_resource_policy_slash_variants_denied(gw: Gateway, rp_api: str, path: str) -> None:
    assert call(gw, rp_api, "GET", "/dev/open/")[:3:2] == (200, {"m": "open"})
    _assert_denied(*call(gw, rp_api, "GET", path), f"{rp_api}/dev/GET/denied")


@pytest.mark.parametrize("path", OTHERS)
def test_resource_policy_other_variants_not_served(gw: Gateway, rp_api: str, path: str) -> None:
    status, headers, doc = call(gw, rp_api, "GET", path)
    assert status == 403 and headers["x-amzn-errortype"] in (
        "AccessDeniedException",
        "MissingAuthenticationTokenException",
    ), (status, doc)


@pytest.mark.parametrize(
    "path",
    [
        "/dev/items/secret/",
        "/dev/items//secret",
        "/dev//items/secret//",
        "/dev/items/secret%2F",
        "/dev/items/./secret",
        "/dev/items/x/../secret",
        "/dev/items/SECRET",
        "/dev/items/%73ecret",
    ],
)
def test_static_beside_parameter(gw: Gateway, rp_api: str, path: str) -> None:
    # A spelling that does not name /items/secret may reach /items/{id}, never /items/secret.
    status, _, doc = call(gw, rp_api, "GET", path)
    _assert_not_served(status, doc, "secret")
    if "SECRET" in path or "%73" in path:
        assert (status, doc) == (200, {"m": "item"})  # paths are case-sensitive, not decoded


@pytest.mark.parametrize(
    "path",
    [
        "/dev/files/private/x",
        "/dev/files/private/x/",
        "/dev/files/private//x",
        "/dev/files//private/x",
        "/dev//files/private/x",
        "/dev/files/private%2Fx",
        "/dev/files/private%2fx%2F",
        "/dev/files/a/../private/x",
        "/dev/files/./private/x",
        "/dev/files/%2E/private/x",
        "/dev/files/a%2F..%2Fprivate/x",
    ],
)
def test_greedy_path_policy(gw: Gateway, rp_api: str, path: str) -> None:
    assert call(gw, rp_api, "GET", "/dev/files/public/x")[:3:2] == (200, {"m": "files"})
    status, headers, doc = call(gw, rp_api, "GET", path)
    assert status == 403, (path, status, doc)
    assert headers["x-amzn-errortype"] in (
        "AccessDeniedException",
        "MissingAuthenticationTokenException",
    )


@pytest.fixture(scope="module")
def iam_setup(gw: Gateway, apigw: Any) -> dict[str, Any]:
    iam = client(gw, "iam")
    iam.create_user(UserName="vera")
    key = iam.create_access_key(UserName="vera")["AccessKey"]
    iam.put_user_policy(
        UserName="vera",
        PolicyName="all-but-denied",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"},
                    {
                        "Effect": "Deny",
                        "Action": "execute-api:Invoke",
                        "Resource": [
                            "arn:aws:execute-api:us-east-1:*:*/dev/GET/denied",
                            "arn:aws:execute-api:us-east-1:*:*/dev/GET/files/private/*",
                        ],
                    },
                ],
            }
        ),
    )
    api_id = make_api(apigw, name="variants-iam")
    _methods(apigw, api_id, authorizationType="AWS_IAM")
    deploy(gw, apigw, api_id)
    return {"api": api_id, "creds": Credentials(key["AccessKeyId"], key["SecretAccessKey"])}


@pytest.mark.parametrize(
    "path", SLASHES + OTHERS + ["/dev/files/private//x", "/dev/files/private%2Fx"]
)
def test_iam_identity_policy_variants(gw: Gateway, iam_setup: dict[str, Any], path: str) -> None:
    api, creds = iam_setup["api"], iam_setup["creds"]
    assert send(gw, signed(gw, api, creds, path="/dev/open/"))[0] == 200
    status, headers, doc = send(gw, signed(gw, api, creds, path=path))
    if path in SLASHES:
        assert status == 403 and headers["x-amzn-errortype"] == "AccessDeniedException"
        assert doc["Message"] == (
            "User: arn:aws:iam::000000000000:user/vera is not authorized to perform: "
            f"execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:000000000000:{api}"
            "/dev/GET/denied with an explicit deny"
        )
    else:
        assert status == 403, (path, status, doc)
        assert _marker(doc) is None


@pytest.fixture(scope="module")
def authorizer_api(gw: Gateway, apigw: Any) -> str:
    uri = authorizer_function(gw, "variants-authz", DENY_ALL_BUT)
    api_id = make_api(apigw, name="variants-authz")
    auth_id = apigw.create_authorizer(
        restApiId=api_id,
        name="tok",
        type="TOKEN",
        authorizerUri=uri,
        identitySource="method.request.header.Authorization",
    )["id"]
    _methods(apigw, api_id, authorizationType="CUSTOM", authorizerId=auth_id)
    deploy(gw, apigw, api_id)
    return api_id


@pytest.mark.parametrize(
    "path", SLASHES + OTHERS + ["/dev/files/private//x", "/dev/files/private%2Fx"]
)
def test_lambda_authorizer_policy_variants(gw: Gateway, authorizer_api: str, path: str) -> None:
    token = {"Authorization": "t-" + str(abs(hash(path)))}  # a fresh token: the function runs
    status, headers, doc = call(gw, authorizer_api, "GET", path, headers=token)
    assert status == 403, (path, status, doc)
    if path in SLASHES:
        assert headers["x-amzn-errortype"] == "AccessDeniedException"
        assert doc == {
            "Message": "User is not authorized to access this resource with an explicit deny"
        }
    # The cached policy, evaluated again for the same token, still denies.
    assert call(gw, authorizer_api, "GET", path, headers=token)[0] == 403


@pytest.mark.parametrize("path", ["/dev/open/", "/dev//open", "/dev/open//"])
def test_authorizer_event_method_arn_is_the_methods(
    gw: Gateway, authorizer_api: str, path: str
) -> None:
    token = {"Authorization": "arn-" + str(abs(hash(path)))}
    status, headers, doc = call(gw, authorizer_api, "GET", path, headers=token)
    assert (status, doc) == (200, {"m": "open"})
    assert headers["x-arn"] == (
        f"arn:aws:execute-api:us-east-1:000000000000:{authorizer_api}/dev/GET/open"
    )


@pytest.fixture(scope="module")
def guarded_api(gw: Gateway, apigw: Any, authorizer_api: str) -> str:
    """A resource policy denying GET /denied in front of Cognito and Lambda authorizers (the
    explicit deny is checked before any authorizer runs)."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "execute-api:/*",
            },
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": ["execute-api:/*/GET/denied", "execute-api:/*/GET/lambda/denied"],
            },
        ],
    }
    api_id = make_api(apigw, policy=policy, name="variants-guarded")
    pool = apigw.create_authorizer(
        restApiId=api_id,
        name="pool",
        type="COGNITO_USER_POOLS",
        providerARNs=[POOL_ARN],
        identitySource="method.request.header.Authorization",
    )["id"]
    fn = apigw.get_authorizers(restApiId=authorizer_api)["items"][0]["authorizerUri"]
    tok = apigw.create_authorizer(
        restApiId=api_id,
        name="tok",
        type="TOKEN",
        authorizerUri=fn,
        identitySource="method.request.header.x-token",
    )["id"]
    cognito = {"authorizationType": "COGNITO_USER_POOLS", "authorizerId": pool}
    add_method(apigw, api_id, "/denied", template='{"m": "denied"}', **cognito)
    add_method(apigw, api_id, "/open", template='{"m": "open"}', **cognito)
    custom = {"authorizationType": "CUSTOM", "authorizerId": tok}
    add_method(apigw, api_id, "/lambda/denied", template='{"m": "denied"}', **custom)
    deploy(gw, apigw, api_id)
    return api_id


@pytest.mark.parametrize(
    "path", ["/dev/denied", *SLASHES, "/dev/lambda/denied/", "/dev/lambda//denied"]
)
def test_resource_policy_before_authorizers(
    gw: Gateway, guarded_api: str, issuer: Issuer, path: str
) -> None:
    headers = {"Authorization": issuer.token(), "x-token": "anyone"}
    assert call(gw, guarded_api, "GET", "/dev/open/", headers=headers)[:3:2] == (200, {"m": "open"})
    tail = "/dev/GET/lambda/denied" if "lambda" in path else "/dev/GET/denied"
    _assert_denied(*call(gw, guarded_api, "GET", path, headers=headers), guarded_api + tail)
