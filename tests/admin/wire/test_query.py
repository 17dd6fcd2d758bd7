"""The shared query-protocol wire layer (IAM, STS) on its own: the model's constraints with the
query services' wording, and results written as XML through the output shape."""

from __future__ import annotations

import pytest

from frontgate.admin.wire import query


def test_each_parameter_reports_its_first_broken_constraint() -> None:
    with pytest.raises(query.QueryError) as info:
        query.validate("iam", "ListUsers", {"MaxItems": "0", "PathPrefix": "x" * 600})
    assert (info.value.status, info.value.code) == (400, "ValidationError")
    assert info.value.message == (
        "2 validation errors detected: Value '" + "x" * 200 + "...' at 'pathPrefix' failed to "
        "satisfy constraint: Member must have length less than or equal to 512; Value '0' at "
        "'maxItems' failed to satisfy constraint: Member must have value greater than or equal "
        "to 1"
    )
    with pytest.raises(query.QueryError) as number:
        query.validate("iam", "ListUsers", {"MaxItems": "ten"})
    assert number.value.message.endswith(
        "at 'maxItems' failed to satisfy constraint: Member must be a number"
    )
    query.validate("iam", "CreateUser", {"UserName": "alice"})


def test_a_result_is_written_through_the_output_shape() -> None:
    response = query.respond(
        "iam",
        "ListUsers",
        {"Users": [{"UserName": "a&b", "UserId": "AID", "_secret": "x"}], "IsTruncated": False},
        "rid-1",
        "urn:ns",
    )
    assert response.status == 200
    assert response.body.decode() == (
        '<ListUsersResponse xmlns="urn:ns"><ListUsersResult><Users><member><UserName>a&amp;b'
        "</UserName><UserId>AID</UserId></member></Users><IsTruncated>false</IsTruncated>"
        "</ListUsersResult><ResponseMetadata><RequestId>rid-1</RequestId></ResponseMetadata>"
        "</ListUsersResponse>"
    )
