"""REST ``AWS`` integrations to AWS services end to end: a real ``frontgate serve`` pointed at a
moto server (``--aws-endpoint SERVICE=URL`` for each service), APIs built with boto3's
``apigateway`` client, real HTTP requests, and the services' state read back with boto3."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from tests.support.gateway import Gateway
from tests.support.moto import ACCESS_KEY, SECRET_KEY, client

REGION = "us-east-1"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/apigateway-to-aws"
UNMAPPED_ROLE = f"arn:aws:iam::{ACCOUNT}:role/not-configured"
SERVICES = ("dynamodb", "sqs", "s3", "states", "kinesis", "events", "sns")
# No default credential chain in the gateway's environment: only the mapped role has keys.
NO_DEFAULT_CHAIN = {
    "AWS_ACCESS_KEY_ID": "",
    "AWS_SECRET_ACCESS_KEY": "",
    "AWS_SESSION_TOKEN": "",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
    "AWS_CONFIG_FILE": "/nonexistent/config",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def arn(service: str, kind: str, target: str) -> str:
    return f"arn:aws:apigateway:{REGION}:{service}:{kind}/{target}"


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory, aws_endpoint: str) -> Iterator[Gateway]:
    args: list[str] = []
    for service in SERVICES:
        args += ["--aws-endpoint", f"{service}={aws_endpoint}"]
    creds = {ROLE: {"access_key_id": ACCESS_KEY, "secret_access_key": SECRET_KEY}}
    env = {**NO_DEFAULT_CHAIN, "FRONTGATE_AWS_CREDENTIALS": json.dumps(creds)}
    with Gateway(Path(tmp_path_factory.mktemp("aws")), *args, env=env) as g:
        yield g


@pytest.fixture(scope="module")
def apigw(gw: Gateway) -> Any:
    return gw.admin_client()


class Api:
    """A REST API under construction: ``method("/pets/{id}", "GET", integration=...)``."""

    def __init__(self, apigw: Any, name: str, **kw: Any) -> None:
        self.c = apigw
        self.id = apigw.create_rest_api(name=name, **kw)["id"]
        self.ids = {"/": apigw.get_resources(restApiId=self.id)["items"][0]["id"]}

    def resource(self, path: str) -> str:
        if path not in self.ids:
            parent, _, part = path.rpartition("/")
            pid = self.resource(parent or "/")
            res = self.c.create_resource(restApiId=self.id, parentId=pid, pathPart=part)
            self.ids[path] = res["id"]
        return self.ids[path]

    def method(
        self,
        path: str,
        verb: str,
        *,
        integration: dict[str, Any],
        responses: dict[str, dict[str, Any]] | None = None,
        params: dict[str, bool] | None = None,
        auth: str = "NONE",
    ) -> str:
        rid = self.resource(path)
        self.c.put_method(
            restApiId=self.id, resourceId=rid, httpMethod=verb, authorizationType=auth,
            requestParameters=params or {},
        )  # fmt: skip
        self.c.put_integration(restApiId=self.id, resourceId=rid, httpMethod=verb, **integration)
        for status, resp in (responses or {"200": {}}).items():
            self.c.put_method_response(
                restApiId=self.id, resourceId=rid, httpMethod=verb, statusCode=status,
                responseParameters={k: False for k in resp.get("responseParameters", {})},
            )  # fmt: skip
            self.c.put_integration_response(
                restApiId=self.id, resourceId=rid, httpMethod=verb, statusCode=status, **resp
            )
        return rid

    def deploy(self) -> None:
        self.c.create_deployment(restApiId=self.id, stageName="dev")


def call(
    gw: Gateway, api: Api, method: str, path: str, **kw: Any
) -> tuple[int, dict[str, str], bytes]:
    deadline = time.monotonic() + 10
    while True:
        status, headers, body = gw.request(method, "/dev" + path, api_id=api.id, **kw)
        if status != 403 or time.monotonic() > deadline:  # 403: not deployed here yet
            return status, headers, body
        time.sleep(0.05)


PUT_ITEM = """{
  "TableName": "$stageVariables.table",
  "Item": {
    "id": {"S": "$input.params('id')"},
    "name": {"S": "$util.escapeJavaScript($input.path('$.name'))"},
    "tags": {"SS": [#foreach($t in $input.path('$.tags'))"$t"#if($foreach.hasNext),#end#end]}
  }
}"""
QUERY = """{
  "TableName": "$stageVariables.table",
  "KeyConditionExpression": "id = :id",
  "ExpressionAttributeValues": {":id": {"S": "$input.params('id')"}}
}"""
ITEMS = """#set($items = $input.path('$.Items'))
{"count": $input.path('$.Count'), "pets": [#foreach($item in $items)
{"id": "$item.id.S", "name": "$util.escapeJavaScript($item.name.S)"}#if($foreach.hasNext),#end
#end]}"""
SAVED = '{"saved": "$input.params(\'id\')"}'
ERROR = """{"error": "$input.path('$.__type').split('#')[1]", "status": 400}"""


def dynamodb_api(apigw: Any, table: str) -> Api:
    """POST /pets/{id} writes an item (PutItem), GET /pets/{id} reads it back (Query)."""
    api = Api(apigw, "dynamodb")
    common = {"type": "AWS", "integrationHttpMethod": "POST", "credentials": ROLE}
    errors = {"selectionPattern": "4\\d{2}", "responseTemplates": {"application/json": ERROR}}
    api.method(
        "/pets/{id}", "POST",
        integration={**common, "uri": arn("dynamodb", "action", "PutItem"),
                     "requestTemplates": {"application/json": PUT_ITEM}},
        responses={"200": {"responseTemplates": {"application/json": SAVED}}, "400": errors},
    )  # fmt: skip
    api.method(
        "/pets/{id}", "GET",
        integration={**common, "uri": arn("dynamodb", "action", "Query"),
                     "requestTemplates": {"application/json": QUERY}},
        responses={"200": {"responseTemplates": {"application/json": ITEMS}}, "400": errors},
    )  # fmt: skip
    apigw.create_deployment(restApiId=api.id, stageName="dev", variables={"table": table})
    return api


def test_dynamodb_write_then_read(gw: Gateway, apigw: Any, aws_endpoint: str) -> None:
    ddb = client(aws_endpoint, "dynamodb")
    ddb.create_table(
        TableName="pets",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    api = dynamodb_api(apigw, "pets")
    body = json.dumps({"name": 'Rex "the dog"', "tags": ["good", "loud"]}).encode()
    status, headers, out = call(gw, api, "POST", "/pets/p1", body=body)
    assert (status, json.loads(out)) == (200, {"saved": "p1"}), out
    assert headers["content-type"] == "application/json"
    # AWS integrations answer with the request's X-Ray trace, as AWS does.
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}(;.*)?", headers["x-amzn-trace-id"])
    # The item is in the table as the template wrote it...
    item = ddb.get_item(TableName="pets", Key={"id": {"S": "p1"}})["Item"]
    assert item["name"] == {"S": 'Rex "the dog"'}
    assert sorted(item["tags"]["SS"]) == ["good", "loud"]
    # ...and the API reads it back through Query and a response template.
    status, _, out = call(gw, api, "GET", "/pets/p1")
    assert (status, json.loads(out)) == (
        200,
        {"count": 1, "pets": [{"id": "p1", "name": 'Rex "the dog"'}]},
    )
    status, _, out = call(gw, api, "GET", "/pets/none")
    assert (status, json.loads(out)) == (200, {"count": 0, "pets": []})


def test_dynamodb_error_selected_by_status(gw: Gateway, apigw: Any) -> None:
    # A table that does not exist: DynamoDB's 400, selected by selectionPattern 4\d{2}.
    api = dynamodb_api(apigw, "no-such-table")
    status, _, out = call(gw, api, "GET", "/pets/p1")
    assert (status, json.loads(out)) == (400, {"error": "ResourceNotFoundException", "status": 400})


SEND = "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"


def test_sqs_send_message_form_template(gw: Gateway, apigw: Any, aws_endpoint: str) -> None:
    sqs = client(aws_endpoint, "sqs")
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    api = Api(apigw, "sqs")
    api.method(
        "/orders", "POST",
        integration={
            "type": "AWS", "integrationHttpMethod": "POST", "credentials": ROLE,
            "uri": arn("sqs", "path", f"{ACCOUNT}/orders"),
            "requestParameters": {
                "integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"
            },
            "requestTemplates": {"application/json": SEND},
            "passthroughBehavior": "NEVER",
        },
        responses={"200": {"responseParameters": {
            "method.response.header.Content-Type": "integration.response.header.Content-Type"}}},
    )  # fmt: skip
    api.deploy()
    message = '{"order": 42, "note": "a&b=c ü"}'
    status, headers, out = call(gw, api, "POST", "/orders", body=message.encode())
    assert status == 200, out
    # SQS's query API answers XML: passed through, with SQS's Content-Type mapped.
    assert out.startswith(b"<SendMessageResponse"), out
    assert b"<MessageId>" in out and b"<MD5OfMessageBody>" in out
    assert "xml" in headers["content-type"]
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    assert [m["Body"] for m in got] == [message]
    # NEVER: a content type without a template is refused before SQS is called.
    status, _, out = call(
        gw, api, "POST", "/orders", body=b"x", headers={"Content-Type": "text/plain"}
    )
    assert (status, json.loads(out)) == (415, {"message": "Unsupported Media Type"})


def test_s3_put_and_get_binary_by_path(gw: Gateway, apigw: Any, aws_endpoint: str) -> None:
    s3 = client(aws_endpoint, "s3")
    s3.create_bucket(Bucket="uploads")
    api = Api(apigw, "s3", binaryMediaTypes=["application/octet-stream", "image/png"])
    params = {"method.request.path.bucket": True, "method.request.path.key": True}
    mapping = {
        "integration.request.path.bucket": "method.request.path.bucket",
        "integration.request.path.key": "method.request.path.key",
    }
    common = {"type": "AWS", "credentials": ROLE, "uri": arn("s3", "path", "{bucket}/{key}")}
    put_params = {**params, "method.request.header.Content-Type": False}
    put_mapping = {
        **mapping,
        "integration.request.header.Content-Type": "method.request.header.Content-Type",
    }
    api.method(
        "/files/{bucket}/{key}", "PUT", params=put_params,
        integration={**common, "integrationHttpMethod": "PUT", "requestParameters": put_mapping},
    )  # fmt: skip
    missing = '{"missing": "$input.params(\'key\')"}'
    api.method(
        "/files/{bucket}/{key}", "GET", params=params,
        integration={**common, "integrationHttpMethod": "GET", "requestParameters": mapping},
        responses={"200": {"responseParameters": {
            "method.response.header.Content-Type": "integration.response.header.Content-Type",
            "method.response.header.ETag": "integration.response.header.ETag"}},
                   "404": {"selectionPattern": "404",
                           "responseTemplates": {"application/json": missing}}},
    )  # fmt: skip
    api.deploy()
    data = bytes(range(256)) * 4
    status, _, out = call(
        gw, api, "PUT", "/files/uploads/logo.png", body=data,
        headers={"Content-Type": "image/png", "Accept": "image/png"},
    )  # fmt: skip
    assert status == 200, out
    obj = s3.get_object(Bucket="uploads", Key="logo.png")
    assert (obj["Body"].read(), obj["ContentType"]) == (data, "image/png")
    status, headers, out = call(
        gw, api, "GET", "/files/uploads/logo.png", headers={"Accept": "image/png"}
    )
    assert (status, headers["content-type"]) == (200, "image/png")
    assert out == data
    assert headers["etag"] == obj["ETag"]
    status, _, out = call(gw, api, "GET", "/files/uploads/nothing.png")
    assert (status, json.loads(out)) == (404, {"missing": "nothing.png"})


def test_step_functions_start_execution(gw: Gateway, apigw: Any, aws_endpoint: str) -> None:
    sfn = client(aws_endpoint, "stepfunctions")
    machine = sfn.create_state_machine(
        name="orders",
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/sfn",
    )["stateMachineArn"]
    api = Api(apigw, "sfn")
    template = (
        '{"stateMachineArn": "' + machine + '", "name": "$context.requestId", '
        '"input": "$util.escapeJavaScript($input.json(\'$\'))"}'
    )
    api.method(
        "/start", "POST",
        integration={"type": "AWS", "integrationHttpMethod": "POST", "credentials": ROLE,
                     "uri": arn("states", "action", "StartExecution"),
                     "requestTemplates": {"application/json": template}},
    )  # fmt: skip
    api.deploy()
    status, headers, out = call(gw, api, "POST", "/start", body=b'{"order": 7}')
    assert status == 200, out
    execution = json.loads(out)["executionArn"]
    described = sfn.describe_execution(executionArn=execution)
    assert json.loads(described["input"]) == {"order": 7}
    assert described["name"] == headers["x-amzn-requestid"]


def test_kinesis_put_record(gw: Gateway, apigw: Any, aws_endpoint: str) -> None:
    kinesis = client(aws_endpoint, "kinesis")
    kinesis.create_stream(StreamName="clicks", ShardCount=1)
    api = Api(apigw, "kinesis")
    template = (
        '{"StreamName": "clicks", "Data": "$util.base64Encode($input.body)", '
        '"PartitionKey": "$input.path(\'$.user\')"}'
    )
    api.method(
        "/clicks", "PUT",
        integration={"type": "AWS", "integrationHttpMethod": "POST", "credentials": ROLE,
                     "uri": arn("kinesis", "action", "PutRecord"),
                     "requestTemplates": {"application/json": template}},
    )  # fmt: skip
    api.deploy()
    status, _, out = call(gw, api, "PUT", "/clicks", body=b'{"user": "u1", "x": 3}')
    assert status == 200, out
    answer = json.loads(out)
    assert answer["ShardId"].startswith("shardId-") and answer["SequenceNumber"]
    iterator = kinesis.get_shard_iterator(
        StreamName="clicks", ShardId=answer["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = kinesis.get_records(ShardIterator=iterator)["Records"]
    assert [(r["Data"], r["PartitionKey"]) for r in records] == [(b'{"user": "u1", "x": 3}', "u1")]


def test_eventbridge_put_events(gw: Gateway, apigw: Any, aws_endpoint: str) -> None:
    sqs = client(aws_endpoint, "sqs")
    events = client(aws_endpoint, "events")
    queue = sqs.create_queue(QueueName="events-target")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    events.put_rule(Name="all-tests", EventPattern=json.dumps({"source": ["frontgate.test"]}))
    events.put_targets(
        Rule="all-tests", Targets=[{"Id": "q", "Arn": queue_arn["Attributes"]["QueueArn"]}]
    )
    api = Api(apigw, "events")
    template = (
        '{"Entries": [{"Source": "frontgate.test", "DetailType": "order", '
        '"Detail": "$util.escapeJavaScript($input.body)", "EventBusName": "default"}]}'
    )
    api.method(
        "/events", "POST",
        integration={"type": "AWS", "integrationHttpMethod": "POST", "credentials": ROLE,
                     "uri": arn("events", "action", "PutEvents"),
                     "requestTemplates": {"application/json": template}},
    )  # fmt: skip
    api.deploy()
    status, _, out = call(gw, api, "POST", "/events", body=b'{"id": 9}')
    assert status == 200, out
    answer = json.loads(out)
    assert answer["FailedEntryCount"] == 0 and answer["Entries"][0]["EventId"]
    got = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]
    event = json.loads(got[0]["Body"])
    assert (event["source"], event["detail-type"], event["detail"]) == (
        "frontgate.test", "order", {"id": 9})  # fmt: skip


def test_sns_publish_by_action(gw: Gateway, apigw: Any, aws_endpoint: str) -> None:
    sns = client(aws_endpoint, "sns")
    sqs = client(aws_endpoint, "sqs")
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    queue = sqs.create_queue(QueueName="alerts-sub")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=queue_arn["Attributes"]["QueueArn"],
        Attributes={"RawMessageDelivery": "true"},
    )  # fmt: skip
    api = Api(apigw, "sns")
    subject = "method.request.querystring.subject"
    message = "Message=$util.urlEncode($input.body)"
    # AWS's classic pattern: query-string parameters mapped, the action's protocol is query.
    api.method(
        "/alerts", "POST", params={"method.request.querystring.subject": False},
        integration={"type": "AWS", "integrationHttpMethod": "POST", "credentials": ROLE,
                     "uri": arn("sns", "action", "Publish"),
                     "requestParameters": {
                         "integration.request.querystring.TopicArn": f"'{topic}'",
                         "integration.request.querystring.Subject": subject,
                     },
                     "requestTemplates": {"application/json": message}},
    )  # fmt: skip
    api.deploy()
    status, _, out = call(gw, api, "POST", "/alerts?subject=Disk", body=b'{"disk": "full"}')
    assert status == 200, out
    assert b"<PublishResponse" in out and b"<MessageId>" in out
    got = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]
    assert [m["Body"] for m in got] == ['{"disk": "full"}']


def test_unmapped_role_without_default_credentials(gw: Gateway, apigw: Any) -> None:
    api = Api(apigw, "no-creds")
    rid = api.method(
        "/x", "POST",
        integration={"type": "AWS", "integrationHttpMethod": "POST", "credentials": UNMAPPED_ROLE,
                     "uri": arn("dynamodb", "action", "ListTables"),
                     "requestTemplates": {"application/json": "{}"}},
    )  # fmt: skip
    api.deploy()
    status, _, out = call(gw, api, "POST", "/x", body=b"{}")
    assert (status, json.loads(out)) == (500, {"message": "Internal server error"})
    test = apigw.test_invoke_method(restApiId=api.id, resourceId=rid, httpMethod="POST", body="{}")
    assert test["status"] == 500
    assert (
        "Execution failed due to configuration error: Unable to locate credentials" in test["log"]
    ), test["log"]


def test_caller_identity_signs_the_call(gw: Gateway, apigw: Any, aws_endpoint: str) -> None:
    """``arn:aws:iam::*:user/*``: the call is signed with the caller's own SigV4 key."""
    iam = gw.admin_client("iam")
    iam.create_user(UserName="ddb-caller")
    key = iam.create_access_key(UserName="ddb-caller")["AccessKey"]
    allow = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}
    iam.put_user_policy(
        UserName="ddb-caller", PolicyName="invoke",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [allow]}),
    )  # fmt: skip
    client(aws_endpoint, "dynamodb").create_table(
        TableName="caller-table",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    api = Api(apigw, "caller")
    api.method(
        "/tables", "GET", auth="AWS_IAM",
        integration={"type": "AWS", "integrationHttpMethod": "POST",
                     "credentials": "arn:aws:iam::*:user/*",
                     "uri": arn("dynamodb", "action", "ListTables"),
                     "requestTemplates": {"application/json": "{}"}},
    )  # fmt: skip
    api.deploy()
    host = gw.host(api.id)
    req = AWSRequest(method="GET", url=f"http://{host}/dev/tables", headers={"Host": host})
    SigV4Auth(
        Credentials(key["AccessKeyId"], key["SecretAccessKey"]), "execute-api", REGION
    ).add_auth(req)
    # Signed first: `call` waits out the 403s of a deployment not served yet, which an
    # unsigned request could not tell from AWS_IAM's own 403.
    status, _, out = call(gw, api, "GET", "/tables", headers=dict(req.headers.items()))
    assert status == 200, out
    assert "caller-table" in json.loads(out)["TableNames"]
    status, _, out = gw.request("GET", "/dev/tables", api_id=api.id)
    assert status == 403, out  # unsigned: AWS_IAM refuses before any call


def test_s3_by_action_and_bucket_subdomain(gw: Gateway, apigw: Any, aws_endpoint: str) -> None:
    s3 = client(aws_endpoint, "s3")
    s3.create_bucket(Bucket="docs")
    s3.put_object(Bucket="docs", Key="guide/intro.txt", Body=b"hello", ContentType="text/plain")
    api = Api(apigw, "s3-forms")
    mapping = {"integration.request.path.key": "method.request.path.key"}
    params = {"method.request.path.key": True}
    passed = {
        "200": {
            "responseParameters": {
                "method.response.header.Content-Type": "integration.response.header.Content-Type"
            }
        }
    }
    # A REST-XML action, its parameters filling the operation's URI (/{Bucket}/{Key+}).
    api.method(
        "/by-action/{key}", "GET", params=params, responses=passed,
        integration={"type": "AWS", "integrationHttpMethod": "GET", "credentials": ROLE,
                     "uri": arn("s3", "action", "GetObject&Bucket=docs&Key={key}"),
                     "requestParameters": mapping},
    )  # fmt: skip
    # The bucket as a subdomain of the service: sent path-style.
    api.method(
        "/by-subdomain/{key}", "GET", params=params, responses=passed,
        integration={"type": "AWS", "integrationHttpMethod": "GET", "credentials": ROLE,
                     "uri": arn("docs.s3", "path", "guide/{key}"),
                     "requestParameters": mapping},
    )  # fmt: skip
    api.deploy()
    status, headers, out = call(gw, api, "GET", "/by-action/guide%2Fintro.txt")
    assert (status, out, headers["content-type"]) == (200, b"hello", "text/plain")
    status, headers, out = call(gw, api, "GET", "/by-subdomain/intro.txt")
    assert (status, out, headers["content-type"]) == (200, b"hello", "text/plain")


def test_write_time_checks(apigw: Any) -> None:
    api = Api(apigw, "checks")
    rid = api.resource("/x")
    apigw.put_method(restApiId=api.id, resourceId=rid, httpMethod="GET", authorizationType="NONE")
    cases = [
        ({"uri": "not-an-arn"}, "Invalid ARN specified in the request"),
        ({"uri": f"arn:aws:iam::{ACCOUNT}:role/x"},
         "AWS ARN for integration must contain path or action"),
        ({"uri": arn("sqs", "action", "SendMessage"), "credentials": "NONE"},
         "Invalid ARN specified in the request"),
    ]  # fmt: skip
    for extra, message in cases:
        with pytest.raises(ClientError) as err:
            apigw.put_integration(
                restApiId=api.id, resourceId=rid, httpMethod="GET", type="AWS",
                integrationHttpMethod="POST", **extra,
            )  # fmt: skip
        assert err.value.response["Error"]["Code"] == "BadRequestException"
        assert err.value.response["Error"]["Message"] == message
    # Both kinds of credentials are accepted.
    for credentials in (ROLE, "arn:aws:iam::*:user/*"):
        apigw.put_integration(
            restApiId=api.id, resourceId=rid, httpMethod="GET", type="AWS",
            integrationHttpMethod="POST", uri=arn("sqs", "action", "SendMessage"),
            credentials=credentials,
        )  # fmt: skip
    with pytest.raises(ClientError) as err:
        apigw.update_integration(
            restApiId=api.id, resourceId=rid, httpMethod="GET",
            patchOperations=[{"op": "replace", "path": "/credentials", "value": "role"}],
        )  # fmt: skip
    assert err.value.response["Error"]["Message"] == "Invalid ARN specified in the request"
