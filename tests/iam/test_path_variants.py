"""Policies see the method that serves the request: every spelling of a path that routes to a
method (trailing slash, repeated slashes, encoded slashes, dot segments, case) is either
evaluated against that method's ARN or not routed to it — for resource policies, IAM identity
policies and Lambda authorizer policies, and in the authorizer event's methodArn."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any, NamedTuple

import pytest
from botocore.credentials import Credentials
from tests.iam.test_iam import send, signed
from tests.support.access import (
    POOL_ARN,
    add_method,
    authorizer_function,
    call,
    client,
    create_authorizer,
    deploy,
    make_api,
)
from tests.support.gateway import Gateway
from tests.support.oidc_issuer import Issuer

# Each spelling of a path, next to what it is evaluated as: ``Routed(tail)`` routes to a method
# and every policy sees the method ARN ending in ``tail`` (snapshot.router.policy_path: empty
# segments dropped, ``%2F`` counted as a slash); ``NOWHERE`` routes to no method (a dot segment,
# literal or ``%2E``, names no resource; otherwise the path is not decoded and is case-sensitive,
# so ``denied%2F``, ``DENIED`` and ``d%65nied`` name resources that do not exist).


class Routed(NamedTuple):
    tail: str  # the method ARN after ``{api}``


class Served(NamedTuple):
    marker: str  # the method that answers 200 {"m": marker}


NOWHERE = None
Outcome = Routed | None

DENIED = Routed("/dev/GET/denied")
PRIVATE_X = Routed("/dev/GET/files/private/x")

# Spellings of GET /denied.
DENIED_SPELLINGS: list[tuple[str, Outcome]] = [
    ("/dev/denied/", DENIED),
    ("/dev//denied", DENIED),
    ("/dev/denied//", DENIED),
    ("/dev///denied///", DENIED),
    ("/dev/./denied", NOWHERE),
    ("/dev/denied/.", NOWHERE),
    ("/dev/x/../denied", NOWHERE),
    ("/dev/denied/x/..", NOWHERE),
    ("/dev/%2e/denied", NOWHERE),
    ("/dev/x/%2E%2E/denied", NOWHERE),
    ("/dev/denied%2F", NOWHERE),
    ("/dev/%2Fdenied", NOWHERE),
    ("/dev/%2fdenied%2f", NOWHERE),
    ("/dev/DENIED", NOWHERE),
    ("/dev/Denied", NOWHERE),
    ("/dev/d%65nied", NOWHERE),
]
# Spellings of GET /files/private/x, served by /files/{proxy+}.
GREEDY_SPELLINGS: list[tuple[str, Outcome]] = [
    ("/dev/files/private//x", PRIVATE_X),
    ("/dev/files/private%2Fx", PRIVATE_X),
]

MISSING_TOKEN = (
    403,
    "MissingAuthenticationTokenException",
    {"message": "Missing Authentication Token"},
)
ARN = "arn:aws:execute-api:us-east-1:123456789012:"


def _policy_denied(who: str, api: str, tail: str) -> tuple[int, str, Any]:
    message = (
        f"User: {who} is not authorized to perform: execute-api:Invoke on resource: "
        f"{ARN}{api}{tail} with an explicit deny"
    )
    return 403, "AccessDeniedException", {"Message": message}


def _seen(answer: tuple[int, dict[str, str], Any]) -> tuple[int, str | None, Any]:
    status, headers, doc = answer
    return status, headers.get("x-amzn-errortype"), doc


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


@pytest.mark.parametrize("path, outcome", DENIED_SPELLINGS)
def test_resource_policy_variants(gw: Gateway, rp_api: str, path: str, outcome: Outcome) -> None:
    assert call(gw, rp_api, "GET", "/dev/open/")[:3:2] == (200, {"m": "open"})
    expected = (
        MISSING_TOKEN if outcome is None else _policy_denied("anonymous", rp_api, outcome.tail)
    )
    assert _seen(call(gw, rp_api, "GET", path)) == expected


# A spelling that does not name /items/secret may reach /items/{id}, never /items/secret; the
# ARN is the path as sent (parameters filled in), so a value with %2F is a path a Deny names.
@pytest.mark.parametrize(
    "path, outcome",
    [
        ("/dev/items/secret/", Routed("/dev/GET/items/secret")),
        ("/dev/items//secret", Routed("/dev/GET/items/secret")),
        ("/dev//items/secret//", Routed("/dev/GET/items/secret")),
        ("/dev/items/secret%2F", Routed("/dev/GET/items/secret")),  # /items/{id}: id=secret%2F
        ("/dev/items/./secret", NOWHERE),
        ("/dev/items/x/../secret", NOWHERE),
        ("/dev/items/SECRET", Served("item")),  # paths are case-sensitive
        ("/dev/items/%73ecret", Served("item")),  # and not decoded
    ],
)
def test_static_beside_parameter(
    gw: Gateway, rp_api: str, path: str, outcome: Outcome | Served
) -> None:
    answer = _seen(call(gw, rp_api, "GET", path))
    if isinstance(outcome, Served):
        assert answer == (200, None, {"m": outcome.marker})
    elif outcome is None:
        assert answer == MISSING_TOKEN
    else:
        assert answer == _policy_denied("anonymous", rp_api, outcome.tail)


@pytest.mark.parametrize(
    "path, outcome",
    [
        ("/dev/files/private/x", PRIVATE_X),
        ("/dev/files/private/x/", PRIVATE_X),
        ("/dev/files/private//x", PRIVATE_X),
        ("/dev/files//private/x", PRIVATE_X),
        ("/dev//files/private/x", PRIVATE_X),
        ("/dev/files/private%2Fx", PRIVATE_X),
        ("/dev/files/private%2fx%2F", PRIVATE_X),
        ("/dev/files/a/../private/x", NOWHERE),
        ("/dev/files/./private/x", NOWHERE),
        ("/dev/files/%2E/private/x", NOWHERE),
        ("/dev/files/a%2F..%2Fprivate/x", NOWHERE),
    ],
)
def test_greedy_path_policy(gw: Gateway, rp_api: str, path: str, outcome: Outcome) -> None:
    assert call(gw, rp_api, "GET", "/dev/files/public/x")[:3:2] == (200, {"m": "files"})
    expected = (
        MISSING_TOKEN if outcome is None else _policy_denied("anonymous", rp_api, outcome.tail)
    )
    assert _seen(call(gw, rp_api, "GET", path)) == expected


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


@pytest.mark.parametrize("path, outcome", DENIED_SPELLINGS + GREEDY_SPELLINGS)
def test_iam_identity_policy_variants(
    gw: Gateway, iam_setup: dict[str, Any], path: str, outcome: Outcome
) -> None:
    api, creds = iam_setup["api"], iam_setup["creds"]
    assert send(gw, signed(gw, api, creds, path="/dev/open/"))[0] == 200
    vera = "arn:aws:iam::123456789012:user/vera"
    expected = MISSING_TOKEN if outcome is None else _policy_denied(vera, api, outcome.tail)
    assert _seen(send(gw, signed(gw, api, creds, path=path))) == expected


@pytest.fixture(scope="module")
def authorizer_api(gw: Gateway, apigw: Any) -> str:
    uri = authorizer_function(gw, "variants-authz", DENY_ALL_BUT)
    api_id = make_api(apigw, name="variants-authz")
    auth_id = create_authorizer(
        apigw, api_id, "tok", "TOKEN", "method.request.header.Authorization", authorizerUri=uri
    )
    _methods(apigw, api_id, authorizationType="CUSTOM", authorizerId=auth_id)
    deploy(gw, apigw, api_id)
    return api_id


def _not_sigv4(token: str) -> tuple[int, str, Any]:
    """What AWS answers a request that routes to no method and carries an ``Authorization``
    header that is not SigV4: the header parsed as a signature (aws-apigateway.md §1.2)."""
    digest = base64.b64encode(hashlib.sha256(f"AWS4-HMAC-SHA256 {token}".encode()).digest())
    message = (
        "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with "
        f"SHA-256 and encoded with Base64): '{digest.decode()}'."
    )
    return 403, "IncompleteSignatureException", {"message": message}


@pytest.mark.parametrize("path, outcome", DENIED_SPELLINGS + GREEDY_SPELLINGS)
def test_lambda_authorizer_policy_variants(
    gw: Gateway, authorizer_api: str, path: str, outcome: Outcome
) -> None:
    token = "t-" + str(abs(hash(path)))  # a fresh token: the function runs
    if outcome is None:
        expected = _not_sigv4(token)
    else:
        deny = "User is not authorized to access this resource with an explicit deny"
        expected = (403, "AccessDeniedException", {"Message": deny})
    headers = {"Authorization": token}
    assert _seen(call(gw, authorizer_api, "GET", path, headers=headers)) == expected
    # The cached policy, evaluated again for the same token, still denies.
    assert _seen(call(gw, authorizer_api, "GET", path, headers=headers)) == expected


@pytest.mark.parametrize("path", ["/dev/open/", "/dev//open", "/dev/open//"])
def test_authorizer_event_method_arn_is_the_methods(
    gw: Gateway, authorizer_api: str, path: str
) -> None:
    token = {"Authorization": "arn-" + str(abs(hash(path)))}
    status, headers, doc = call(gw, authorizer_api, "GET", path, headers=token)
    assert (status, doc) == (200, {"m": "open"})
    assert headers["x-arn"] == (
        f"arn:aws:execute-api:us-east-1:123456789012:{authorizer_api}/dev/GET/open"
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
    pool = create_authorizer(
        apigw,
        api_id,
        "pool",
        "COGNITO_USER_POOLS",
        "method.request.header.Authorization",
        providerARNs=[POOL_ARN],
    )
    fn = apigw.get_authorizers(restApiId=authorizer_api)["items"][0]["authorizerUri"]
    tok = create_authorizer(
        apigw, api_id, "tok", "TOKEN", "method.request.header.x-token", authorizerUri=fn
    )
    cognito = {"authorizationType": "COGNITO_USER_POOLS", "authorizerId": pool}
    add_method(apigw, api_id, "/denied", template='{"m": "denied"}', **cognito)
    add_method(apigw, api_id, "/open", template='{"m": "open"}', **cognito)
    custom = {"authorizationType": "CUSTOM", "authorizerId": tok}
    add_method(apigw, api_id, "/lambda/denied", template='{"m": "denied"}', **custom)
    deploy(gw, apigw, api_id)
    return api_id


@pytest.mark.parametrize(
    "path, tail",
    [
        ("/dev/denied", "/dev/GET/denied"),
        *((p, o.tail) for p, o in DENIED_SPELLINGS if o is not None),
        ("/dev/lambda/denied/", "/dev/GET/lambda/denied"),
        ("/dev/lambda//denied", "/dev/GET/lambda/denied"),
    ],
)
def test_resource_policy_before_authorizers(
    gw: Gateway, guarded_api: str, issuer: Issuer, path: str, tail: str
) -> None:
    headers = {"Authorization": issuer.token(), "x-token": "anyone"}
    assert call(gw, guarded_api, "GET", "/dev/open/", headers=headers)[:3:2] == (200, {"m": "open"})
    answer = _seen(call(gw, guarded_api, "GET", path, headers=headers))
    assert answer == _policy_denied("anonymous", guarded_api, tail)
