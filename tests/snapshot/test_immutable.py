"""The data plane serves an immutable snapshot: serving requests never writes to it (what requests
learn goes to the worker's runtime object), and its classes refuse assignment."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from frontgate.compile.compiler import compile_stage
from frontgate.functions.invoker import FunctionInvoker
from frontgate.functions.table import FunctionTable, function_def
from frontgate.http.message import Request, Response
from frontgate.openapi import import_openapi
from frontgate.pipeline.env import Env
from frontgate.pipeline.runner import Pipeline
from frontgate.readonly import ReadOnlyMap
from frontgate.snapshot.snapshot import Snapshot
from frontgate.upstream.pool import UpstreamPool

SPEC = """
openapi: 3.0.1
info: {title: unit, version: '1'}
paths:
  /mock:
    get:
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: '200'}}
x-amazon-apigateway-gateway-responses:
  MISSING_AUTHENTICATION_TOKEN: {statusCode: 404}
"""


FUNCTION = {
    "FunctionName": "fn",
    "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:fn",
    "_codePath": "/nowhere",
    "Environment": {"Variables": {"A": "1"}},
    "_policy": [
        {
            "Sid": "s",
            "Effect": "Allow",
            "Principal": {"Service": "apigateway.amazonaws.com"},
            "Action": "lambda:InvokeFunction",
            "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:execute-api:*:*:other/*"}},
        }
    ],
}


@pytest.fixture
def pipeline(tmp_path: Path) -> Pipeline:
    stage = compile_stage(
        import_openapi(SPEC, source="unit.yaml"),
        {"stageName": "dev", "deploymentId": "d1"},
        "us-east-1",
        "123456789012",
    )
    functions = FunctionTable(
        1, ReadOnlyMap({("us-east-1", "fn"): function_def("us-east-1", FUNCTION)})
    )
    invoker = FunctionInvoker(tmp_path, account_id="123456789012", region="us-east-1")
    p = Pipeline(Env(domain="localhost", pool=UpstreamPool(), functions=invoker))
    stages = {(stage.api_id, "dev"): stage}
    p.swap(Snapshot(1, stages, frozenset({stage.api_id}), functions=functions))
    return p


def _state(value: Any, seen: dict[int, Any] | None = None) -> dict[int, Any]:
    """Every container reachable from ``value`` (through dataclass fields, dicts, lists, tuples
    and sets), by identity, with its length: any write to the snapshot changes one of them."""
    seen = {} if seen is None else seen
    if id(value) in seen:
        return seen
    if isinstance(value, Mapping):
        seen[id(value)] = (type(value).__name__, len(value), sorted(map(repr, value)))
        for k, v in value.items():
            _state(k, seen)
            _state(v, seen)
    elif isinstance(value, (tuple, frozenset)):
        # Immutable themselves (and not recorded by identity: a mypyc-compiled class hands out
        # a new tuple object for a tuple field at each read); what they hold is walked.
        for v in value:
            _state(v, seen)
    elif isinstance(value, (list, set)):
        seen[id(value)] = (type(value).__name__, len(value))
        for v in value:
            _state(v, seen)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        seen[id(value)] = type(value).__name__
        for f in dataclasses.fields(value):
            _state(getattr(value, f.name), seen)
    return seen


def _get(p: Pipeline, path: str) -> Response:
    api_id = next(iter(p.snapshot.api_ids))
    resp = p.handle(Request("GET", path, [("Host", f"{api_id}.execute-api.localhost")]))
    assert isinstance(resp, Response)
    return resp


def test_serving_requests_leaves_the_snapshot_unchanged(pipeline: Pipeline) -> None:
    snapshot = pipeline.snapshot
    before = _state(snapshot)
    for _ in range(3):
        assert _get(pipeline, "/dev/mock").status == 200
        assert _get(pipeline, "/dev/nowhere").status == 404  # the gateway response of this API
        assert _get(pipeline, "/other/mock").status == 403
        # A function the snapshot carries, refused by its resource policy (nothing runs).
        source = "arn:aws:execute-api:us-east-1:123456789012:abc/dev/GET/fn"
        assert pipeline.env.functions.begin("fn", b"{}", source_arn=source).error is not None
    assert ("us-east-1", "fn") in snapshot.functions.functions
    assert _state(snapshot) == before
    # The successful routing was remembered, in the worker's runtime object.
    assert len(pipeline.env.runtime.routes) == 1


def test_a_swap_starts_the_runtime_state_over(pipeline: Pipeline) -> None:
    _get(pipeline, "/dev/mock")
    old = pipeline.snapshot
    pipeline.swap(Snapshot(old.generation + 1, dict(old.stages), old.api_ids))
    assert pipeline.env.runtime.routes == {}
    assert _get(pipeline, "/dev/mock").status == 200


def test_snapshot_and_stage_refuse_assignment(pipeline: Pipeline) -> None:
    snapshot = pipeline.snapshot
    stage = next(iter(snapshot.stages.values()))
    with pytest.raises(AttributeError):
        snapshot.stages = {}  # type: ignore[misc]
    # (a frozen slotted dataclass refuses an unknown attribute with a TypeError)
    with pytest.raises((AttributeError, TypeError)):
        snapshot.routes = {}  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        stage.variables = {}  # type: ignore[misc]
    with pytest.raises(AttributeError):
        snapshot.functions.generation = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        snapshot.functions.functions[("us-east-1", "x")] = None  # type: ignore[index]
    assert not hasattr(stage, "policy_state")
