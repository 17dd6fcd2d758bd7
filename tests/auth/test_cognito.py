"""COGNITO_USER_POOLS authorizers against a local OIDC issuer: valid tokens (RSA and EC), claims
in the integration, scopes, and every kind of bad token AWS refuses with 401."""

from __future__ import annotations

import time
from typing import Any

import pytest
from tests.support.access import (
    POOL_ARN,
    add_method,
    call,
    create_authorizer,
    deploy,
    make_api,
)
from tests.support.gateway import Gateway
from tests.support.oidc_issuer import Issuer


@pytest.fixture(scope="module")
def api(gw: Gateway, apigw: Any) -> str:
    c = apigw
    api_id = make_api(c, name="cognito")
    auth = create_authorizer(
        c,
        api_id,
        "pool",
        "COGNITO_USER_POOLS",
        "method.request.header.Authorization",
        providerARNs=[POOL_ARN],
    )
    add_method(
        c,
        api_id,
        "/me",
        authorizationType="COGNITO_USER_POOLS",
        authorizerId=auth,
        headers={
            "x-sub": "context.authorizer.claims.sub",
            "x-email": "context.authorizer.claims.email",
        },
    )
    add_method(
        c,
        api_id,
        "/admin",
        authorizationType="COGNITO_USER_POOLS",
        authorizerId=auth,
        authorizationScopes=["pets/admin"],
    )
    deploy(gw, c, api_id)
    return api_id


def get(gw: Gateway, api: str, token: str | None, path: str = "/dev/me") -> tuple[int, Any, Any]:
    headers = {"Authorization": token} if token is not None else {}
    return call(gw, api, "GET", path, headers=headers)


def test_valid_tokens(gw: Gateway, api: str, issuer: Issuer) -> None:
    status, headers, _ = get(gw, api, issuer.token())
    assert status == 200
    assert (headers["x-sub"], headers["x-email"]) == ("user-1", "a@example.com")
    assert get(gw, api, "Bearer " + issuer.token(issuer.claims(sub="u2")))[0] == 200
    assert get(gw, api, issuer.token(alg="ES256", kid="ec1"))[0] == 200


def test_missing_and_malformed(gw: Gateway, api: str) -> None:
    status, headers, doc = get(gw, api, None)
    assert (status, doc) == (401, {"message": "Unauthorized"})
    assert headers["x-amzn-errortype"] == "UnauthorizedException"
    for bad in ("", "abc", "a.b.c", "x" * 9000, "eyJhbGciOiJSUzI1NiJ9.e30."):
        assert get(gw, api, bad)[0] == 401


def test_time_claims(gw: Gateway, api: str, issuer: Issuer) -> None:
    now = int(time.time())
    status, _, doc = get(gw, api, issuer.token(issuer.claims(exp=now - 10)))
    assert (status, doc) == (401, {"message": "The incoming token has expired"})
    assert get(gw, api, issuer.token(issuer.claims(iat=now + 3600)))[0] == 401  # future-dated
    assert get(gw, api, issuer.token(issuer.claims(nbf=now + 3600)))[0] == 401
    assert get(gw, api, issuer.token(issuer.claims(exp=None)))[0] == 401


def test_wrong_issuer_signature_and_algorithms(gw: Gateway, api: str, issuer: Issuer) -> None:
    assert get(gw, api, issuer.token(issuer.claims(iss="https://evil.example")))[0] == 401
    assert get(gw, api, issuer.token(issuer.claims(token_use="refresh")))[0] == 401
    # Signed by a key the issuer does not publish, under its published kid.
    assert get(gw, api, issuer.token(key=issuer.other))[0] == 401
    assert get(gw, api, issuer.token(alg="none"))[0] == 401
    # HS/RS confusion: HMAC keyed with the RSA public key's bytes.
    n = issuer.jwks()["keys"][0]["n"].encode()
    assert get(gw, api, issuer.token(alg="HS256", secret=n))[0] == 401
    # An RSA kid used with an EC algorithm.
    assert get(gw, api, issuer.token(alg="ES256", kid="rsa1"))[0] == 401
    # A tampered payload keeps the original signature.
    head, _, sig = issuer.token().split(".")
    forged = issuer.token(issuer.claims(sub="admin")).split(".")[1]
    assert get(gw, api, f"{head}.{forged}.{sig}")[0] == 401


def test_unknown_kid_refreshes_jwks(gw: Gateway, api: str, issuer: Issuer) -> None:
    issuer.kids.append("rsa2")  # key rotation at the issuer
    time.sleep(1.1)  # the gateway refetches at most once a second
    try:
        assert get(gw, api, issuer.token(kid="rsa2", key=issuer.other))[0] == 200
        hits = issuer.jwks_hits
        # Unknown kids do not refetch more than once per refresh interval.
        for _ in range(5):
            assert get(gw, api, issuer.token(kid="nope"))[0] == 401
        assert issuer.jwks_hits - hits <= 1
    finally:
        issuer.kids.remove("rsa2")


def test_scopes_need_access_token(gw: Gateway, api: str, issuer: Issuer) -> None:
    id_token = issuer.token()
    assert get(gw, api, id_token, "/dev/admin")[0] == 401
    access = issuer.claims(
        token_use="access", aud=None, client_id="client-1", scope="openid pets/admin"
    )
    assert get(gw, api, issuer.token(access), "/dev/admin")[0] == 200
    wrong = issuer.claims(token_use="access", aud=None, client_id="c", scope="pets/read")
    assert get(gw, api, issuer.token(wrong), "/dev/admin")[0] == 401
