"""A Lambda REQUEST authorizer on ``$connect``: identity sources (401 when missing), the
policy it answers (403 on Deny), its context in later events."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.support.gateway import Gateway
from tests.websocket.conftest import (
    deploy,
    lambda_route,
    make_function,
    make_ws_api,
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
