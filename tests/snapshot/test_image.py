"""The compiled-snapshot image (snapshot/image.py): a stage using every feature survives
dump_stage → StageLoader part by part and serves exactly as the stage it was dumped from; the
snapshot's other fields survive dump_globals → load_globals → assemble; what is loaded is as
immutable as what was compiled."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from tests.snapshot.test_immutable import _state

from frontgate.compile.compiler import compile_stage
from frontgate.compile.httpapi import compile_http_stage
from frontgate.counters import Bucket
from frontgate.deferred import Deferred, wait
from frontgate.definition.httpapis import HttpApiDefinition
from frontgate.http.message import Request, Response
from frontgate.iam.identities import IamIndex, Identity, KeyEntry
from frontgate.iam.policy import compile_policy
from frontgate.observe.observer import Observer
from frontgate.openapi import import_openapi
from frontgate.pipeline.env import Env
from frontgate.pipeline.runner import Pipeline
from frontgate.snapshot.image import (
    StageLoader,
    StageTokens,
    assemble,
    dump_globals,
    dump_stage,
    load_globals,
    load_stage,
)
from frontgate.snapshot.snapshot import Snapshot, Stage
from frontgate.traffic.keys import KeyIndex, KeyRecord, PlanBinding
from frontgate.upstream.pool import UpstreamPool

LAMBDA = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:{}/invocations"
)
COLOR_TEMPLATE = '{"color": "$stageVariables.color"}'
PROXY = {"integration.request.path.proxy": "method.request.path.proxy"}
POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_x"
VALIDATED: dict[str, Any] = {"x-amazon-apigateway-request-validator": "all"}
MOCK_200 = {
    "type": "mock",
    "requestTemplates": {"application/json": '{"statusCode": 200}'},
    "responses": {"default": {"statusCode": "200"}},
}


def _op(integration: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "responses": {"200": {"description": "ok", "headers": {"X-Color": {"schema": {}}}}},
        "x-amazon-apigateway-integration": integration or MOCK_200,
        **extra,
    }


POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
         "Resource": "execute-api:/*"},
        {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
         "Resource": "execute-api:/*/GET/denied"},
        {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
         "Resource": "execute-api:/*", "Condition": {"StringEquals": {"aws:UserAgent": "blocked"}}},
    ],
}  # fmt: skip

SPEC: dict[str, Any] = {
    "openapi": "3.0.1",
    "info": {"title": "everything", "version": "1"},
    "paths": {
        "/open": {
            "get": _op(
                {
                    "type": "mock",
                    "requestTemplates": {"application/json": '{"statusCode": 200}'},
                    "responses": {
                        "default": {
                            "statusCode": "200",
                            "responseParameters": {
                                "method.response.header.X-Color": "stageVariables.color"
                            },
                            "responseTemplates": {"application/json": COLOR_TEMPLATE},
                        }
                    },
                }
            )
        },
        "/denied": {"get": _op()},
        "/iam": {"get": _op(security=[{"sigv4": []}])},
        "/token": {"get": _op(security=[{"token": []}])},
        "/request": {"get": _op(security=[{"request": []}])},
        "/cognito": {"get": _op(security=[{"cognito": ["read"]}])},
        "/keyed": {"get": _op(security=[{"api_key": []}])},
        "/pets": {
            "post": _op(
                parameters=[
                    {
                        "name": "x-client",
                        "in": "header",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                requestBody={
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}
                    },
                },
                **VALIDATED,
            )
        },
        "/items/{id}": {
            "get": _op(
                {
                    "type": "http",
                    "httpMethod": "GET",
                    "uri": "http://127.0.0.1:9/${stageVariables.color}/{id}",
                    "requestParameters": {
                        "integration.request.path.id": "method.request.path.id",
                        "integration.request.header.X-From": "'image'",
                    },
                    "responses": {"default": {"statusCode": "200"}},
                },
                parameters=[
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
            )
        },
        "/proxy/{proxy+}": {
            "x-amazon-apigateway-any-method": _op(
                {
                    "type": "http_proxy",
                    "httpMethod": "ANY",
                    "uri": "http://127.0.0.1:9/{proxy}",
                    "requestParameters": PROXY,
                },
                parameters=[
                    {"name": "proxy", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
            )
        },
        "/fn": {
            "post": _op({"type": "aws_proxy", "httpMethod": "POST", "uri": LAMBDA.format("fn")})
        },
    },
    "components": {
        "schemas": {
            "Tag": {"type": "string", "maxLength": 5},
            "Pet": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "tag": {"$ref": "#/components/schemas/Tag"},
                },
            },
        },
        "securitySchemes": {
            "sigv4": {
                "type": "apiKey",
                "name": "Authorization",
                "in": "header",
                "x-amazon-apigateway-authtype": "awsSigv4",
            },
            "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
            "token": {
                "type": "apiKey",
                "name": "Authorization",
                "in": "header",
                "x-amazon-apigateway-authtype": "custom",
                "x-amazon-apigateway-authorizer": {
                    "type": "token",
                    "authorizerUri": LAMBDA.format("authz"),
                    "identityValidationExpression": "^Bearer [a-z]+$",
                    "authorizerResultTtlInSeconds": 60,
                },
            },
            "request": {
                "type": "apiKey",
                "name": "Unused",
                "in": "header",
                "x-amazon-apigateway-authtype": "custom",
                "x-amazon-apigateway-authorizer": {
                    "type": "request",
                    "authorizerUri": LAMBDA.format("authz"),
                    "identitySource": "method.request.header.X-Who, method.request.querystring.q",
                    "authorizerResultTtlInSeconds": 0,
                },
            },
            "cognito": {
                "type": "apiKey",
                "name": "Authorization",
                "in": "header",
                "x-amazon-apigateway-authtype": "cognito_user_pools",
                "x-amazon-apigateway-authorizer": {
                    "type": "cognito_user_pools",
                    "providerARNs": [POOL],
                },
            },
        },
    },
    "x-amazon-apigateway-request-validators": {
        "all": {"validateRequestBody": True, "validateRequestParameters": True}
    },
    "x-amazon-apigateway-gateway-responses": {
        "DEFAULT_4XX": {
            "responseParameters": {"gatewayresponse.header.X-Color": "stageVariables.color"},
            "responseTemplates": {"application/json": '{"m": $context.error.messageString}'},
        },
        "MISSING_AUTHENTICATION_TOKEN": {"statusCode": 404},
    },
    "x-amazon-apigateway-policy": POLICY,
}

STAGE_DOC: dict[str, Any] = {
    "stageName": "dev",
    "deploymentId": "d1",
    "variables": {"color": "blue"},
    "tracingEnabled": True,
    "accessLogSettings": {
        "format": '{"id": "$context.requestId", "status": "$context.status"}',
        "destinationArn": "arn:aws:logs:us-east-1:123456789012:log-group:access",
    },
    "methodSettings": {
        "*/*": {
            "loggingLevel": "INFO",
            "dataTraceEnabled": True,
            "metricsEnabled": True,
            "throttlingRateLimit": 100.0,
            "throttlingBurstLimit": 50,
        },
        "open/GET": {"loggingLevel": "ERROR", "metricsEnabled": False},
    },
}


@pytest.fixture(scope="module")
def stage() -> Stage:
    defn = import_openapi(json.dumps(SPEC), source="everything.json")
    return compile_stage(defn, STAGE_DOC, "us-east-1", "123456789012")


def _globals() -> dict[str, Any]:
    bucket = Bucket("p|plan1|key1", 10.0, 20.0)
    keys = KeyIndex(
        by_digest={("us-east-1", b"d" * 32): KeyRecord("key1", b"secret-value", True)},
        bindings={
            ("us-east-1", "api", "dev"): PlanBinding(
                "plan1", "us-east-1", "key1", "secret-value", bucket, {"/open/GET": bucket},
                (1000, "DAY", 0),
            )
        },
        accounts={"us-east-1": Bucket("a|us-east-1", 5.0, 5.0)},
    )  # fmt: skip
    policy = compile_policy(
        {
            "Statement": [
                {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*",
                 "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}
            ]
        }
    )  # fmt: skip
    ident = Identity("alice", "AIDA1", "arn:aws:iam::123456789012:user/alice", "123456789012",
                     (policy,))  # fmt: skip
    iam = IamIndex({"AKIA1": KeyEntry("AKIA1", "s3cret", ident)})
    iam.signing_keys[("AKIA1", "20260101", "us-east-1", "execute-api")] = b"k"
    return {
        "generation": 7,
        "api_ids": frozenset({"api"}),
        "disabled_execute_api": frozenset({"old"}),
        "iam": iam,
        "keys": keys,
        "unservable": {("api", "broken"): "GET /x: no integration"},
        "changes": (("c1", "flush_authorizers", ("api", "dev")),),
    }


Call = tuple[str, str, tuple[tuple[str, str], ...], bytes]
Seen = tuple[int, list[tuple[str, str]], bytes]


def _serve(snapshot: Snapshot, calls: list[Call], data_dir: Path) -> list[Seen]:
    """Each call's status, headers (but those naming the request) and body, in one event loop.
    Access logs go under ``data_dir`` (the default, ./frontgate-data, is the checkout's)."""

    async def run() -> list[Seen]:
        pool = UpstreamPool()
        p = Pipeline(Env(domain="localhost", pool=pool, observer=Observer(data_dir)))
        p.swap(snapshot)
        seen: list[Seen] = []
        api_id = next(iter(snapshot.stages))[0]
        for method, path, headers, body in calls:
            host = ("Host", f"{api_id}.execute-api.localhost")
            answer = p.handle(Request(method, path, [host, *headers], body))
            if isinstance(answer, Response):
                resp = answer
            elif isinstance(answer, Deferred):
                resp = await wait(answer)
            else:
                resp = await answer
            varying = (
                "x-amzn-requestid",
                "x-amz-apigw-id",
                "x-amzn-trace-id",
                "date",
                "apigw-requestid",
            )
            kept = sorted((k.lower(), v) for k, v in resp.all_headers() if k.lower() not in varying)
            seen.append((resp.status, kept, bytes(resp.body)))
        assert p.snapshot is snapshot
        await pool.close()
        return seen

    return asyncio.run(run())


def _snapshot(stage: Stage) -> Snapshot:
    return Snapshot(1, {(stage.api_id, "dev"): stage}, frozenset({stage.api_id}))


REQUESTS: list[tuple[str, str, tuple[tuple[str, str], ...], bytes]] = [
    ("GET", "/dev/open", (), b""),
    ("GET", "/dev/open", (("User-Agent", "blocked"),), b""),  # the policy's condition denies
    ("GET", "/dev/denied", (), b""),
    ("GET", "/dev/nowhere", (), b""),
    ("GET", "/dev/iam", (), b""),
    ("GET", "/dev/token", (), b""),
    ("GET", "/dev/token", (("Authorization", "Bearer NOT-LOWER"),), b""),
    ("GET", "/dev/request", (("X-Who", "me"),), b""),  # q missing: 401 without a call
    ("GET", "/dev/cognito", (), b""),
    ("GET", "/dev/keyed", (), b""),
    ("POST", "/dev/pets", (("Content-Type", "application/json"),), b'{"name": "rex"}'),
    ("POST", "/dev/pets", (("x-client", "c"), ("Content-Type", "application/json")), b"{}"),
    ("POST", "/dev/pets", (("x-client", "c"), ("Content-Type", "application/json")),
     b'{"name": "rex", "tag": "too long"}'),
    ("POST", "/dev/pets", (("x-client", "c"), ("Content-Type", "application/json")),
     b'{"name": "rex", "tag": "ok"}'),
    ("GET", "/dev/items/42", (), b""),  # nothing listens on port 9: the integration fails
    ("PUT", "/dev/proxy/a/b", (), b""),
    ("POST", "/dev/fn", (), b"{}"),  # no functions runtime in this Env
]  # fmt: skip


def test_a_stage_loaded_part_by_part_serves_as_the_one_dumped(stage: Stage, tmp_path: Path) -> None:
    parts = dump_stage(stage, chunk=2)
    assert len(parts) > 3  # methods, trie nodes and the stage, in several parts
    loader = StageLoader(parts)
    steps = 1
    while not loader.step():
        steps += 1
    assert steps == len(parts)
    loaded = loader.result
    assert loaded is not stage
    expected = _serve(_snapshot(stage), REQUESTS, tmp_path)
    seen = _serve(_snapshot(loaded), REQUESTS, tmp_path)
    for call, before, after in zip(REQUESTS, expected, seen, strict=True):
        assert after == before, call[:2]
    # What those requests show, so the comparison is not between two failures.
    statuses = [status for status, _, _ in seen]
    assert statuses == [200, 403, 403, 404, 404, 401, 401, 401, 401, 403, 400, 400, 400, 200,
                        504, 504, 500]  # fmt: skip
    assert ("x-color", "blue") in seen[0][1]  # a stage variable, through a response mapping
    assert b"Missing required request parameters: [x-client]" in seen[10][2]


def test_the_loaded_stage_has_the_same_structure(stage: Stage) -> None:
    loaded = load_stage(dump_stage(stage))
    # Everything the image carries (closures by their recipes) dumps to the same bytes again.
    assert dump_stage(loaded) == dump_stage(stage)
    assert loaded.variables == stage.variables
    assert loaded.gateway_responses == stage.gateway_responses
    assert loaded.observe.access.source == stage.observe.access.source
    assert loaded.doc == {}  # the stage document is not shipped: the data plane never reads it
    # Per-process state of the observe plans starts over in the loading process.
    assert loaded.observe.base == -1 and loaded.observe.sink is None


def test_a_one_part_load_and_the_chunk_size_do_not_change_the_stage(stage: Stage) -> None:
    whole = dump_stage(stage, chunk=10_000)
    assert len(whole) == 3  # methods, nodes, stage
    assert dump_stage(load_stage(whole)) == dump_stage(stage)


def test_step_after_the_end_and_result_before_it() -> None:
    stage = compile_stage(import_openapi(json.dumps(SPEC), source="s.json"), STAGE_DOC, "r", "1")
    loader = StageLoader(dump_stage(stage))
    with pytest.raises(RuntimeError):
        _ = loader.result
    while not loader.step():
        pass
    assert loader.step() is True
    assert loader.result.api_id == stage.api_id


def test_globals_round_trip_and_assemble(stage: Stage) -> None:
    fields = _globals()
    snapshot = Snapshot(stages={(stage.api_id, "dev"): stage}, **fields)
    data = dump_globals(snapshot)
    loaded = load_globals(data)
    # Every Snapshot field but the stages, whatever fields Snapshot grows.
    names = {f.name for f in dataclasses.fields(Snapshot)} - {"stages"}
    assert set(loaded) == names
    assert loaded["keys"] == fields["keys"]
    assert loaded["iam"].keys["AKIA1"].identity.arn == fields["iam"].keys["AKIA1"].identity.arn
    assert loaded["iam"].signing_keys == {}  # a per-process cache, not shipped
    policy = loaded["iam"].keys["AKIA1"].identity.policies[0]
    assert policy.evaluate(*_caller(), lambda key: "10.1.2.3") == 1  # ALLOW, condition kept
    assert policy.evaluate(*_caller(), lambda key: "192.168.0.1") == 0
    stages = {(stage.api_id, "dev"): load_stage(dump_stage(stage))}
    assembled = assemble(loaded, stages)
    assert assembled.stages is stages
    for name in names - {"iam"}:
        assert getattr(assembled, name) == getattr(snapshot, name), name


def _caller() -> tuple[Any, str, str]:
    from frontgate.iam.policy import Caller

    return Caller("123456789012", "arn:aws:iam::123456789012:user/alice"), "execute-api:Invoke", "x"


def test_a_loaded_snapshot_is_immutable_and_serving_leaves_it_unchanged(
    stage: Stage, tmp_path: Path
) -> None:
    fields = _globals()
    snapshot = Snapshot(stages={(stage.api_id, "dev"): stage}, **fields)
    loaded = assemble(
        load_globals(dump_globals(snapshot)),
        {(stage.api_id, "dev"): load_stage(dump_stage(stage))},
    )
    loaded = dataclasses.replace(loaded, api_ids=frozenset({stage.api_id}))
    before = _state(loaded)
    _serve(loaded, REQUESTS, tmp_path)
    assert _state(loaded) == before
    served = loaded.stages[(stage.api_id, "dev")]
    with pytest.raises(AttributeError):
        served.variables = {}  # type: ignore[misc]
    with pytest.raises(AttributeError):
        loaded.stages = {}  # type: ignore[misc]


def test_stage_tokens_name_stage_objects() -> None:
    defn = import_openapi(json.dumps(SPEC), source="s.json")
    one = compile_stage(defn, STAGE_DOC, "us-east-1", "123456789012")
    two = compile_stage(defn, STAGE_DOC, "us-east-1", "123456789012")
    tokens = StageTokens()
    first = tokens.token(one)
    assert tokens.token(one) == first  # the same object: unchanged
    assert tokens.token(two) != first  # recompiled: a new token, even with equal inputs
    snapshot = Snapshot(2, {(two.api_id, "dev"): two}, frozenset({two.api_id}))
    assert tokens.tokens(snapshot) == {(two.api_id, "dev"): tokens.token(two)}
    assert StageTokens().token(one) != first  # another control process: other tokens


HTTP_DEFN = HttpApiDefinition(
    {"apiId": "httpapi", "name": "h", "protocolType": "HTTP"},
    routes=[
        {"routeId": "r1", "routeKey": "GET /items/{id}", "target": "integrations/i1"},
        {"routeId": "r2", "routeKey": "ANY /iam", "target": "integrations/i1",
         "authorizationType": "AWS_IAM"},
        {"routeId": "r3", "routeKey": "POST /fn", "target": "integrations/i2"},
        {"routeId": "r4", "routeKey": "$default", "target": "integrations/i3"},
    ],
    integrations=[
        {"integrationId": "i1", "integrationType": "HTTP_PROXY",
         "integrationUri": "http://127.0.0.1:9/{id}", "timeoutInMillis": 1000,
         "requestParameters": {"append:header.x-a": "$request.path.id"},
         "responseParameters": {"500": {"overwrite:statuscode": "418"}}},
        {"integrationId": "i2", "integrationType": "AWS_PROXY", "payloadFormatVersion": "1.0",
         "integrationUri": "arn:aws:lambda:us-east-1:123456789012:function:f"},
        {"integrationId": "i3", "integrationType": "AWS_PROXY",
         "integrationSubtype": "SQS-SendMessage", "payloadFormatVersion": "1.0",
         "requestParameters": {"QueueUrl": "https://q", "MessageBody": "$request.body"}},
    ],
)  # fmt: skip
HTTP_STAGE_DOC: dict[str, Any] = {
    "stageName": "dev",
    "deploymentId": "d1",
    "stageVariables": {"v": "1"},
    "defaultRouteSettings": {"throttlingRateLimit": 100.0, "throttlingBurstLimit": 50,
                             "detailedMetricsEnabled": True},
    "routeSettings": {"POST /fn": {"throttlingRateLimit": 0, "throttlingBurstLimit": 0}},
    "accessLogSettings": {"format": "$context.requestId $context.routeKey",
                          "destinationArn": "arn:aws:logs:us-east-1:123456789012:log-group:h"},
}  # fmt: skip


def test_an_http_api_stage_round_trips_and_serves_the_same(tmp_path: Path) -> None:
    stage = compile_http_stage(HTTP_DEFN, HTTP_STAGE_DOC, "us-east-1", "123456789012")
    loaded = load_stage(dump_stage(stage))
    assert dump_stage(loaded) == dump_stage(stage)
    assert len(dump_stage(stage, chunk=1)) > 3
    assert (loaded.kind, loaded.cors) == ("HTTP", None)
    assert loaded.default_route is not None and loaded.default_route.route_key == "$default"
    assert loaded.gateway_responses == stage.gateway_responses
    snapshot = dataclasses.replace(
        Snapshot(1, {(stage.api_id, "dev"): stage}, frozenset({stage.api_id})),
        http_api_ids=frozenset({stage.api_id}),
    )
    calls: list[Call] = [
        ("GET", "/dev/items/1", (), b""),  # nothing listens on port 9
        ("GET", "/dev/iam", (), b""),
        ("POST", "/dev/fn", (), b""),  # no functions runtime in this Env
        ("GET", "/dev/else", (), b""),  # the $default route: an AWS service integration
        ("GET", "/elsewhere", (), b""),  # no $default stage
    ]
    expected = _serve(snapshot, calls, tmp_path / "before")
    seen = _serve(
        dataclasses.replace(snapshot, stages={(stage.api_id, "dev"): loaded}),
        calls,
        tmp_path / "after",
    )
    assert seen == expected
    assert [(status, body) for status, _, body in seen] == [
        (500, b'{"message":"Internal Server Error"}'),
        (403, b'{"message":"Forbidden"}'),  # no SigV4 signature on an AWS_IAM route
        (500, b'{"message":"Internal Server Error"}'),
        (500, b'{"message":"Internal Server Error"}'),
        (404, b'{"message":"Not Found"}'),
    ]
