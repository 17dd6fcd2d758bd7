"""Payload format 1.0 on HTTP APIs carries an authorizer's result in 1.0's shape: what the
authorizer stages record in 2.0's shape, converted."""

from __future__ import annotations

from frontgate.pipeline.lambda_payload import v1_authorizer


def test_no_authorizer() -> None:
    assert v1_authorizer(None) == {"claims": None, "scopes": None}


def test_jwt_claims_and_scopes() -> None:
    v2 = {"jwt": {"claims": {"sub": "u1", "iss": "i"}, "scopes": ["read"]}}
    assert v1_authorizer(v2) == {"claims": {"sub": "u1", "iss": "i"}, "scopes": ["read"]}


def test_lambda_context_and_principal() -> None:
    assert v1_authorizer({"lambda": {"user": "ann"}, "principalId": "p1"}) == {
        "user": "ann",
        "principalId": "p1",
    }
    assert v1_authorizer({"lambda": {"user": "ann"}}) == {"user": "ann", "principalId": None}


def test_iam_fields_as_they_are() -> None:
    iam = {"accessKey": "AKIA", "accountId": "1", "userArn": "arn:aws:iam::1:user/u"}
    assert v1_authorizer({"iam": iam}) == iam
