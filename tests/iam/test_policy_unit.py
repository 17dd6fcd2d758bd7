"""Policy evaluation as a unit (iam/policy.py): explicit Deny wins over Allow, nothing matching
is neither, wildcards, NotResource/NotAction, principals and conditions, and documents AWS
refuses. The end-to-end checks are in test_resource_policy.py and test_iam.py."""

from __future__ import annotations

import json
from typing import Any

import pytest

from frontgate.iam.policy import ALLOW, ANONYMOUS, DENY, NONE, Caller, PolicyError, compile_policy

PREFIX = "arn:aws:execute-api:us-east-1:123456789012:abc123/"
ARN = PREFIX + "dev/GET/pets"
INVOKE = "execute-api:Invoke"
ALICE = Caller(account="123456789012", arn="arn:aws:iam::123456789012:user/alice")


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _no_context(key: str) -> str | None:
    return None


def _eval(doc: str, resource: str = ARN, caller: Caller = ANONYMOUS, get: Any = _no_context) -> int:
    return compile_policy(doc, resource_prefix=PREFIX).evaluate(caller, INVOKE, resource, get)


ALLOW_ALL = {"Effect": "Allow", "Principal": "*", "Action": INVOKE, "Resource": "execute-api:/*"}


def test_allow_deny_and_nothing_matching() -> None:
    assert _eval(_policy(ALLOW_ALL)) == ALLOW
    deny_pets = {**ALLOW_ALL, "Effect": "Deny", "Resource": "execute-api:/*/GET/pets"}
    assert _eval(_policy(ALLOW_ALL, deny_pets)) == DENY
    assert _eval(_policy(ALLOW_ALL, deny_pets), PREFIX + "dev/GET/owners") == ALLOW
    only_post = {**ALLOW_ALL, "Resource": "execute-api:/*/POST/*"}
    assert _eval(_policy(only_post)) == NONE


def test_not_resource_and_not_action() -> None:
    not_pets = {"Effect": "Deny", "Principal": "*", "Action": INVOKE, "NotResource": ARN}
    assert _eval(_policy(ALLOW_ALL, not_pets)) == ALLOW
    assert _eval(_policy(ALLOW_ALL, not_pets), PREFIX + "dev/GET/owners") == DENY
    not_invoke = {**ALLOW_ALL, "Action": None, "NotAction": "execute-api:ManageConnections"}
    del not_invoke["Action"]
    assert _eval(_policy(not_invoke)) == ALLOW


def test_principals() -> None:
    for_alice = {**ALLOW_ALL, "Principal": {"AWS": ALICE.arn}}
    assert _eval(_policy(for_alice), caller=ALICE) == ALLOW
    assert _eval(_policy(for_alice)) == NONE
    for_account = {**ALLOW_ALL, "Principal": {"AWS": "123456789012"}}
    assert _eval(_policy(for_account), caller=ALICE) == ALLOW


def test_conditions_read_the_request_context() -> None:
    from_vpce = {**ALLOW_ALL, "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}}

    def vpce(value: str) -> Any:  # the lookup gets condition keys lower-cased
        return lambda key: value if key == "aws:sourcevpce" else None

    assert _eval(_policy(from_vpce), get=vpce("vpce-1")) == ALLOW
    assert _eval(_policy(from_vpce), get=vpce("vpce-2")) == NONE
    assert _eval(_policy(from_vpce)) == NONE


@pytest.mark.parametrize(
    "doc",
    [
        "not json",
        json.dumps(["a list"]),
        json.dumps({"Version": "2012-10-17"}),
        json.dumps({"Statement": [], "Extra": 1}),
        _policy({**ALLOW_ALL, "Condition": {"NoSuchOperator": {"aws:SourceIp": "1.2.3.4"}}}),
    ],
    ids=["not-json", "not-an-object", "no-statement", "unknown-element", "unknown-operator"],
)
def test_documents_aws_refuses(doc: str) -> None:
    with pytest.raises(PolicyError):
        compile_policy(doc, resource_prefix=PREFIX, need_principal=True)
