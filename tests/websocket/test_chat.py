"""AWS's WebSocket chat example end to end, set up with the AWS CLI: ``$connect`` stores the
connection (DynamoDB, on the moto server), ``sendmessage`` posts to every stored connection
through ``apigatewaymanagementapi`` from inside the handler (endpoint built from the event's
``domainName`` and ``stage``), ``$disconnect`` removes it; two clients exchange messages.

Functions have no execution-role credentials here: the handler's boto3 finds an IAM user's key
through ``AWS_SHARED_CREDENTIALS_FILE`` (a file shipped in its code), unchanged otherwise."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from tests.functions.conftest import make_zip
from tests.support import moto
from tests.support.awscli import run_aws
from tests.support.gateway import Gateway

# AWS's sample (simple-websockets-chat-app) in Python, DynamoDB table from TABLE_NAME.
CHAT = """
import json, os
import boto3

TABLE = os.environ["TABLE_NAME"]
ddb = boto3.client("dynamodb")


def on_connect(event, context):
    cid = event["requestContext"]["connectionId"]
    ddb.put_item(TableName=TABLE, Item={"connectionId": {"S": cid}})
    return {"statusCode": 200, "body": "Connected."}


def on_disconnect(event, context):
    cid = event["requestContext"]["connectionId"]
    ddb.delete_item(TableName=TABLE, Key={"connectionId": {"S": cid}})
    return {"statusCode": 200, "body": "Disconnected."}


def send_message(event, context):
    ctx = event["requestContext"]
    api = boto3.client(
        "apigatewaymanagementapi", endpoint_url=f"http://{ctx['domainName']}/{ctx['stage']}"
    )
    data = json.loads(event["body"])["message"]
    items = ddb.scan(TableName=TABLE, ProjectionExpression="connectionId")["Items"]
    for item in items:
        cid = item["connectionId"]["S"]
        try:
            api.post_to_connection(ConnectionId=cid, Data=data.encode())
        except api.exceptions.GoneException:
            ddb.delete_item(TableName=TABLE, Key={"connectionId": {"S": cid}})
    return {"statusCode": 200, "body": "Data sent."}
"""
ROLE = "arn:aws:iam::123456789012:role/chat-role"


def _aws(gw: Gateway, *args: str) -> Any:
    proc = run_aws(f"http://127.0.0.1:{gw.admin_port}", *args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout) if proc.stdout.strip() else None


def _user_key(gw: Gateway) -> dict[str, str]:
    _aws(gw, "iam", "create-user", "--user-name", "chat")
    key = _aws(gw, "iam", "create-access-key", "--user-name", "chat")["AccessKey"]
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
              "Action": "execute-api:ManageConnections", "Resource": "*"}]}  # fmt: skip
    _aws(gw, "iam", "put-user-policy", "--user-name", "chat", "--policy-name", "ws",
         "--policy-document", json.dumps(policy))  # fmt: skip
    return {"id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}


def test_chat_example(tmp_path: Path, aws_endpoint: str) -> None:
    moto.client(aws_endpoint, "dynamodb").create_table(
        TableName="connections",
        KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "connectionId", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    with Gateway(tmp_path / "data") as gw:
        key = _user_key(gw)
        credentials = f"[default]\naws_access_key_id = {key['id']}\n" \
                      f"aws_secret_access_key = {key['secret']}\n"  # fmt: skip
        (tmp_path / "chat.zip").write_bytes(make_zip({"app.py": CHAT, "credentials": credentials}))
        variables = {"TABLE_NAME": "connections", "AWS_SHARED_CREDENTIALS_FILE": "credentials",
                     "AWS_ENDPOINT_URL_DYNAMODB": aws_endpoint}  # fmt: skip
        api = _aws(gw, "apigatewayv2", "create-api", "--name", "chat",
                   "--protocol-type", "WEBSOCKET",
                   "--route-selection-expression", "$request.body.action")  # fmt: skip
        api_id = api["ApiId"]
        source = f"arn:aws:execute-api:us-east-1:123456789012:{api_id}"
        for name, handler, key_ in (("onConnect", "on_connect", "$connect"),
                                    ("onDisconnect", "on_disconnect", "$disconnect"),
                                    ("sendMessage", "send_message", "sendmessage")):  # fmt: skip
            fn = _aws(gw, "lambda", "create-function", "--function-name", name,
                      "--runtime", "python3.12", "--role", ROLE, "--handler", f"app.{handler}",
                      "--zip-file", f"fileb://{tmp_path / 'chat.zip'}",
                      "--environment", json.dumps({"Variables": variables}))  # fmt: skip
            _aws(gw, "lambda", "add-permission", "--function-name", name,
                 "--statement-id", "apigw", "--action", "lambda:InvokeFunction",
                 "--principal", "apigateway.amazonaws.com",
                 "--source-arn", f"{source}/*")  # fmt: skip
            integ = _aws(gw, "apigatewayv2", "create-integration", "--api-id", api_id,
                         "--integration-type", "AWS_PROXY",
                         "--integration-uri", fn["FunctionArn"])  # fmt: skip
            _aws(gw, "apigatewayv2", "create-route", "--api-id", api_id, "--route-key", key_,
                 "--target", f"integrations/{integ['IntegrationId']}")  # fmt: skip
        _aws(gw, "apigatewayv2", "create-stage", "--api-id", api_id, "--stage-name", "production")
        _aws(gw, "apigatewayv2", "create-deployment", "--api-id", api_id,
             "--stage-name", "production")  # fmt: skip

        # The path form: the handler's endpoint (http://{domainName}/{stage}) then needs no
        # name resolution for *.localhost in the function's process.
        path = f"/_aws/execute-api/{api_id}/production"
        deadline = time.monotonic() + 15
        while True:
            try:
                alice = _path_connect(gw, path)
                break
            except Exception:
                assert time.monotonic() < deadline, "the chat API was not served"
                time.sleep(0.2)
        with alice, _path_connect(gw, path) as bob:
            alice.send(json.dumps({"action": "sendmessage", "message": "hi"}))
            assert alice.recv(timeout=20) == "hi"
            assert bob.recv(timeout=20) == "hi"
            bob.send(json.dumps({"action": "sendmessage", "message": "hello alice"}))
            assert alice.recv(timeout=20) == "hello alice"
            assert bob.recv(timeout=20) == "hello alice"
            table = moto.client(aws_endpoint, "dynamodb")
            assert len(table.scan(TableName="connections")["Items"]) == 2
        deadline = time.monotonic() + 15
        while table.scan(TableName="connections")["Items"]:
            assert time.monotonic() < deadline, "$disconnect did not remove the connections"
            time.sleep(0.2)


def _path_connect(gw: Gateway, path: str) -> Any:
    import socket

    from websockets.sync.client import connect

    sock = socket.create_connection(("127.0.0.1", gw.port))
    return connect(f"ws://127.0.0.1:{gw.port}{path}", sock=sock, open_timeout=10)
