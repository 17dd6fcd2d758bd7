"""The issue's Done-when for AWS service integrations, set up as a user would: a ``frontgate
serve`` whose config file points AWS calls at an AWS-compatible server (moto) and maps the
integration role to keys, two REST APIs built with the AWS CLI — one writing an item to
DynamoDB and reading it back, one sending to SQS with a form-encoded template — then called
with plain HTTP requests."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.support.awscli import run_aws
from tests.support.gateway import Gateway
from tests.support.moto import ACCESS_KEY, SECRET_KEY, client

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/apigateway-aws-integrations"

PUT_ITEM = """{"TableName": "notes", "Item": {
  "id": {"S": "$input.params('id')"},
  "text": {"S": "$util.escapeJavaScript($input.path('$.text'))"}}}"""
QUERY = """{"TableName": "notes", "KeyConditionExpression": "id = :id",
  "ExpressionAttributeValues": {":id": {"S": "$input.params('id')"}}}"""
READ = """#set($item = $input.path('$.Items[0]'))
{"id": "$item.id.S", "text": "$util.escapeJavaScript($item.text.S)"}"""
FORM = "'application/x-www-form-urlencoded'"
SEND = "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory, aws_endpoint: str) -> Iterator[Gateway]:
    data = Path(tmp_path_factory.mktemp("aws-cli"))
    config = data / "frontgate.yaml"
    config.write_text(
        yaml.safe_dump({
            "aws_endpoints": {"dynamodb": aws_endpoint, "sqs": aws_endpoint},
            "aws_credentials": {
                ROLE: {"access_key_id": ACCESS_KEY, "secret_access_key": SECRET_KEY}
            },
        })
    )  # fmt: skip
    with Gateway(data, "--config", str(config)) as g:
        yield g


class Cli:
    """``aws apigateway ...`` against the gateway's admin API, JSON out."""

    def __init__(self, gw: Gateway) -> None:
        self.url = f"http://127.0.0.1:{gw.admin_port}"

    def __call__(self, *args: str) -> dict[str, Any]:
        done = run_aws(self.url, "apigateway", *args, "--output", "json")
        assert done.returncode == 0, done.stderr
        out: dict[str, Any] = json.loads(done.stdout) if done.stdout.strip() else {}
        return out

    def method(self, api: str, rid: str, verb: str, *integration: str) -> None:
        common = ("--rest-api-id", api, "--resource-id", rid, "--http-method", verb)
        self("put-method", *common, "--authorization-type", "NONE")
        self("put-integration", *common, "--type", "AWS", "--credentials", ROLE, *integration)

    def response(self, api: str, rid: str, verb: str, status: str, *args: str) -> None:
        common = ("--rest-api-id", api, "--resource-id", rid, "--http-method", verb)
        self("put-method-response", *common, "--status-code", status)
        self("put-integration-response", *common, "--status-code", status, *args)


def invoke(
    gw: Gateway, api: str, method: str, path: str, body: bytes | None = None, **headers: str
) -> tuple[int, dict[str, str], bytes]:
    deadline = time.monotonic() + 10
    while True:
        got = gw.request(method, path, api_id=api, body=body, headers=headers)
        if got[0] != 403 or time.monotonic() > deadline:  # 403: not deployed here yet
            return got
        time.sleep(0.05)


def notes_openapi() -> dict[str, Any]:
    """The DynamoDB API as an OpenAPI file with API Gateway's extensions (how such APIs are
    usually kept): PUT /notes/{id} is PutItem, GET /notes/{id} is Query."""

    def integration(action: str, request: str, response: str) -> dict[str, Any]:
        return {
            "type": "aws", "httpMethod": "POST", "credentials": ROLE,
            "uri": f"arn:aws:apigateway:us-east-1:dynamodb:action/{action}",
            "requestTemplates": {"application/json": request},
            "responses": {"default": {"statusCode": "200",
                                      "responseTemplates": {"application/json": response}}},
        }  # fmt: skip

    param = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
    ok = {"200": {"description": "ok"}}
    return {
        "openapi": "3.0.1",
        "info": {"title": "notes", "version": "1"},
        "paths": {"/notes/{id}": {
            "put": {"parameters": param, "responses": ok,
                    "x-amazon-apigateway-integration": integration(
                        "PutItem", PUT_ITEM, '{"stored": true}')},
            "get": {"parameters": param, "responses": ok,
                    "x-amazon-apigateway-integration": integration("Query", QUERY, READ)},
        }},
    }  # fmt: skip


def test_dynamodb_write_and_read_back(gw: Gateway, aws_endpoint: str, tmp_path: Path) -> None:
    client(aws_endpoint, "dynamodb").create_table(
        TableName="notes",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    spec = tmp_path / "notes.json"
    spec.write_text(json.dumps(notes_openapi()))
    aws = Cli(gw)
    api = aws("import-rest-api", "--body", f"fileb://{spec}")["id"]
    aws("create-deployment", "--rest-api-id", api, "--stage-name", "prod")

    text = 'Buy "milk"\nand bread'
    note = json.dumps({"text": text}).encode()
    status, _, body = invoke(gw, api, "PUT", "/prod/notes/n-1", note)
    assert (status, json.loads(body)) == (200, {"stored": True})
    assert client(aws_endpoint, "dynamodb").get_item(
        TableName="notes", Key={"id": {"S": "n-1"}})["Item"]["text"] == {"S": text}  # fmt: skip
    status, headers, body = invoke(gw, api, "GET", "/prod/notes/n-1")
    assert (status, json.loads(body)) == (200, {"id": "n-1", "text": text})
    assert headers["content-type"] == "application/json"


def test_sqs_form_template(gw: Gateway, aws_endpoint: str) -> None:
    sqs = client(aws_endpoint, "sqs")
    queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    aws = Cli(gw)
    api = aws("create-rest-api", "--name", "inbox")["id"]
    root = aws("get-resources", "--rest-api-id", api)["items"][0]["id"]
    rid = aws("create-resource", "--rest-api-id", api, "--parent-id", root,
              "--path-part", "messages")["id"]  # fmt: skip
    aws.method(
        api, rid, "POST", "--integration-http-method", "POST",
        "--uri", f"arn:aws:apigateway:us-east-1:sqs:path/{ACCOUNT}/inbox",
        "--request-parameters", json.dumps({"integration.request.header.Content-Type": FORM}),
        "--request-templates", json.dumps({"application/json": SEND}),
        "--passthrough-behavior", "NEVER",
    )  # fmt: skip
    aws.response(api, rid, "POST", "200")
    aws("create-deployment", "--rest-api-id", api, "--stage-name", "prod")

    message = '{"to": "ops", "text": "disk 91% full & rising"}'
    status, _, body = invoke(gw, api, "POST", "/prod/messages", message.encode(),
                             **{"Content-Type": "application/json"})  # fmt: skip
    assert status == 200, body
    assert b"<SendMessageResponse" in body and b"<MessageId>" in body
    got = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]
    assert [m["Body"] for m in got] == [message]
