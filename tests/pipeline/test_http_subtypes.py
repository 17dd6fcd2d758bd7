"""HTTP API integration subtypes end to end: a real ``frontgate serve`` whose AWS endpoints
(``--aws-endpoint``) point at a moto server on loopback, and boto3 checking what each call did
to the service's state. Each subtype's parameters are mapped from the request (body, header,
query string, literal) and the service's answer comes back to the client."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from tests.support.gateway import Gateway
from tests.support.httpapis import ACCOUNT, route, stage, wait_for, write_http_api
from tests.support.moto import ACCESS_KEY, SECRET_KEY, client
from tests.support.upstream import Upstream

API = "subtypes01"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/apigw-services"
SERVICES = ("sqs", "events", "states", "kinesis")  # on moto; AppConfig on an echo upstream
INTERNAL = b'{"message":"Internal Server Error"}'


def subtype(iid: str, name: str, params: dict[str, str]) -> dict[str, Any]:
    return {
        "integrationId": iid,
        "integrationType": "AWS_PROXY",
        "integrationSubtype": name,
        "credentialsArn": ROLE,
        "payloadFormatVersion": "1.0",
        "timeoutInMillis": 10000,
        "connectionType": "INTERNET",
        "requestParameters": params,
    }


class World:
    """The moto resources the routes use."""

    def __init__(self, endpoint: str) -> None:
        self.sqs = client(endpoint, "sqs")
        self.queue = self.sqs.create_queue(QueueName="subtype-orders")["QueueUrl"]
        self.purged = self.sqs.create_queue(QueueName="subtype-purged")["QueueUrl"]
        self.sink = self.sqs.create_queue(QueueName="subtype-events-sink")["QueueUrl"]
        sink_arn = self.sqs.get_queue_attributes(QueueUrl=self.sink, AttributeNames=["QueueArn"])
        events = client(endpoint, "events")
        events.put_rule(Name="shop-orders", EventPattern=json.dumps({"source": ["shop"]}))
        events.put_targets(Rule="shop-orders", Targets=[
            {"Id": "sink", "Arn": sink_arn["Attributes"]["QueueArn"]}])  # fmt: skip
        self.sfn = client(endpoint, "stepfunctions")
        definition = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
        self.machine = self.sfn.create_state_machine(
            name="subtype-orders", definition=json.dumps(definition),
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/sfn",
        )["stateMachineArn"]  # fmt: skip
        self.kinesis = client(endpoint, "kinesis")
        self.kinesis.create_stream(StreamName="subtype-clicks", ShardCount=1)


@pytest.fixture(scope="module")
def world(aws_endpoint: str) -> World:
    return World(aws_endpoint)


@pytest.fixture(scope="module")
def upstream() -> Iterator[Upstream]:
    with Upstream() as up:
        yield up


@pytest.fixture(scope="module")
def gw(
    world: World, aws_endpoint: str, upstream: Upstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gateway]:
    data = tmp_path_factory.mktemp("subtypes") / "data"
    integrations = [
        subtype("send", "SQS-SendMessage", {
            "QueueUrl": world.queue, "MessageBody": "$request.body.message",
            "MessageAttributes": "$request.body.attributes",
            "DelaySeconds": "$request.querystring.delay"}),
        subtype("receive", "SQS-ReceiveMessage", {
            "QueueUrl": world.queue, "MaxNumberOfMessages": "$request.querystring.max",
            "MessageAttributeNames": "All"}),
        subtype("delete", "SQS-DeleteMessage", {
            "QueueUrl": world.queue, "ReceiptHandle": "$request.body.handle"}),
        subtype("purge", "SQS-PurgeQueue", {"QueueUrl": world.purged}),
        subtype("nosuchqueue", "SQS-SendMessage", {
            "QueueUrl": world.queue + "-missing", "MessageBody": "$request.body"}),
        subtype("events", "EventBridge-PutEvents", {
            "Detail": "$request.body.detail", "DetailType": "order-${request.header.x-kind}",
            "Source": "shop", "Region": "us-east-1"}),
        subtype("start", "StepFunctions-StartExecution", {
            "StateMachineArn": world.machine, "Name": "$request.body.name",
            "Input": "$request.body.input"}),
        subtype("sync", "StepFunctions-StartSyncExecution", {
            "StateMachineArn": world.machine, "Input": "$request.body"}),
        subtype("stop", "StepFunctions-StopExecution", {
            "ExecutionArn": "$request.body.arn", "Cause": "$request.body.cause",
            "Error": "Cancelled"}),
        subtype("kinesis", "Kinesis-PutRecord", {
            "StreamName": "subtype-clicks", "Data": "$request.body",
            "PartitionKey": "$request.header.x-user"}),
        subtype("config", "AppConfig-GetConfiguration", {
            "Application": "$request.path.app", "Environment": "prod",
            "Configuration": "flags", "ClientId": "$context.requestId"}),
        subtype("config-region", "AppConfig-GetConfiguration", {
            "Application": "shop", "Environment": "prod", "Configuration": "flags",
            "ClientId": "c", "Region": "$request.header.x-region"}),
    ]  # fmt: skip
    routes = [
        route("POST /send", "send"),
        route("GET /receive", "receive"),
        route("POST /delete", "delete"),
        route("POST /purge", "purge"),
        route("POST /nosuchqueue", "nosuchqueue"),
        route("POST /events", "events"),
        route("POST /start", "start"),
        route("POST /sync", "sync"),
        route("POST /stop", "stop"),
        route("POST /kinesis", "kinesis"),
        route("GET /config/{app}", "config"),
        route("GET /config-region", "config-region"),
    ]
    write_http_api(data, API, routes, integrations, [stage("$default")])
    keys = {ROLE: {"access_key_id": ACCESS_KEY, "secret_access_key": SECRET_KEY}}
    endpoints = [a for s in SERVICES for a in ("--aws-endpoint", f"{s}={aws_endpoint}")]
    endpoints += ["--aws-endpoint", f"appconfig=http://127.0.0.1:{upstream.port}"]
    env = {"FRONTGATE_AWS_CREDENTIALS": json.dumps(keys), "AWS_EC2_METADATA_DISABLED": "true"}
    with Gateway(data, *endpoints, env=env) as gateway:
        wait_for(lambda: gateway.request("GET", "/receive", api_id=API)[0] == 200, what="deploy")
        yield gateway


def _post(gw: Gateway, path: str, doc: Any, **headers: str) -> tuple[int, dict[str, str], Any]:
    status, hdrs, body = gw.request(
        "POST", path, api_id=API, body=json.dumps(doc).encode(),
        headers={"Content-Type": "application/json", **headers},
    )  # fmt: skip
    return status, hdrs, json.loads(body) if body else None


def test_sqs_send_receive_delete(gw: Gateway, world: World) -> None:
    attrs = {"tenant": {"DataType": "String", "StringValue": "acme"}}
    status, headers, doc = _post(gw, "/send", {"message": "hello queue", "attributes": attrs})
    assert status == 200, doc
    assert headers["content-type"] == "application/json"
    sent = doc["SendMessageResponse"]["SendMessageResult"]
    assert sent["MessageId"] and sent["MD5OfMessageBody"] and sent["SequenceNumber"] is None
    assert doc["SendMessageResponse"]["ResponseMetadata"]["RequestId"]

    status, _, body = gw.request("GET", "/receive?max=5", api_id=API)
    assert status == 200, body
    messages = json.loads(body)["ReceiveMessageResponse"]["ReceiveMessageResult"]["messages"]
    assert [m["Body"] for m in messages] == ["hello queue"]
    assert messages[0]["MessageId"] == sent["MessageId"]
    assert messages[0]["MessageAttributes"]["tenant"]["StringValue"] == "acme"

    status, _, doc = _post(gw, "/delete", {"handle": messages[0]["ReceiptHandle"]})
    assert status == 200, doc
    assert list(doc["DeleteMessageResponse"]) == ["ResponseMetadata"]
    counts = world.sqs.get_queue_attributes(QueueUrl=world.queue, AttributeNames=["All"])
    assert counts["Attributes"]["ApproximateNumberOfMessages"] == "0"
    assert counts["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_sqs_purge(gw: Gateway, world: World) -> None:
    for i in range(3):
        world.sqs.send_message(QueueUrl=world.purged, MessageBody=f"m{i}")
    status, _, body = gw.request("POST", "/purge", api_id=API)
    assert status == 200, body
    assert json.loads(body)["PurgeQueueResponse"]["ResponseMetadata"]["RequestId"]
    left = world.sqs.receive_message(QueueUrl=world.purged, MaxNumberOfMessages=10)
    assert left.get("Messages", []) == []


def test_sqs_error_is_the_services(gw: Gateway) -> None:
    status, headers, doc = _post(gw, "/nosuchqueue", {"x": 1})
    assert status == 400
    assert headers["content-type"] == "application/json"
    assert doc["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert doc["Error"]["Type"] == "Sender"


def test_missing_required_source_is_500(gw: Gateway, world: World) -> None:
    status, headers, body = gw.request("POST", "/send", api_id=API, body=b'{"other": 1}')
    assert (status, body) == (500, INTERNAL)
    assert headers["apigw-requestid"]
    # A value the operation cannot take (DelaySeconds must be a number): 500, nothing sent.
    status, _, body = gw.request(
        "POST", "/send?delay=soon", api_id=API, body=b'{"message": "never"}'
    )
    assert (status, body) == (500, INTERNAL)
    counts = world.sqs.get_queue_attributes(QueueUrl=world.queue, AttributeNames=["All"])
    assert counts["Attributes"]["ApproximateNumberOfMessages"] == "0"


def test_eventbridge_put_events(gw: Gateway, world: World) -> None:
    status, _, doc = _post(gw, "/events", {"detail": {"order": 42}}, **{"x-kind": "placed"})
    assert status == 200, doc
    assert doc["FailedEntryCount"] == 0
    assert doc["Entries"][0]["EventId"]
    got: list[Any] = []
    deadline = time.monotonic() + 5
    while not got and time.monotonic() < deadline:
        got = world.sqs.receive_message(QueueUrl=world.sink).get("Messages", [])
    event = json.loads(got[0]["Body"])
    assert (event["source"], event["detail-type"]) == ("shop", "order-placed")
    assert event["detail"] == {"order": 42}


def test_step_functions_start_and_stop(gw: Gateway, world: World) -> None:
    status, _, doc = _post(gw, "/start", {"name": "run-1", "input": {"pizza": "margherita"}})
    assert status == 200, doc
    arn = doc["executionArn"]
    assert arn.endswith(":run-1") and isinstance(doc["startDate"], (int, float))
    described = world.sfn.describe_execution(executionArn=arn)
    assert json.loads(described["input"]) == {"pizza": "margherita"}

    status, _, doc = _post(gw, "/stop", {"arn": arn, "cause": "customer cancelled"})
    assert status == 200, doc
    assert isinstance(doc["stopDate"], (int, float))
    assert world.sfn.describe_execution(executionArn=arn)["status"] == "ABORTED"


def test_step_functions_sync_passes_the_services_answer(gw: Gateway) -> None:
    # moto has no StartSyncExecution: its answer (an error status) reaches the client as is,
    # not a gateway failure.
    status, headers, body = gw.request("POST", "/sync", api_id=API, body=b'{"a": 1}')
    assert status >= 400 and body != INTERNAL
    assert headers["content-type"]


def test_kinesis_put_record(gw: Gateway, world: World) -> None:
    payload = b'{"click": "buy"}'
    status, _, body = gw.request(
        "POST", "/kinesis", api_id=API, body=payload, headers={"x-user": "user-7"}
    )
    assert status == 200, body
    doc = json.loads(body)
    assert doc["ShardId"] == "shardId-000000000000" and doc["SequenceNumber"]
    iterator = world.kinesis.get_shard_iterator(
        StreamName="subtype-clicks", ShardId=doc["ShardId"],
        ShardIteratorType="AT_SEQUENCE_NUMBER", StartingSequenceNumber=doc["SequenceNumber"],
    )["ShardIterator"]  # fmt: skip
    record = world.kinesis.get_records(ShardIterator=iterator)["Records"][0]
    assert (record["Data"], record["PartitionKey"]) == (payload, "user-7")
    assert base64.b64encode(record["Data"])  # the gateway sent it base64-encoded, as JSON must


def test_appconfig_get_configuration_request(gw: Gateway) -> None:
    # moto does not serve GetConfiguration; an echo upstream stands in for AppConfig and shows
    # the request as the gateway shaped and signed it (rest-json: the parameters in the path
    # and query string).
    status, headers, body = gw.request("GET", "/config/shop", api_id=API)
    assert status == 200, body
    assert headers["content-type"] == "application/json"
    seen = json.loads(body)
    assert seen["method"] == "GET"
    assert seen["path"] == "/applications/shop/environments/prod/configurations/flags"
    assert seen["query"] == f"client_id={quote(headers['apigw-requestid'], safe='')}"
    auth = dict((k.lower(), v) for k, v in seen["headers"])["authorization"]
    assert auth.startswith(f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/")
    assert "/us-east-1/appconfig/aws4_request" in auth
    # The Region parameter chooses the region the call is signed for.
    status, _, body = gw.request(
        "GET", "/config-region", api_id=API, headers={"x-region": "eu-west-1"}
    )
    assert status == 200, body
    auth = dict((k.lower(), v) for k, v in json.loads(body)["headers"])["authorization"]
    assert "/eu-west-1/appconfig/aws4_request" in auth
