"""A subtype integration compiled (``compile.http_subtypes`` through ``compile.httpapi``): the
operation, each parameter's compiled value and target, the region, the response mapping."""

from __future__ import annotations

from typing import Any

import pytest

from frontgate.compile.httpapi import compile_integration
from frontgate.snapshot.subtypes import SubtypeCall


def _call(subtype: str, params: dict[str, str], **extra: Any) -> SubtypeCall:
    doc = {"integrationId": "i", "integrationType": "AWS_PROXY", "integrationSubtype": subtype,
           "payloadFormatVersion": "1.0", "requestParameters": params, **extra}  # fmt: skip
    found = compile_integration(doc, {"queue": "https://sqs.example/1/q"}, "eu-west-1")
    assert found.dispatch == "AWS_SERVICE"
    assert isinstance(found.http_mapping, SubtypeCall)
    return found.http_mapping


def test_compiled_call() -> None:
    call = _call(
        "SQS-SendMessage",
        {"QueueUrl": "${stageVariables.queue}", "MessageBody": "order $request.body.id"},
        responseParameters={"200": {"overwrite:statuscode": "202"}},
    )
    assert (call.service, call.operation, call.region) == ("sqs", "SendMessage",
                                                           (("text", "eu-west-1"),))  # fmt: skip
    by_name = {p.name: p for p in call.params}
    assert by_name["QueueUrl"].value == (("text", "https://sqs.example/1/q"),)
    assert by_name["MessageBody"].value == (("text", "order "), ("body", "id"))
    assert by_name["MessageBody"].required
    assert [op.target for op in call.responses[200]] == ["statuscode"]
    region = _call("SQS-PurgeQueue", {"QueueUrl": "q", "Region": "$request.header.region"})
    assert region.region == (("header", "region"),)


def test_compile_refuses_what_the_admin_api_refuses() -> None:
    with pytest.raises(ValueError, match="requires enabling passthrough"):
        _call("Kinesis-PutRecord", {"StreamName": "s"})
