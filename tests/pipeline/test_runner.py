"""The pipeline without sockets: a compiled snapshot and Request objects in, Responses out."""

from __future__ import annotations

import json
from typing import Any

import pytest

from frontgate.compile.compiler import compile_stage
from frontgate.definition.model import ApiDefinition
from frontgate.http.message import Request, Response
from frontgate.openapi import import_openapi
from frontgate.pipeline.env import Env
from frontgate.pipeline.runner import Pipeline
from frontgate.snapshot.snapshot import Snapshot
from frontgate.upstream.pool import UpstreamPool

# ruff: noqa: E501 - the OpenAPI document below keeps its templates on one line
SPEC = """
openapi: 3.0.1
info: {title: unit, version: '1'}
paths:
  /mock:
    get:
      responses:
        '200':
          description: ok
          headers:
            X-Stage: {schema: {type: string}}
            X-Req: {schema: {type: string}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default:
            statusCode: '200'
            responseParameters:
              method.response.header.X-Stage: stageVariables.color
              method.response.header.X-Req: context.requestId
            responseTemplates: {application/json: '{"ok": true}'}
  /error:
    get:
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 500}'}
        responses:
          '5\\d{2}':
            statusCode: '503'
            responseTemplates: {application/json: '{"down": true}'}
          default:
            statusCode: '200'
  /nodefault:
    get:
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 404}'}
        responses:
          '200':
            statusCode: '200'
  /nointegration:
    get:
      responses: {}
x-amazon-apigateway-gateway-responses:
  MISSING_AUTHENTICATION_TOKEN:
    statusCode: 404
    responseParameters:
      gatewayresponse.header.X-Color: "'red'"
    responseTemplates:
      application/json: '{"error": $context.error.messageString, "type": "$context.error.responseType", "id": "$context.requestId"}'
"""


@pytest.fixture
def pipeline() -> Pipeline:
    defn: ApiDefinition = import_openapi(SPEC, source="unit.yaml")
    stage = compile_stage(
        defn,
        {"stageName": "dev", "deploymentId": "d1", "variables": {"color": "blue"}},
        "us-east-1",
        "123456789012",
    )
    p = Pipeline(Env(domain="localhost", pool=UpstreamPool()))
    p.swap(Snapshot(1, {(stage.api_id, "dev"): stage}, frozenset({stage.api_id})))
    return p


def _get(p: Pipeline, path: str, **headers: str) -> Response:
    api_id = next(iter(p.snapshot.api_ids))
    req = Request("GET", path, [("Host", f"{api_id}.execute-api.localhost"), *headers.items()])
    resp = p.handle(req)
    assert isinstance(resp, Response), "MOCK and errors answer without awaiting"
    return resp


def _headers(resp: Response) -> dict[str, Any]:
    return {k.lower(): v for k, v in resp.all_headers()}


def test_mock_with_stage_variable_and_context_mappings(pipeline: Pipeline) -> None:
    resp = _get(pipeline, "/dev/mock")
    h = _headers(resp)
    assert resp.status == 200
    assert json.loads(resp.body) == {"ok": True}
    assert h["x-stage"] == "blue"
    assert h["x-req"] == h["x-amzn-requestid"]


def test_selection_pattern_matches_status_code(pipeline: Pipeline) -> None:
    resp = _get(pipeline, "/dev/error")
    assert resp.status == 503
    assert json.loads(resp.body) == {"down": True}


def test_no_matching_integration_response_is_a_configuration_error(pipeline: Pipeline) -> None:
    resp = _get(pipeline, "/dev/nodefault")
    assert resp.status == 500
    assert resp.body == b'{"message": "Internal server error"}'


def test_method_without_integration_is_internal_error(pipeline: Pipeline) -> None:
    resp = _get(pipeline, "/dev/nointegration")
    assert resp.status == 500


def test_customised_gateway_response_renders_status_headers_and_template(
    pipeline: Pipeline,
) -> None:
    resp = _get(pipeline, "/dev/nope")
    h = _headers(resp)
    assert resp.status == 404
    assert h["x-color"] == "red"
    doc = json.loads(resp.body)
    assert doc == {
        "error": "Missing Authentication Token",
        "type": "MISSING_AUTHENTICATION_TOKEN",
        "id": h["x-amzn-requestid"],
    }
    assert h["x-amzn-errortype"] == "MissingAuthenticationTokenException"


def test_unknown_stage_ignores_customisation(pipeline: Pipeline) -> None:
    resp = _get(pipeline, "/prod/mock")
    assert resp.status == 403
    assert resp.body == b'{"message":"Forbidden"}'


def test_snapshot_swap_is_seen_by_new_requests_only(pipeline: Pipeline) -> None:
    api_id = next(iter(pipeline.snapshot.api_ids))
    req = Request("GET", "/dev/mock", [("Host", f"{api_id}.execute-api.localhost")])
    pipeline.swap(Snapshot.empty())
    resp = pipeline.handle(req)
    assert isinstance(resp, Response) and resp.status == 403
