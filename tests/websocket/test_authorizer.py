"""A Lambda REQUEST authorizer on ``$connect``: identity sources (401 when missing), the
policy it answers (403 on Deny), its context in later events."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from tests.support.gateway import Gateway
from tests.websocket.conftest import (
    deploy,
    lambda_route,
    make_function,
    make_ws_api,
    mock_route,
    wait_served,
    ws_connect,
)
from websockets.exceptions import InvalidStatus

AUTHORIZER = """
def handler(event, context):
    token = event["queryStringParameters"].get("token")
    if token == "raise":
        raise Exception("Unauthorized")
    effect = "Allow" if token == "good" else "Deny"
    return {
        "principalId": "user-1",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect,
                           "Resource": event["methodArn"]}],
        },
        "context": {"room": "blue"},
    }
"""
ECHO = """
import json
import time

def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event["requestContext"].get("authorizer"))}
"""


@pytest.fixture(scope="module")
def api(gw: Gateway, v2: Any) -> str:
    auth_arn = make_function(gw, "wsAuthorizer", AUTHORIZER)
    echo_arn = make_function(gw, "wsAuthEcho", ECHO)
    api_id = make_ws_api(v2, "authorized")
    authorizer = v2.create_authorizer(
        ApiId=api_id,
        Name="tokens",
        AuthorizerType="REQUEST",
        AuthorizerUri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{auth_arn}/invocations",
        IdentitySource=["route.request.querystring.token"],
    )
    integ = v2.create_integration(
        ApiId=api_id, IntegrationType="MOCK",
        RequestTemplates={"$default": '{"statusCode": 200}'},
        TemplateSelectionExpression="\\$default",
    )  # fmt: skip
    v2.create_route(
        ApiId=api_id,
        RouteKey="$connect",
        Target=f"integrations/{integ['IntegrationId']}",
        AuthorizationType="CUSTOM",
        AuthorizerId=authorizer["AuthorizerId"],
    )
    lambda_route(v2, api_id, "$default", echo_arn, respond=True)
    deploy(v2, api_id)
    return api_id


def _status(gw: Gateway, api_id: str, path: str) -> int:
    with pytest.raises(InvalidStatus) as info:
        ws_connect(gw, api_id, path)
    return int(info.value.response.status_code)


def test_allowed_connection_carries_the_context(gw: Gateway, api: str) -> None:
    wait_served(gw, api, "dev?token=good")
    with ws_connect(gw, api, "/dev?token=good") as ws:
        ws.send("hi")
        assert json.loads(ws.recv(timeout=10)) == {"principalId": "user-1", "room": "blue"}


def test_denied_missing_and_unauthorized(gw: Gateway, api: str) -> None:
    wait_served(gw, api, "dev?token=good")
    assert _status(gw, api, "/dev?token=bad") == 403
    assert _status(gw, api, "/dev") == 401
    assert _status(gw, api, "/dev?token=raise") == 401


def _signed_headers(gw: Gateway, api_id: str, key: dict[str, str]) -> dict[str, str]:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="GET", url=f"http://{gw.host(api_id)}/dev",
                         headers={"Host": gw.host(api_id)})  # fmt: skip
    creds = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
    SigV4Auth(creds, "execute-api", "us-east-1").add_auth(request)
    return {k: v for k, v in request.headers.items() if k.lower() != "host"}


def test_aws_iam_on_connect(gw: Gateway, v2: Any) -> None:
    iam = gw.admin_client("iam")
    keys = {}
    for user, effect in (("wsallowed", "Allow"), ("wsdenied", "Deny")):
        iam.create_user(UserName=user)
        keys[user] = iam.create_access_key(UserName=user)["AccessKey"]
        statement = {"Effect": effect, "Action": "execute-api:Invoke",
                     "Resource": "arn:aws:execute-api:us-east-1:*:*/dev/$connect"}  # fmt: skip
        policy = {"Version": "2012-10-17", "Statement": [statement]}
        iam.put_user_policy(UserName=user, PolicyName="ws", PolicyDocument=json.dumps(policy))
    api_id = make_ws_api(v2, "iam")
    integ = v2.create_integration(
        ApiId=api_id, IntegrationType="MOCK",
        RequestTemplates={"$default": '{"statusCode": 200}'},
    )  # fmt: skip
    target = f"integrations/{integ['IntegrationId']}"
    v2.create_route(ApiId=api_id, RouteKey="$connect", Target=target, AuthorizationType="AWS_IAM")
    mock_route(v2, api_id, "$default", response='"$context.identity.userArn"')
    deploy(v2, api_id)
    headers = _signed_headers(gw, api_id, keys["wsallowed"])
    deadline = time.monotonic() + 10
    while True:
        try:
            ws = ws_connect(gw, api_id, additional_headers=headers)
            break
        except Exception:
            assert time.monotonic() < deadline
            time.sleep(0.2)
    with ws:
        ws.send("who")
        assert ws.recv(timeout=5) == '"arn:aws:iam::123456789012:user/wsallowed"'
    assert _status(gw, api_id, "/dev") == 403  # unsigned
    with pytest.raises(InvalidStatus) as info:
        ws_connect(gw, api_id, additional_headers=_signed_headers(gw, api_id, keys["wsdenied"]))
    assert info.value.response.status_code == 403
