"""Whose keys sign an AWS call, and that secrets never show in a repr or an error."""

from __future__ import annotations

import asyncio
import json

import pytest

from frontgate.awscall.credentials import (
    CALLER,
    Credentials,
    CredentialsError,
    Keys,
    parse_configured,
)
from frontgate.config import load_settings

ROLE = "arn:aws:iam::123456789012:role/api-to-sqs"
CONFIGURED = {
    ROLE: {"access_key_id": "AKIDROLE", "secret_access_key": "role-secret"},
    "*": {"access_key_id": "AKIDANY", "secret_access_key": "any-secret", "session_token": "tok"},
}


def test_role_then_star() -> None:
    creds = Credentials(parse_configured(CONFIGURED))
    assert creds.pick(ROLE, None) == Keys("AKIDROLE", "role-secret")
    assert creds.pick("arn:aws:iam::123456789012:role/other", None) == Keys(
        "AKIDANY", "any-secret", "tok"
    )
    assert creds.pick(None, None) == Keys("AKIDANY", "any-secret", "tok")


def test_caller_identity() -> None:
    creds = Credentials(parse_configured(CONFIGURED))
    caller = Keys("AKIDCALLER", "caller-secret")
    assert creds.pick(CALLER, caller) is caller
    with pytest.raises(CredentialsError, match="does not use AWS_IAM"):
        creds.pick(CALLER, None)


def test_default_chain_resolved_once_off_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    creds = Credentials({})
    assert creds.pick(ROLE, None) is None  # not resolved yet: the caller goes off-loop
    assert asyncio.run(creds.default()) == Keys("AKIDENV", "env-secret")
    assert creds.pick(ROLE, None) == Keys("AKIDENV", "env-secret")  # now without I/O


def test_no_default_chain(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    creds = Credentials({})
    with pytest.raises(CredentialsError, match="Unable to locate credentials"):
        asyncio.run(creds.default())
    with pytest.raises(CredentialsError, match="Unable to locate credentials"):
        creds.pick(None, None)  # known to be absent: no second lookup


def test_secrets_stay_out_of_reprs_and_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = parse_configured(CONFIGURED)
    assert "role-secret" not in repr(keys) and "tok" not in repr(keys[("*")])
    assert "role-secret" not in repr(Credentials(keys))
    monkeypatch.setenv("FRONTGATE_AWS_CREDENTIALS", json.dumps(CONFIGURED))
    settings = load_settings(None, {})
    assert settings.aws_credentials == CONFIGURED
    assert "role-secret" not in repr(settings)
    bad = {ROLE: {"secret_access_key": "only-a-secret"}}
    monkeypatch.setenv("FRONTGATE_AWS_CREDENTIALS", json.dumps(bad))
    with pytest.raises(ValueError) as err:
        load_settings(None, {})
    assert "only-a-secret" not in str(err.value)
    assert "needs access_key_id and secret_access_key" in str(err.value)
    monkeypatch.setenv("FRONTGATE_AWS_CREDENTIALS", '{"x": "not json')
    with pytest.raises(ValueError) as err:
        load_settings(None, {})
    assert "not json" not in str(err.value)


def test_endpoint_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    cli = {"aws_endpoints": ["sqs=http://127.0.0.1:4566", "dynamodb=http://127.0.0.1:8000"]}
    settings = load_settings(None, cli)
    assert settings.aws_endpoints == {
        "sqs": "http://127.0.0.1:4566", "dynamodb": "http://127.0.0.1:8000"}  # fmt: skip
    monkeypatch.setenv("FRONTGATE_AWS_ENDPOINTS", '{"s3": "http://127.0.0.1:9000"}')
    assert load_settings(None, {}).aws_endpoints == {"s3": "http://127.0.0.1:9000"}
    with pytest.raises(ValueError, match="--aws-endpoint: must be a mapping of service"):
        load_settings(None, {"aws_endpoints": ["sqs"]})
    with pytest.raises(ValueError, match="FRONTGATE_AWS_ENDPOINTS"):
        monkeypatch.setenv("FRONTGATE_AWS_ENDPOINTS", '{"s3": "ftp://x"}')
        load_settings(None, {})
