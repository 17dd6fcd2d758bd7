"""Lambda authorizers (TOKEN and REQUEST) end to end with real functions: AWS's events, policy
evaluation, context passed on, result caching and FlushStageAuthorizersCache, and failures."""

from __future__ import annotations

import time
from typing import Any

import pytest
from tests.support.access import (
    add_method,
    authorizer_function,
    call,
    create_authorizer,
    deploy,
    make_api,
)
from tests.support.gateway import Gateway

AUTHORIZER = """
import json
CALLS = [0]

def handler(event, context):
    CALLS[0] += 1
    if event["type"] == "TOKEN":
        token = event["authorizationToken"]
    else:
        token = event["headers"]["x-user"] + "@" + event["queryStringParameters"]["tenant"]
    if token == "unauth":
        raise Exception("Unauthorized")
    if token == "boom":
        raise Exception("boom")
    if token == "bad":
        return {"principalId": "x"}
    arn = event["methodArn"]
    if token == "deny":
        effect, resource = "Deny", arn
    elif token == "narrow":
        effect, resource = "Allow", arn.rsplit("/", 2)[0] + "/GET/pets"
    else:
        effect, resource = "Allow", arn.split("/")[0] + "/*/*"
    return {"principalId": "p-" + token,
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]},
            "context": {"calls": CALLS[0], "ok": True, "type": event["type"],
                        "arn": arn}}
"""


@pytest.fixture(scope="module")
def api(gw: Gateway, apigw: Any) -> str:
    uri = authorizer_function(gw, "authz", AUTHORIZER)
    api_id = make_api(apigw, name="lambda-auth")
    token = create_authorizer(
        apigw,
        api_id,
        "tok",
        "TOKEN",
        "method.request.header.Authorization",
        authorizerUri=uri,
        identityValidationExpression="^[a-z]+$",
    )
    request = create_authorizer(
        apigw,
        api_id,
        "req",
        "REQUEST",
        "method.request.header.x-user, method.request.querystring.tenant",
        authorizerUri=uri,
        authorizerResultTtlInSeconds=0,
    )
    headers = {
        "x-principal": "context.authorizer.principalId",
        "x-calls": "context.authorizer.calls",
        "x-type": "context.authorizer.type",
        "x-arn": "context.authorizer.arn",
    }
    for path, verb in (("/pets", "GET"), ("/pets", "POST"), ("/pets/{id}", "GET")):
        add_method(
            apigw,
            api_id,
            path,
            verb,
            authorizationType="CUSTOM",
            authorizerId=token,
            headers=headers,
        )
    add_method(
        apigw, api_id, "/req", authorizationType="CUSTOM", authorizerId=request, headers=headers
    )
    deploy(gw, apigw, api_id)
    return api_id


def req(
    gw: Gateway, api: str, token: str | None, path: str = "/dev/pets", verb: str = "GET"
) -> tuple[int, dict[str, str], Any]:
    return call(gw, api, verb, path, headers={"Authorization": token} if token else {})


def test_allow_passes_context(gw: Gateway, api: str) -> None:
    status, headers, _ = req(gw, api, "alice", "/dev/pets/42")
    assert status == 200
    assert headers["x-principal"] == "p-alice" and headers["x-type"] == "TOKEN"
    assert headers["x-arn"].endswith(f":{api}/dev/GET/pets/42")


def test_results_cached_per_token_and_flushed(gw: Gateway, apigw: Any, api: str) -> None:
    first = req(gw, api, "carl")[1]["x-calls"]
    assert req(gw, api, "carl", verb="POST")[1]["x-calls"] == first  # cached across methods
    apigw.flush_stage_authorizers_cache(restApiId=api, stageName="dev")
    deadline = time.monotonic() + 5
    while req(gw, api, "carl")[1]["x-calls"] == first:
        assert time.monotonic() < deadline, "flush never reached the data plane"
        time.sleep(0.05)


def test_cached_policy_reevaluated_per_method(gw: Gateway, api: str) -> None:
    assert req(gw, api, "narrow")[0] == 200
    status, headers, doc = req(gw, api, "narrow", verb="POST")
    assert (status, doc) == (403, {"Message": "User is not authorized to access this resource"})
    assert headers["x-amzn-errortype"] == "AccessDeniedException"


def test_deny_unauthorized_and_errors(gw: Gateway, api: str) -> None:
    status, _, doc = req(gw, api, "deny")
    assert status == 403 and doc["Message"].startswith(
        "User is not authorized to access this resource with an explicit deny"
    )
    assert req(gw, api, "unauth")[:3:2] == (401, {"message": "Unauthorized"})
    status, headers, doc = req(gw, api, "boom")
    assert (status, doc) == (500, {"message": None})
    assert headers["x-amzn-errortype"] == "AuthorizerConfigurationException"
    assert req(gw, api, "bad")[:3:2] == (500, {"message": None})


def test_missing_or_invalid_identity_is_401_without_invoking(gw: Gateway, api: str) -> None:
    assert req(gw, api, None)[:3:2] == (401, {"message": "Unauthorized"})
    assert req(gw, api, "NOT-LOWER")[0] == 401  # identityValidationExpression


def test_request_authorizer(gw: Gateway, api: str) -> None:
    assert call(gw, api, "GET", "/dev/req?tenant=t1")[0] == 401
    assert call(gw, api, "GET", "/dev/req", headers={"x-user": "u"})[0] == 401
    status, headers, _ = call(gw, api, "GET", "/dev/req?tenant=t1", headers={"x-user": "u"})
    assert status == 200
    assert headers["x-principal"] == "p-u@t1" and headers["x-type"] == "REQUEST"
    # TTL 0: every request calls the function.
    again = call(gw, api, "GET", "/dev/req?tenant=t1", headers={"x-user": "u"})[1]
    assert again["x-calls"] != headers["x-calls"]
