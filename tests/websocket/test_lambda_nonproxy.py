"""Lambda functions behind WebSocket routes beyond the proxy events: AWS (non-proxy)
integrations, whose integration responses are chosen by matching the function error's
``errorMessage`` against ``/regex/`` keys (successes and unmatched errors take ``$default``);
and a handler that reaches this gateway's ``@connections`` at ``http://{domainName}/{stage}``
with ``domainName`` the ``*.localhost`` host the client connected to."""

from __future__ import annotations

import json
from typing import Any

from tests.functions.conftest import make_zip
from tests.support.gateway import Gateway
from tests.websocket.conftest import (
    ROLE,
    deploy,
    lambda_route,
    make_function,
    make_ws_api,
    wait_served,
    ws_connect,
)

NON_PROXY = """
def handler(event, context):
    kind = event.get("kind") if isinstance(event, dict) else None
    if kind == "bad":
        raise ValueError("BadInput: kind is bad")
    if kind == "boom":
        raise RuntimeError("boom")
    return {"got": event}
"""


# A success's kind, or (an error $default takes) the error's type.
DEFAULT_TEMPLATE = "{\"ok\": \"$input.path('$.got.kind')$input.path('$.errorType')\"}"


def test_aws_integration_responses_match_the_error_message(gw: Gateway, v2: Any) -> None:
    arn = make_function(gw, "wsNonProxy", NON_PROXY)
    api_id = make_ws_api(v2, "nonproxy")
    integ = v2.create_integration(
        ApiId=api_id,
        IntegrationType="AWS",
        IntegrationUri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations",
    )["IntegrationId"]
    route = v2.create_route(ApiId=api_id, RouteKey="$default", Target=f"integrations/{integ}")
    v2.create_integration_response(
        ApiId=api_id, IntegrationId=integ, IntegrationResponseKey="/BadInput:.*/",
        ResponseTemplates={"$default": '{"error": $input.json(\'$.errorMessage\')}'},
        TemplateSelectionExpression="\\$default",
    )  # fmt: skip
    v2.create_integration_response(
        ApiId=api_id, IntegrationId=integ, IntegrationResponseKey="$default",
        ResponseTemplates={"$default": DEFAULT_TEMPLATE},
        TemplateSelectionExpression="\\$default",
    )  # fmt: skip
    v2.create_route_response(ApiId=api_id, RouteId=route["RouteId"], RouteResponseKey="$default")
    deploy(v2, api_id)
    wait_served(gw, api_id)
    with ws_connect(gw, api_id) as ws:
        ws.send(json.dumps({"kind": "good"}))
        assert json.loads(ws.recv(timeout=20)) == {"ok": "good"}
        ws.send(json.dumps({"kind": "bad"}))
        assert json.loads(ws.recv(timeout=20)) == {"error": "BadInput: kind is bad"}
        # An error no key matches takes $default, as REST's default integration response.
        ws.send(json.dumps({"kind": "boom"}))
        assert json.loads(ws.recv(timeout=20)) == {"ok": "RuntimeError"}


def test_unmatched_function_error_without_default_is_internal_server_error(
    gw: Gateway, v2: Any
) -> None:
    arn = make_function(gw, "wsNonProxyStrict", NON_PROXY)
    api_id = make_ws_api(v2, "nonproxystrict")
    integ = v2.create_integration(ApiId=api_id, IntegrationType="AWS", IntegrationUri=arn)[
        "IntegrationId"
    ]
    route = v2.create_route(ApiId=api_id, RouteKey="$default", Target=f"integrations/{integ}")
    v2.create_integration_response(
        ApiId=api_id, IntegrationId=integ, IntegrationResponseKey="/BadInput:.*/",
        ResponseTemplates={"$default": '"bad"'}, TemplateSelectionExpression="\\$default",
    )  # fmt: skip
    v2.create_route_response(ApiId=api_id, RouteId=route["RouteId"], RouteResponseKey="$default")
    deploy(v2, api_id)
    wait_served(gw, api_id)
    with ws_connect(gw, api_id) as ws:
        ws.send(json.dumps({"kind": "bad"}))
        assert ws.recv(timeout=20) == '"bad"'
        ws.send(json.dumps({"kind": "boom"}))
        assert json.loads(ws.recv(timeout=20))["message"] == "Internal server error"


# Posts the message back to its own connection through the endpoint built from the event, as
# AWS's examples do; the IAM user's key comes from a credentials file shipped with the code.
POSTER = """
import boto3

def handler(event, context):
    ctx = event["requestContext"]
    api = boto3.client("apigatewaymanagementapi", region_name="us-east-1",
                       endpoint_url=f"http://{ctx['domainName']}/{ctx['stage']}")
    api.post_to_connection(ConnectionId=ctx["connectionId"],
                           Data=("echo " + event["body"]).encode())
    return {"statusCode": 200}
"""


def test_handler_reaches_the_gateway_at_its_localhost_domain_name(gw: Gateway, v2: Any) -> None:
    iam = gw.admin_client("iam")
    iam.create_user(UserName="wsposter")
    key = iam.create_access_key(UserName="wsposter")["AccessKey"]
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
              "Action": "execute-api:ManageConnections", "Resource": "*"}]}  # fmt: skip
    iam.put_user_policy(UserName="wsposter", PolicyName="ws", PolicyDocument=json.dumps(policy))
    credentials = (
        f"[default]\naws_access_key_id = {key['AccessKeyId']}\n"
        f"aws_secret_access_key = {key['SecretAccessKey']}\n"
    )
    lam = gw.admin_client("lambda")
    arn = lam.create_function(
        FunctionName="wsPoster", Runtime="python3.12", Role=ROLE, Handler="app.handler",
        Code={"ZipFile": make_zip({"app.py": POSTER, "credentials": credentials})},
        Environment={"Variables": {"AWS_SHARED_CREDENTIALS_FILE": "credentials"}},
    )["FunctionArn"]  # fmt: skip
    lam.add_permission(
        FunctionName="wsPoster", StatementId="apigw", Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
    )  # fmt: skip
    api_id = make_ws_api(v2, "poster")
    lambda_route(v2, api_id, "$default", arn)
    deploy(v2, api_id)
    wait_served(gw, api_id)
    # The client connects to ws://{apiId}.execute-api.localhost:{port}/dev: the event's
    # domainName is that host, which the function's process must resolve to this gateway.
    with ws_connect(gw, api_id) as ws:
        ws.send("hello")
        assert ws.recv(timeout=30) == "echo hello"
