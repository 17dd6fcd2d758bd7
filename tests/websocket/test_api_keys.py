"""API keys of WebSocket APIs, set up with boto3 (apigateway for keys and usage plans,
apigatewayv2 for the API): ``apiKeyRequired`` on ``$connect`` refuses the handshake with 403
without an enabled key of a usage plan of the stage; on a message route the connection's key
is checked again (the Forbidden frame, connection kept); the plan's quota counts; the key may
come from the authorizer (``$context.authorizer.usageIdentifierKey``)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.support.gateway import Gateway
from tests.websocket.conftest import deploy, make_function, make_ws_api, mock_route, ws_connect
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection

GOOD = "wskeygood0123456789abcdef"
DISABLED = "wskeydisabled0123456789ab"
PLANLESS = "wskeyplanless0123456789ab"


def _key_route(v2: Any, api_id: str, key: str, response: str | None = None) -> None:
    route_id = mock_route(v2, api_id, key, response=response)
    v2.update_route(ApiId=api_id, RouteId=route_id, ApiKeyRequired=True)


def _plan(apigw: Any, api_id: str, keys: dict[str, bool], **plan: Any) -> None:
    created = apigw.create_usage_plan(
        name=f"plan-{api_id}", apiStages=[{"apiId": api_id, "stage": "dev"}], **plan
    )
    for value, enabled in keys.items():
        key = apigw.create_api_key(name=f"{api_id}{value}", value=f"{api_id}{value}",
                                   enabled=enabled)  # fmt: skip
        apigw.create_usage_plan_key(usagePlanId=created["id"], keyId=key["id"], keyType="API_KEY")


def _connect(gw: Gateway, api_id: str, key: str | None, path: str = "/dev") -> ClientConnection:
    headers = {"x-api-key": key} if key else None
    return ws_connect(gw, api_id, path, additional_headers=headers)


def _refused(gw: Gateway, api_id: str, key: str | None, path: str = "/dev") -> tuple[int, Any]:
    with pytest.raises(InvalidStatus) as info:
        _connect(gw, api_id, key, path)
    response = info.value.response
    return int(response.status_code), json.loads(response.body or b"null")


def _served(gw: Gateway, api_id: str, key: str | None, path: str = "/dev") -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            with _connect(gw, api_id, key, path):
                return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture(scope="module")
def apigw(gw: Gateway) -> Any:
    return gw.admin_client("apigateway")


@pytest.fixture(scope="module")
def keyed(gw: Gateway, v2: Any, apigw: Any) -> str:
    api_id = make_ws_api(v2, "keyed")
    _key_route(v2, api_id, "$connect")
    mock_route(v2, api_id, "ping", response="pong $context.identity.apiKeyId")
    deploy(v2, api_id)
    _plan(apigw, api_id, {GOOD: True, DISABLED: False})
    apigw.create_api_key(name="planless", value=f"{api_id}{PLANLESS}", enabled=True)
    _served(gw, api_id, api_id + GOOD)
    return api_id


def test_connect_requires_a_key_of_the_stage(gw: Gateway, keyed: str, apigw: Any) -> None:
    for key in (None, "wrong-key-0123456789abcdef", keyed + DISABLED, keyed + PLANLESS):
        assert _refused(gw, keyed, key) == (403, {"message": "Forbidden"}), key
    key_id = next(k["id"] for k in apigw.get_api_keys()["items"] if k["name"] == keyed + GOOD)
    with _connect(gw, keyed, keyed + GOOD) as ws:
        ws.send(json.dumps({"action": "ping"}))
        assert ws.recv(timeout=10) == f"pong {key_id}"


def test_disabling_the_key_refuses_new_connections(gw: Gateway, keyed: str, apigw: Any) -> None:
    value = keyed + "wskeytoggle0123456789"
    key = apigw.create_api_key(name="toggle", value=value, enabled=True)
    plan = next(p for p in apigw.get_usage_plans()["items"] if p["name"] == f"plan-{keyed}")
    apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    _served(gw, keyed, value)
    patch = [{"op": "replace", "path": "/enabled", "value": "false"}]
    apigw.update_api_key(apiKey=key["id"], patchOperations=patch)
    deadline = time.monotonic() + 10
    while _status(gw, keyed, value) != 403 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _refused(gw, keyed, value) == (403, {"message": "Forbidden"})


def _status(gw: Gateway, api_id: str, key: str) -> int:
    try:
        with _connect(gw, api_id, key):
            return 101
    except InvalidStatus as exc:
        return int(exc.response.status_code)


def test_message_route_checks_the_connections_key(gw: Gateway, v2: Any, apigw: Any) -> None:
    api_id = make_ws_api(v2, "keyedroute")
    mock_route(v2, api_id, "$default", response="open")
    _key_route(v2, api_id, "secret", response="secret")
    deploy(v2, api_id)
    _plan(apigw, api_id, {GOOD: True})
    _served(gw, api_id, None)
    with _connect(gw, api_id, None) as ws:
        ws.send(json.dumps({"action": "secret"}))
        frame = json.loads(ws.recv(timeout=10))
        assert frame["message"] == "Forbidden"
        assert set(frame) == {"message", "connectionId", "requestId"}
        ws.send("anything")  # the connection is kept
        assert ws.recv(timeout=10) == "open"
    with _connect(gw, api_id, api_id + GOOD) as ws:
        ws.send(json.dumps({"action": "secret"}))
        assert ws.recv(timeout=10) == "secret"


def test_the_plans_quota_counts_connects_and_key_routes(gw: Gateway, v2: Any, apigw: Any) -> None:
    api_id = make_ws_api(v2, "quota")
    _key_route(v2, api_id, "$connect")
    _key_route(v2, api_id, "secret", response="secret")
    mock_route(v2, api_id, "free", response="free")
    deploy(v2, api_id)
    # Room for the waits until served, one connect and two messages; then the quota is spent.
    _plan(apigw, api_id, {GOOD: True}, quota={"limit": 1000, "period": "DAY"})
    key = api_id + GOOD
    _served(gw, api_id, key)
    usage_plan = next(p for p in apigw.get_usage_plans()["items"] if p["name"] == f"plan-{api_id}")
    patch = [{"op": "replace", "path": "/quota/limit", "value": "0"}]
    with _connect(gw, api_id, key) as ws:
        ws.send(json.dumps({"action": "secret"}))
        assert ws.recv(timeout=10) == "secret"
        apigw.update_usage_plan(usagePlanId=usage_plan["id"], patchOperations=patch)
        deadline = time.monotonic() + 10
        while True:  # until the workers see the new quota
            ws.send(json.dumps({"action": "secret"}))
            answer = ws.recv(timeout=10)
            if answer != "secret" or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert json.loads(answer)["message"] == "Too Many Requests"
        ws.send(json.dumps({"action": "free"}))  # a route without a key is not counted
        assert ws.recv(timeout=10) == "free"
    assert _refused(gw, api_id, key) == (429, {"message": "Too Many Requests"})


AUTHORIZER = """
def handler(event, context):
    return {
        "principalId": "user-1",
        "usageIdentifierKey": event["queryStringParameters"].get("key", ""),
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow",
                           "Resource": event["methodArn"]}],
        },
    }
