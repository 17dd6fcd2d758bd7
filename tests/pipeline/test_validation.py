"""Request validation end to end: required parameters, JSON-schema bodies (with a $ref to another
model), AWS's 400 bodies, and $context.error.validationErrorString in a gateway response."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.support.access import add_method, call, deploy, make_api
from tests.support.gateway import Gateway


@pytest.fixture(scope="module")
def api(gw: Gateway, apigw: Any) -> str:
    c = apigw
    api_id = make_api(c, name="validation")
    c.create_model(
        restApiId=api_id,
        name="Tag",
        contentType="application/json",
        schema=json.dumps({"type": "string", "maxLength": 5}),
    )
    c.create_model(
        restApiId=api_id,
        name="Pet",
        contentType="application/json",
        schema=json.dumps(
            {
                "$schema": "http://json-schema.org/draft-04/schema#",
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "age": {"type": "integer", "minimum": 0},
                    "tag": {
                        "$ref": f"https://apigateway.amazonaws.com/restapis/{api_id}/models/Tag"
                    },
                },
            }
        ),
    )
    both = c.create_request_validator(
        restApiId=api_id, name="both", validateRequestBody=True, validateRequestParameters=True
    )["id"]
    params = c.create_request_validator(
        restApiId=api_id, name="params", validateRequestParameters=True
    )["id"]
    add_method(
        c,
        api_id,
        "/pets",
        "POST",
        requestValidatorId=both,
        requestModels={"application/json": "Pet"},
        requestParameters={
            "method.request.header.x-client": True,
            "method.request.querystring.q1": True,
            "method.request.querystring.optional": False,
        },
    )
    add_method(
        c,
        api_id,
        "/search",
        "GET",
        requestValidatorId=params,
        requestModels={"application/json": "Pet"},
        requestParameters={"method.request.querystring.term": True},
    )
    add_method(c, api_id, "/open", "POST", requestModels={"application/json": "Pet"})
    c.put_gateway_response(
        restApiId=api_id,
        responseType="BAD_REQUEST_BODY",
        responseTemplates={"application/json": '{"error": "$context.error.validationErrorString"}'},
    )
    deploy(gw, c, api_id)
    return api_id


def test_missing_parameters_are_listed(gw: Gateway, api: str) -> None:
    status, headers, doc = call(gw, api, "POST", "/dev/pets", body=b'{"name": "x"}')
    assert status == 400
    assert doc == {"message": "Missing required request parameters: [x-client, q1]"}
    assert headers["x-amzn-errortype"] == "BadRequestException"


def test_valid_request_passes(gw: Gateway, api: str) -> None:
    status, _, doc = call(
        gw,
        api,
        "POST",
        "/dev/pets?q1=",
        headers={"X-Client": "t"},
        body=b'{"name": "rex", "age": 3, "tag": "abc"}',
    )
    assert (status, doc) == (200, {"ok": True})


@pytest.mark.parametrize(
    "body",
    [
        b'{"age": 3}',  # required name missing
        b'{"name": "rex", "age": -1}',  # minimum
        b'{"name": "rex", "tag": "toolong"}',  # the referenced model's maxLength
        b'{"name": ',  # not JSON
        b"[1, 2]",
    ],
)
def test_invalid_body(gw: Gateway, api: str, body: bytes) -> None:
    status, headers, doc = call(
        gw, api, "POST", "/dev/pets?q1=1", headers={"X-Client": "t"}, body=body
    )
    assert status == 400
    assert headers["x-amzn-errortype"] == "BadRequestException"
    # The customised BAD_REQUEST_BODY response carries the validator's explanation.
    assert doc["error"].startswith("[") and len(doc["error"]) > 2


def test_parameters_only_validator_ignores_body(gw: Gateway, api: str) -> None:
    assert call(gw, api, "GET", "/dev/search", body=b"junk")[0] == 400
    status, _, doc = call(gw, api, "GET", "/dev/search?term=a", body=b"junk")
    assert (status, doc) == (200, {"ok": True})


def test_no_validator_no_validation(gw: Gateway, api: str) -> None:
    assert call(gw, api, "POST", "/dev/open", body=b"not json")[0] == 200
