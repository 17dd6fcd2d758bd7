"""A function's resource-based policy as the function table holds it: which statements let API
Gateway invoke the function for a source ARN (AddPermission's shapes and hand-written ones)."""

from __future__ import annotations

from typing import Any

from frontgate.functions.permissions import make_statement
from frontgate.functions.table import FunctionDef, function_def

ACCOUNT = "123456789012"
ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn"
SOURCE = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:abc/dev/GET/pets"


def _fn(*statements: dict[str, Any]) -> FunctionDef:
    doc = {"FunctionName": "fn", "FunctionArn": ARN, "_codePath": "/c", "_policy": statements}
    return function_def("us-east-1", doc)


def _added(**inp: str) -> dict[str, Any]:
    base = {"StatementId": "s", "Action": "lambda:InvokeFunction"}
    return make_statement(ARN, {**base, "Principal": "apigateway.amazonaws.com", **inp})


def test_no_policy_allows_nothing() -> None:
    assert not _fn().allows(SOURCE, ACCOUNT)


def test_source_arn_patterns_match_as_arn_like() -> None:
    fn = _fn(_added(SourceArn=f"arn:aws:execute-api:us-east-1:{ACCOUNT}:abc/*/GET/*"))
    assert fn.allows(SOURCE, ACCOUNT)
    assert not fn.allows(SOURCE.replace("/GET/", "/POST/"), ACCOUNT)
    assert not fn.allows(SOURCE.replace("abc", "xyz"), ACCOUNT)
    assert _fn(_added()).allows(SOURCE, ACCOUNT)  # no condition: any source


def test_source_account_condition() -> None:
    fn = _fn(_added(SourceAccount=ACCOUNT))
    assert fn.allows(SOURCE, ACCOUNT)
    assert not fn.allows(SOURCE, "111111111111")


def test_principals_actions_and_effects() -> None:
    stmt = {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": ARN}
    assert _fn({**stmt, "Principal": "*"}).allows(SOURCE, ACCOUNT)
    services = {"Service": ["events.amazonaws.com", "apigateway.amazonaws.com"]}
    assert _fn({**stmt, "Principal": services}).allows(SOURCE, ACCOUNT)
    account = {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert not _fn({**stmt, "Principal": account}).allows(SOURCE, ACCOUNT)
    other = {"Service": "events.amazonaws.com"}
    assert not _fn({**stmt, "Principal": other}).allows(SOURCE, ACCOUNT)
    api = {"Service": "apigateway.amazonaws.com"}
    assert _fn({**stmt, "Principal": api, "Action": "lambda:*"}).allows(SOURCE, ACCOUNT)
    assert not _fn({**stmt, "Principal": api, "Action": "lambda:GetFunction"}).allows(
        SOURCE, ACCOUNT
    )
    assert not _fn({**stmt, "Principal": api, "Effect": "Deny"}).allows(SOURCE, ACCOUNT)
    equals = {"ArnEquals": {"AWS:SourceArn": SOURCE}}
    assert _fn({**stmt, "Principal": api, "Condition": equals}).allows(SOURCE, ACCOUNT)