"""


def test_key_from_the_authorizer(gw: Gateway, v2: Any, apigw: Any) -> None:
    arn = make_function(gw, "wsKeyAuthorizer", AUTHORIZER)
    api = v2.create_api(
        Name="authkey", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action",
        ApiKeySelectionExpression="$context.authorizer.usageIdentifierKey",
    )  # fmt: skip
    api_id = api["ApiId"]
    assert api["ApiKeySelectionExpression"] == "$context.authorizer.usageIdentifierKey"
    authorizer = v2.create_authorizer(
        ApiId=api_id, Name="keys", AuthorizerType="REQUEST",
        AuthorizerUri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations",
        IdentitySource=["route.request.querystring.key"],
    )  # fmt: skip
    route_id = mock_route(v2, api_id, "$connect")
    v2.update_route(
        ApiId=api_id,
        RouteId=route_id,
        ApiKeyRequired=True,
        AuthorizationType="CUSTOM",
        AuthorizerId=authorizer["AuthorizerId"],
    )
    mock_route(v2, api_id, "$default", response="in")
    deploy(v2, api_id)
    _plan(apigw, api_id, {GOOD: True})
    good = f"/dev?key={api_id}{GOOD}"
    _served(gw, api_id, None, good)
    # The header is not where this API reads keys from.
    assert _refused(gw, api_id, api_id + GOOD, "/dev?key=nokey")[0] == 403
    with _connect(gw, api_id, None, good) as ws:
        ws.send("hi")
        assert ws.recv(timeout=10) == "in"


def test_usage_plans_take_websocket_stages_not_http_ones(gw: Gateway, v2: Any, apigw: Any) -> None:
    ws_api = make_ws_api(v2, "planned")
    v2.create_stage(ApiId=ws_api, StageName="prod")
    plan = apigw.create_usage_plan(name="ws-plan", apiStages=[{"apiId": ws_api, "stage": "prod"}])
    assert plan["apiStages"] == [{"apiId": ws_api, "stage": "prod"}]
    http_api = v2.create_api(Name="h", ProtocolType="HTTP")["ApiId"]
    v2.create_stage(ApiId=http_api, StageName="prod")
    for api_id, stage in ((http_api, "prod"), (ws_api, "nope")):
        with pytest.raises(ClientError) as info:
            apigw.create_usage_plan(name="bad", apiStages=[{"apiId": api_id, "stage": stage}])
        assert info.value.response["Error"]["Code"] == "NotFoundException"
        assert f"Invalid API Stage {{api: {api_id}, stage: {stage}}}" in str(info.value)
