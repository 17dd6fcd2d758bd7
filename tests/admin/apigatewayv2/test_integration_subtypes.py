"""HTTP API integration subtypes at write time: CreateIntegration, UpdateIntegration and ImportApi
check each subtype's request parameters against AWS's "Integration subtype reference" (the
required ones, no others, object-valued ones from a selection expression). Then one integration
made with the AWS CLI as AWS's developer guide does it, served by a real ``frontgate serve`` whose
SQS endpoint is a moto server, and checked with a plain HTTP request."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.support.awscli import run_aws
from tests.support.gateway import Gateway
from tests.support.moto import ACCESS_KEY, SECRET_KEY, client

ROLE = "arn:aws:iam::123456789012:role/apigw-sqs"
# AWS's reference, transcribed: each subtype's required parameters, then its optional ones.
REFERENCE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "EventBridge-PutEvents": (("Detail", "DetailType", "Source"),
                              ("Time", "EventBusName", "Resources", "Region", "TraceHeader")),
    "SQS-SendMessage": (("QueueUrl", "MessageBody"),
                        ("DelaySeconds", "MessageAttributes", "MessageDeduplicationId",
                         "MessageGroupId", "MessageSystemAttributes", "Region")),
    "SQS-ReceiveMessage": (("QueueUrl",),
                           ("AttributeNames", "MaxNumberOfMessages", "MessageAttributeNames",
                            "ReceiveRequestAttemptId", "VisibilityTimeout", "WaitTimeSeconds",
                            "Region")),
    "SQS-DeleteMessage": (("ReceiptHandle", "QueueUrl"), ("Region",)),
    "SQS-PurgeQueue": (("QueueUrl",), ("Region",)),
    "AppConfig-GetConfiguration": (("Application", "Environment", "Configuration", "ClientId"),
                                   ("ClientConfigurationVersion", "Region")),
    "Kinesis-PutRecord": (("StreamName", "Data", "PartitionKey"),
                          ("SequenceNumberForOrdering", "ExplicitHashKey", "Region")),
    "StepFunctions-StartExecution": (("StateMachineArn",), ("Name", "Input", "Region")),
    "StepFunctions-StartSyncExecution": (("StateMachineArn",),
                                         ("Name", "Input", "Region", "TraceHeader")),
    "StepFunctions-StopExecution": (("ExecutionArn",), ("Cause", "Error", "Region")),
}  # fmt: skip


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    err = exc.value.response
    return err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"], err["Error"]["Message"]


@pytest.fixture
def api(v2: Any) -> str:
    return str(v2.create_api(Name="subtypes", ProtocolType="HTTP")["ApiId"])


def _create(v2: Any, api: str, subtype: str, params: dict[str, str]) -> dict[str, Any]:
    made: dict[str, Any] = v2.create_integration(
        ApiId=api, IntegrationType="AWS_PROXY", IntegrationSubtype=subtype,
        CredentialsArn=ROLE, PayloadFormatVersion="1.0", RequestParameters=params,
    )  # fmt: skip
    return made


@pytest.mark.parametrize("subtype", sorted(REFERENCE))
def test_each_subtypes_parameters(v2: Any, api: str, subtype: str) -> None:
    required, optional = REFERENCE[subtype]
    every = {name: f"$request.body.{name.lower()}" for name in (*required, *optional)}
    made = _create(v2, api, subtype, every)
    assert (made["IntegrationSubtype"], made["RequestParameters"]) == (subtype, every)
    assert _create(v2, api, subtype, {n: "x" for n in required})["IntegrationId"]
    for missing in required:
        with pytest.raises(ClientError) as exc:
            _create(v2, api, subtype, {n: "x" for n in required if n != missing} or {"Region": "x"})
        status, code, message = _error(exc)
        assert (status, code) == (400, "BadRequestException")
        assert message == (
            f"Operation: {subtype} requires enabling passthrough, or defining all of the "
            f"following parameters: {', '.join(required)}"
        )


@pytest.mark.parametrize(
    ("subtype", "params", "message"),
    [
        ("SQS-Publish", {"QueueUrl": "q"},
         "Operation: SQS-Publish is not supported. Supported integration subtypes: "
         + ", ".join(sorted(REFERENCE))),
        ("SQS-SendMessage", {"QueueUrl": "q", "MessageBody": "b", "Body": "$request.body"},
         "Invalid selection expression specified: Validation Result: warnings : [], errors : "
         "[Parameter: Body is not supported for operation: SQS-SendMessage]"),
        ("SQS-SendMessage", {"QueueUrl": "q", "MessageBody": "b",
                             "MessageAttributes": '{"a":{"DataType":"String","StringValue":"b"}}'},
         "Invalid selection expression specified: Validation Result: warnings : [], errors : "
         '[Invalid source: {"a":{"DataType":"String","StringValue":"b"}} specified for '
         "destination: MessageAttributes]"),
    ],
)  # fmt: skip
def test_refusals(v2: Any, api: str, subtype: str, params: dict[str, str], message: str) -> None:
    with pytest.raises(ClientError) as exc:
        _create(v2, api, subtype, params)
    assert _error(exc) == (400, "BadRequestException", message)
    assert v2.get_integrations(ApiId=api)["Items"] == []


@pytest.mark.parametrize("credentials", ["nope", "arn:aws:iam::123456789012:x/y", "role/apigw"])
def test_credentials_that_are_no_iam_arn_are_refused(v2: Any, api: str, credentials: str) -> None:
    # They were stored, and the call signed with the default keys (a typo went unnoticed).
    params = {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/1/q", "MessageBody": "$request.body"}
    with pytest.raises(ClientError) as exc:
        v2.create_integration(
            ApiId=api, IntegrationType="AWS_PROXY", IntegrationSubtype="SQS-SendMessage",
            CredentialsArn=credentials, PayloadFormatVersion="1.0", RequestParameters=params,
        )  # fmt: skip
    assert _error(exc) == (400, "BadRequestException", "Invalid ARN specified in the request")
    iid = _create(v2, api, "SQS-SendMessage", params)["IntegrationId"]
    with pytest.raises(ClientError) as exc:
        v2.update_integration(ApiId=api, IntegrationId=iid, CredentialsArn=credentials)
    assert _error(exc)[2] == "Invalid ARN specified in the request"
    assert v2.get_integration(ApiId=api, IntegrationId=iid)["CredentialsArn"] == ROLE


def test_update_is_checked_and_keeps_the_old(v2: Any, api: str) -> None:
    params = {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/1/q", "MessageBody": "$request.body"}
    iid = _create(v2, api, "SQS-SendMessage", params)["IntegrationId"]
    with pytest.raises(ClientError) as exc:
        v2.update_integration(
            ApiId=api,
            IntegrationId=iid,
            IntegrationSubtype="SQS-DeleteMessage",
            RequestParameters={"QueueUrl": params["QueueUrl"]},
        )  # ReceiptHandle is missing
    assert "requires enabling passthrough" in _error(exc)[2]
    assert v2.get_integration(ApiId=api, IntegrationId=iid)["IntegrationSubtype"] == (
        "SQS-SendMessage"
    )
    updated = v2.update_integration(
        ApiId=api, IntegrationId=iid, IntegrationSubtype="SQS-PurgeQueue",
        RequestParameters={"QueueUrl": params["QueueUrl"]},
    )  # fmt: skip
    assert updated["RequestParameters"] == {"QueueUrl": params["QueueUrl"]}


def _openapi(params: dict[str, str]) -> str:
    integration = {
        "type": "aws_proxy", "integrationSubtype": "StepFunctions-StartExecution",
        "credentials": ROLE, "payloadFormatVersion": "1.0", "requestParameters": params,
    }  # fmt: skip
    return json.dumps({
        "openapi": "3.0.1", "info": {"title": "orders", "version": "1"},
        "paths": {"/orders": {"post": {"x-amazon-apigateway-integration": integration}}},
    })  # fmt: skip


def test_import_api_checks_subtypes(v2: Any) -> None:
    machine = "arn:aws:states:us-east-1:123456789012:stateMachine:orders"
    out = v2.import_api(Body=_openapi({"StateMachineArn": machine, "Input": "$request.body"}))
    (made,) = v2.get_integrations(ApiId=out["ApiId"])["Items"]
    assert made["IntegrationSubtype"] == "StepFunctions-StartExecution"
    with pytest.raises(ClientError) as exc:
        v2.import_api(Body=_openapi({"Input": "$request.body"}))
    assert _error(exc) == (
        400, "BadRequestException",
        "Errors found during import:\n\tOperation: StepFunctions-StartExecution requires "
        "enabling passthrough, or defining all of the following parameters: StateMachineArn",
    )  # fmt: skip


# --- the AWS CLI, then a real request ---------------------------------------------------------


@pytest.fixture(scope="module")
def served(aws_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("subtype-cli")
    keys = {ROLE: {"access_key_id": ACCESS_KEY, "secret_access_key": SECRET_KEY}}
    env = {"FRONTGATE_AWS_CREDENTIALS": json.dumps(keys), "AWS_EC2_METADATA_DISABLED": "true"}
    with Gateway(tmp / "data", "--aws-endpoint", f"sqs={aws_endpoint}", env=env) as gw:
        yield gw


def _aws(gw: Gateway, cwd: Path, *args: str) -> dict[str, Any]:
    url = f"http://127.0.0.1:{gw.admin_port}"
    done = run_aws(url, "apigatewayv2", *args, "--output", "json", cwd=cwd)
    assert done.returncode == 0, done.stderr
    out: dict[str, Any] = json.loads(done.stdout)
    return out


def test_sqs_send_message_with_the_cli(served: Gateway, aws_endpoint: str, tmp_path: Path) -> None:
    sqs = client(aws_endpoint, "sqs")
    queue = sqs.create_queue(QueueName="cli-orders")["QueueUrl"]
    api = _aws(served, tmp_path, "create-api", "--name", "orders", "--protocol-type", "HTTP")
    api_id = api["ApiId"]
    params = json.dumps({"QueueUrl": queue, "MessageBody": "$request.body.message"})
    integration = _aws(
        served, tmp_path, "create-integration", "--api-id", api_id,
        "--integration-type", "AWS_PROXY", "--integration-subtype", "SQS-SendMessage",
        "--payload-format-version", "1.0", "--credentials-arn", ROLE,
        "--request-parameters", params,
    )  # fmt: skip
    assert integration["IntegrationSubtype"] == "SQS-SendMessage"
    assert integration["RequestParameters"] == json.loads(params)
    _aws(served, tmp_path, "create-route", "--api-id", api_id, "--route-key", "POST /orders",
         "--target", f"integrations/{integration['IntegrationId']}")  # fmt: skip
    _aws(served, tmp_path, "create-stage", "--api-id", api_id, "--stage-name", "$default",
         "--auto-deploy")  # fmt: skip
    body = json.dumps({"message": "one margherita"}).encode()
    status, headers, answer = served.request("POST", "/orders", api_id=api_id, body=body)
    for _ in range(100):  # until the first deployment reaches the data plane
        if status != 404:
            break
        time.sleep(0.05)
        status, headers, answer = served.request("POST", "/orders", api_id=api_id, body=body)
    assert status == 200, answer
    assert headers["content-type"] == "application/json"
    result = json.loads(answer)["SendMessageResponse"]["SendMessageResult"]
    got = sqs.receive_message(QueueUrl=queue)["Messages"]
    assert [(m["MessageId"], m["Body"]) for m in got] == [(result["MessageId"], "one margherita")]
