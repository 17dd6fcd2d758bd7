"""Changes reach every worker: FlushStageAuthorizersCache and UpdateUsage go through the store's
runtime-change channel, a Lambda function write arrives with the next snapshot (its function
table), and each of two workers shows the effect.

The Lambda authorizer reports ``os.getppid()`` (the gateway worker that runs it) in its context,
so a response names the worker that served it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from tests.functions.conftest import make_zip
from tests.support.access import (
    add_method,
    authorizer_function,
    client,
    create_authorizer,
    deploy,
    make_api,
)
from tests.support.gateway import Gateway

AUTHORIZER = """
import os, time
VERSION = "%s"

def handler(event, context):
    arn = event["methodArn"]
    return {"principalId": "p",
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow",
                 "Resource": arn.split("/")[0] + "/*/*"}]},
            "context": {"worker": str(os.getppid()), "stamp": str(time.time_ns()),
                        "version": VERSION}}
"""
HEADERS = {
    "x-worker": "context.authorizer.worker",
    "x-stamp": "context.authorizer.stamp",
    "x-version": "context.authorizer.version",
}


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with Gateway(tmp_path_factory.mktemp("changes"), "--workers", "2") as g:
        yield g


@pytest.fixture(scope="module")
def api(gw: Gateway) -> str:
    apigw = client(gw)
    uri = authorizer_function(gw, "authz", AUTHORIZER % "1")
    api_id = make_api(apigw, name="changes")
    cached = create_authorizer(
        apigw,
        api_id,
        "cached",
        "TOKEN",
        "method.request.header.Authorization",
        authorizerUri=uri,
        authorizerResultTtlInSeconds=300,
    )
    fresh = create_authorizer(
        apigw,
        api_id,
        "fresh",
        "REQUEST",
        "method.request.header.x-user",
        authorizerUri=uri,
        authorizerResultTtlInSeconds=0,
    )
    for path, authorizer in (("/cached", cached), ("/fresh", fresh), ("/quota", fresh)):
        add_method(
            apigw,
            api_id,
            path,
            authorizationType="CUSTOM",
            authorizerId=authorizer,
            headers=HEADERS,
            apiKeyRequired=path == "/quota",
        )
    deploy(gw, apigw, api_id)
    return api_id


def per_worker(
    gw: Gateway,
    api: str,
    path: str,
    want: Callable[[str, dict[str, str]], bool],
    **headers: str,
) -> dict[str, dict[str, str]]:
    """Request ``path`` (a new connection each time, spread over the workers) until two workers
    have each answered a 200 ``want(worker, headers)`` accepts; their last answers."""
    found: dict[str, dict[str, str]] = {}
    deadline = time.monotonic() + 30
    while len(found) < 2:
        assert time.monotonic() < deadline, f"only {sorted(found)} answered as wanted"
        status, got, body = gw.request(
            "GET", path, api_id=api, headers={"Authorization": "tok", "x-user": "u", **headers}
        )
        if body in (b'{"message":"Forbidden"}', b'{"message":"Limit Exceeded"}'):
            continue  # a worker without the deployment yet; a quota not raised yet
        assert status == 200, body
        if want(got["x-worker"], got):
            found[got["x-worker"]] = got
    return found


def test_authorizer_cache_flush_reaches_every_worker(gw: Gateway, api: str) -> None:
    before = per_worker(gw, api, "/dev/cached", lambda _w, _h: True)
    # Cached: each worker answers its first result again.
    again = per_worker(gw, api, "/dev/cached", lambda _w, _h: True)
    assert {w: h["x-stamp"] for w, h in again.items()} == {
        w: h["x-stamp"] for w, h in before.items()
    }
    client(gw).flush_stage_authorizers_cache(restApiId=api, stageName="dev")
    # Whichever worker took the flush, both call the authorizer again.
    per_worker(gw, api, "/dev/cached", lambda w, h: h["x-stamp"] != before[w]["x-stamp"])


def test_function_change_reaches_every_worker(gw: Gateway, api: str) -> None:
    per_worker(gw, api, "/dev/fresh", lambda _w, h: h["x-version"] == "1")
    client(gw, "lambda").update_function_code(
        FunctionName="authz", ZipFile=make_zip({"app.py": AUTHORIZER % "2"})
    )
    per_worker(gw, api, "/dev/fresh", lambda _w, h: h["x-version"] == "2")
    assert all(
        h["x-version"] == "2"
        for h in per_worker(gw, api, "/dev/fresh", lambda _w, _h: True).values()
    )


def test_update_usage_reaches_every_worker(gw: Gateway, api: str) -> None:
    apigw = client(gw)
    plan = apigw.create_usage_plan(
        name="plan",
        quota={"limit": 1000, "period": "DAY"},
        apiStages=[{"apiId": api, "stage": "dev"}],
    )["id"]
    key = apigw.create_api_key(name="k", enabled=True)
    apigw.create_usage_plan_key(usagePlanId=plan, keyId=key["id"], keyType="API_KEY")
    headers = {"x-api-key": key["value"], "x-user": "u"}
    per_worker(gw, api, "/dev/quota", lambda _w, _h: True, **headers)  # both serve the key

    def remaining(value: int) -> None:
        apigw.update_usage(
            usagePlanId=plan,
            keyId=key["id"],
            patchOperations=[{"op": "replace", "path": "/remaining", "value": str(value)}],
        )

    # Nothing left: soon every request is refused, whichever worker serves it.
    remaining(0)
    deadline, refused = time.monotonic() + 30, 0
    while refused < 20:
        assert time.monotonic() < deadline, "a worker still serves a spent key"
        status = gw.request("GET", "/dev/quota", api_id=api, headers=headers)[0]
        refused = refused + 1 if status == 429 else 0
    # Whichever worker takes UpdateUsage, both serve the key again. (Plenty: what a worker
    # admitted before it learnt of remaining(0) is written after, and counts against it.)
    remaining(1_000_000)
    per_worker(gw, api, "/dev/quota", lambda _w, _h: True, **headers)
