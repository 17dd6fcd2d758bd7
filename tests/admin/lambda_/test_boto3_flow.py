"""The same management flow with boto3: function lifecycle (get, list, update code and
configuration, policy, delete), Invoke in both modes, and the REST API in front of it."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from tests.functions.conftest import ROLE, make_zip, proxy_api
from tests.support.gateway import Gateway

V1 = """
import os
def handler(event, context):
    return {"statusCode": 200, "body": "v1 " + os.environ.get("GREETING", "-")}
"""
V2 = """
import os
def handler(event, context):
    print("event", event)
    return {"statusCode": 200, "body": "v2 " + os.environ.get("GREETING", "-")}
"""


def test_lifecycle(lam: Any, apigw: Any, gateway: Gateway) -> None:
    out = lam.create_function(
        FunctionName="life",
        Runtime="python3.11",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": make_zip({"app.py": V1})},
        Environment={"Variables": {"GREETING": "hi"}},
    )
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.create_function(
            FunctionName="life",
            Runtime="python3.11",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": make_zip({"app.py": V1})},
        )
    arn = out["FunctionArn"]
    assert lam.get_function(FunctionName="life")["Configuration"]["CodeSha256"] == out["CodeSha256"]
    assert "life" in [f["FunctionName"] for f in lam.list_functions()["Functions"]]
    lam.add_permission(
        FunctionName="life",
        StatementId="s1",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn="arn:aws:execute-api:us-east-1:123456789012:*/dev/GET/hello",
    )
    api = proxy_api(apigw, arn, gw=gateway)
    assert gateway.request("GET", "/dev/hello", api_id=api)[2] == b"v1 hi"

    updated = lam.update_function_code(FunctionName="life", ZipFile=make_zip({"app.py": V2}))
    assert updated["CodeSha256"] != out["CodeSha256"]
    assert gateway.request("GET", "/dev/hello", api_id=api)[2] == b"v2 hi"
    lam.update_function_configuration(
        FunctionName="life", Environment={"Variables": {"GREETING": "yo"}}
    )
    assert gateway.request("GET", "/dev/hello", api_id=api)[2] == b"v2 yo"

    res = lam.invoke(FunctionName="life", Payload=b'{"a": 1}', LogType="Tail")
    assert json.loads(res["Payload"].read()) == {"statusCode": 200, "body": "v2 yo"}
    tail = base64.b64decode(res["LogResult"]).decode()
    assert "START RequestId:" in tail and "event {'a': 1}" in tail and "REPORT RequestId:" in tail
    order = [tail.index(t) for t in ("START", "event {'a': 1}", "END RequestId", "REPORT")]
    assert order == sorted(order), tail
    assert (
        lam.invoke(FunctionName="life", InvocationType="Event", Payload=b"{}")["StatusCode"] == 202
    )

    lam.remove_permission(FunctionName="life", StatementId="s1")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_policy(FunctionName="life")
    assert gateway.request("GET", "/dev/hello", api_id=api)[0] == 500  # permission gone

    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.update_function_configuration(
            FunctionName="life", Environment={"Variables": {"AWS_REGION": "x"}}
        )
    lam.delete_function(FunctionName="life")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName="life", Payload=b"{}")
    deadline = time.monotonic() + 5
    while gateway.request("GET", "/dev/hello", api_id=api)[0] != 500:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_tags_given_at_creation_are_kept(lam: Any) -> None:
    out = lam.create_function(
        FunctionName="tagged",
        Runtime="python3.11",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": make_zip({"app.py": V1})},
        Tags={"team": "orders", "frontgate:stack-name": "shop"},
    )
    want = {"team": "orders", "frontgate:stack-name": "shop"}
    assert lam.get_function(FunctionName="tagged")["Tags"] == want
    assert lam.list_tags(Resource=out["FunctionArn"])["Tags"] == want
    assert "Tags" not in lam.get_function_configuration(FunctionName="tagged")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.list_tags(Resource=out["FunctionArn"] + "-nope")
    lam.delete_function(FunctionName="tagged")
