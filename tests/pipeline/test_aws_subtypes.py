"""The service request botocore's serializer makes of a subtype's mapped values
(``pipeline.integrations.aws_subtypes``): what reaches each service on the wire, typed as its
model wants (numbers, lists, JSON objects, base64 blobs, timestamps), and the values refused
before anything is sent."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from frontgate.compile.httpapi import compile_integration
from frontgate.pipeline.integrations.aws_subtypes import ShapeError, service_request
from frontgate.snapshot.subtypes import SubtypeCall


def _call(subtype: str, params: dict[str, str], **extra: Any) -> SubtypeCall:
    doc = {"integrationId": "i", "integrationType": "AWS_PROXY", "integrationSubtype": subtype,
           "payloadFormatVersion": "1.0", "requestParameters": params, **extra}  # fmt: skip
    found = compile_integration(doc, {"queue": "https://sqs.example/1/q"}, "eu-west-1")
    assert found.dispatch == "AWS_SERVICE"
    assert isinstance(found.http_mapping, SubtypeCall)
    return found.http_mapping


def _body(subtype: str, values: dict[str, str]) -> tuple[Any, dict[str, str]]:
    call = _call(subtype, {name: "$request.body" for name in values})
    req = service_request(call, values)
    return json.loads(req.body), dict(req.headers)


def test_json_services_wire_shape() -> None:
    body, headers = _body("SQS-SendMessage", {
        "QueueUrl": "https://q", "MessageBody": "hi", "DelaySeconds": " 5 ",
        "MessageAttributes": '{"k": {"DataType": "Number", "StringValue": "1"}}'})  # fmt: skip
    assert headers["X-Amz-Target"] == "AmazonSQS.SendMessage"
    assert headers["Content-Type"] == "application/x-amz-json-1.0"
    assert body == {
        "QueueUrl": "https://q",
        "MessageBody": "hi",
        "DelaySeconds": 5,
        "MessageAttributes": {"k": {"DataType": "Number", "StringValue": "1"}},
    }

    body, headers = _body(
        "SQS-ReceiveMessage",
        {"QueueUrl": "https://q", "AttributeNames": "All", "MessageAttributeNames": '["a","b"]'},
    )
    assert (body["AttributeNames"], body["MessageAttributeNames"]) == (["All"], ["a", "b"])

    body, headers = _body("EventBridge-PutEvents", {
        "Detail": '{"n": 1}', "DetailType": "t", "Source": "s", "Resources": "arn:a, arn:b",
        "Time": "2026-12-02T10:00:00Z", "EventBusName": "orders"})  # fmt: skip
    assert headers["X-Amz-Target"] == "AWSEvents.PutEvents"
    assert body == {"Entries": [{"Detail": '{"n": 1}', "DetailType": "t", "Source": "s",
                                 "Resources": ["arn:a", "arn:b"], "Time": 1796205600,
                                 "EventBusName": "orders"}]}  # fmt: skip

    body, headers = _body(
        "Kinesis-PutRecord", {"StreamName": "s", "Data": "héllo", "PartitionKey": "k"}
    )
    assert base64.b64decode(body["Data"]) == "héllo".encode()
    assert headers["X-Amz-Target"] == "Kinesis_20131202.PutRecord"

    body, headers = _body(
        "StepFunctions-StopExecution", {"ExecutionArn": "arn:x", "Cause": "c", "Error": "E"}
    )
    assert body == {"executionArn": "arn:x", "cause": "c", "error": "E"}
    assert headers["X-Amz-Target"] == "AWSStepFunctions.StopExecution"


def test_rest_json_service_shape() -> None:
    call = _call("AppConfig-GetConfiguration", {
        "Application": "a", "Environment": "e", "Configuration": "c", "ClientId": "id",
        "ClientConfigurationVersion": "v"})  # fmt: skip
    req = service_request(call, {"Application": "my app", "Environment": "prod/eu",
                                 "Configuration": "c", "ClientId": "id 1",
                                 "ClientConfigurationVersion": "7"})  # fmt: skip
    assert (req.service, req.method, req.body) == ("appconfig", "GET", b"")
    assert req.path == "/applications/my%20app/environments/prod%2Feu/configurations/c"
    assert req.query == "client_id=id%201&client_configuration_version=7"


def test_step_functions_call_the_states_endpoint() -> None:
    call = _call("StepFunctions-StartExecution", {"StateMachineArn": "arn:m"})
    assert service_request(call, {"StateMachineArn": "arn:m"}).service == "states"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"QueueUrl": "q", "MessageBody": "b", "DelaySeconds": "soon"},
         "Invalid value 'soon' for DelaySeconds: an integer"),
        ({"QueueUrl": "q", "MessageBody": "b", "MessageAttributes": "[1]"},
         "Invalid value for MessageAttributes: a JSON object"),
        ({"QueueUrl": "q"}, 'Missing required parameter in input: "MessageBody"'),
    ],
)  # fmt: skip
def test_values_the_operation_cannot_take(values: dict[str, str], message: str) -> None:
    call = _call("SQS-SendMessage", {"QueueUrl": "q", "MessageBody": "$request.body",
                                     "DelaySeconds": "$request.body.d",
                                     "MessageAttributes": "$request.body.a"})  # fmt: skip
    with pytest.raises(ShapeError, match=message.replace("[", r"\[")):
        service_request(call, values)


def test_start_sync_execution_carries_the_model_host_prefix() -> None:
    # AWS serves StartSyncExecution on sync-states.{region}: the request says so, and the
    # client puts it before AWS's host only (tests/awscall/test_endpoints.py).
    arn = "arn:aws:states:us-east-1:123456789012:stateMachine:m"
    call = _call("StepFunctions-StartSyncExecution", {"StateMachineArn": "$request.body"})
    assert service_request(call, {"StateMachineArn": arn}).host_prefix == "sync-"
    call = _call("StepFunctions-StartExecution", {"StateMachineArn": "$request.body"})
    assert service_request(call, {"StateMachineArn": arn}).host_prefix == ""
