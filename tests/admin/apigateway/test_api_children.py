"""Per-API collections: gateway responses, models, validators, authorizers, documentation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.admin.apigateway.test_restapis import code


@pytest.fixture
def api(apigw: Any) -> dict[str, str]:
    api = apigw.create_rest_api(name="c")
    return {"id": api["id"], "root": api["rootResourceId"]}


def test_gateway_responses(apigw: Any, api: dict[str, str]) -> None:
    items = apigw.get_gateway_responses(restApiId=api["id"], limit=50)["items"]
    assert len(items) == 21 and all(i["defaultResponse"] for i in items)
    assert next(i for i in items if i["responseType"] == "THROTTLED")["statusCode"] == "429"
    assert "statusCode" not in next(i for i in items if i["responseType"] == "DEFAULT_4XX")
    put = apigw.put_gateway_response(
        restApiId=api["id"],
        responseType="DEFAULT_5XX",
        statusCode="599",
        responseTemplates={"application/json": "x"},
    )
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 201 and put["defaultResponse"] is False
    timeout = apigw.get_gateway_response(restApiId=api["id"], responseType="INTEGRATION_TIMEOUT")
    assert timeout["statusCode"] == "599" and timeout["defaultResponse"] is True
    upd = apigw.update_gateway_response(
        restApiId=api["id"],
        responseType="THROTTLED",
        patchOperations=[
            {"op": "add", "path": "/responseParameters/gatewayresponse.header.R", "value": "'1'"}
        ],
    )
    assert upd["responseParameters"] == {"gatewayresponse.header.R": "'1'"}
    with pytest.raises(ClientError) as exc:
        apigw.get_gateway_response(restApiId=api["id"], responseType="FAKE_RESPONSE_TYPE")
    assert code(exc)[1].startswith(
        "1 validation error detected: Value 'FAKE_RESPONSE_TYPE' at "
        "'responseType' failed to satisfy constraint: Member must "
        "satisfy enum value set: [REQUEST_TOO_LARGE, RESOURCE_NOT_FOUND"
    )
    apigw.delete_gateway_response(restApiId=api["id"], responseType="DEFAULT_5XX")
    with pytest.raises(ClientError) as exc:
        apigw.delete_gateway_response(restApiId=api["id"], responseType="DEFAULT_5XX")
    assert code(exc) == ("NotFoundException", "Gateway response type not defined on api")


def test_models(apigw: Any, api: dict[str, str]) -> None:
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "n": {"type": "integer"}},
    }
    m = apigw.create_model(
        restApiId=api["id"], name="Pet", contentType="application/json", schema=json.dumps(schema)
    )
    assert m["name"] == "Pet" and len(m["id"]) == 6
    with pytest.raises(ClientError) as exc:
        apigw.create_model(
            restApiId=api["id"], name="Pet", contentType="application/json", schema="{}"
        )
    assert code(exc) == ("ConflictException", "Model name already exists for this REST API")
    tpl = apigw.get_model_template(restApiId=api["id"], modelName="Pet")["value"]
    assert '"name" : "$inputRoot.name"' in tpl and '"n" : $inputRoot.n' in tpl
    upd = apigw.update_model(
        restApiId=api["id"],
        modelName="Pet",
        patchOperations=[{"op": "replace", "path": "/description", "value": "a pet"}],
    )
    assert upd["description"] == "a pet"
    apigw.put_method(
        restApiId=api["id"],
        resourceId=api["root"],
        httpMethod="ANY",
        authorizationType="NONE",
        requestModels={"application/json": "Pet"},
    )
    with pytest.raises(ClientError) as exc:
        apigw.delete_model(restApiId=api["id"], modelName="Pet")
    assert code(exc)[1] == "Cannot delete model 'Pet', is referenced in method request: //ANY"
    with pytest.raises(ClientError) as exc:
        apigw.get_model(restApiId=api["id"], modelName="Nope")
    assert code(exc) == ("NotFoundException", "Invalid model name specified: Nope")


def test_validators(apigw: Any, api: dict[str, str]) -> None:
    v = apigw.create_request_validator(restApiId=api["id"], name="body", validateRequestBody=True)
    assert v["validateRequestParameters"] is False
    v = apigw.update_request_validator(
        restApiId=api["id"],
        requestValidatorId=v["id"],
        patchOperations=[{"op": "replace", "path": "/validateRequestParameters", "value": "true"}],
    )
    assert v["validateRequestParameters"] is True
    apigw.put_method(
        restApiId=api["id"],
        resourceId=api["root"],
        httpMethod="POST",
        authorizationType="NONE",
        requestValidatorId=v["id"],
    )
    with pytest.raises(ClientError) as exc:
        apigw.put_method(
            restApiId=api["id"],
            resourceId=api["root"],
            httpMethod="PUT",
            authorizationType="NONE",
            requestValidatorId="nope",
        )
    assert code(exc)[1] == "Invalid Request Validator identifier specified"
    apigw.delete_request_validator(restApiId=api["id"], requestValidatorId=v["id"])
    with pytest.raises(ClientError) as exc:
        apigw.get_request_validator(restApiId=api["id"], requestValidatorId=v["id"])
    assert code(exc) == ("NotFoundException", "Invalid Request Validator identifier specified")


def test_authorizers(apigw: Any, api: dict[str, str]) -> None:
    uri = (
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:auth/invocations"
    )
    with pytest.raises(ClientError) as exc:
        apigw.create_authorizer(restApiId=api["id"], name="a", type="TOKEN", authorizerUri=uri)
    assert code(exc)[0] == "BadRequestException"
    auth = apigw.create_authorizer(
        restApiId=api["id"],
        name="a",
        type="TOKEN",
        authorizerUri=uri,
        identitySource="method.request.header.Authorization",
    )
    # As AWS records it: authType filled in, no TTL unless one was given.
    assert auth["authType"] == "custom" and "authorizerResultTtlInSeconds" not in auth
    apigw.put_method(
        restApiId=api["id"],
        resourceId=api["root"],
        httpMethod="GET",
        authorizationType="CUSTOM",
        authorizerId=auth["id"],
    )
    auth = apigw.update_authorizer(
        restApiId=api["id"],
        authorizerId=auth["id"],
        patchOperations=[{"op": "replace", "path": "/authorizerResultTtlInSeconds", "value": "0"}],
    )
    assert auth["authorizerResultTtlInSeconds"] == 0
    with pytest.raises(ClientError) as exc:
        apigw.delete_authorizer(restApiId=api["id"], authorizerId=auth["id"])
    assert code(exc)[0] == "ConflictException"
    cognito = apigw.create_authorizer(
        restApiId=api["id"],
        name="c",
        type="COGNITO_USER_POOLS",
        providerARNs=["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_x"],
    )
    assert cognito["identitySource"] == "method.request.header.Authorization"
    assert len(apigw.get_authorizers(restApiId=api["id"])["items"]) == 2
    apigw.delete_authorizer(restApiId=api["id"], authorizerId=cognito["id"])
    with pytest.raises(ClientError) as exc:
        apigw.get_authorizer(restApiId=api["id"], authorizerId=cognito["id"])
    assert code(exc)[0] == "NotFoundException"


def test_documentation(apigw: Any, api: dict[str, str]) -> None:
    part = apigw.create_documentation_part(
        restApiId=api["id"],
        location={"type": "METHOD", "path": "/", "method": "GET"},
        properties='{"summary": "root"}',
    )
    assert part["location"] == {"type": "METHOD", "path": "/", "method": "GET"}
    with pytest.raises(ClientError) as exc:
        apigw.create_documentation_part(
            restApiId=api["id"], location={"type": "BAD"}, properties="{}"
        )
    assert code(exc)[1].endswith(
        "[RESPONSE_BODY, RESPONSE, METHOD, MODEL, AUTHORIZER, "
        "RESPONSE_HEADER, RESOURCE, PATH_PARAMETER, REQUEST_BODY, QUERY_PARAMETER, API, "
        "REQUEST_HEADER]"
    )
    part = apigw.update_documentation_part(
        restApiId=api["id"],
        documentationPartId=part["id"],
        patchOperations=[{"op": "replace", "path": "/properties", "value": '{"a": 1}'}],
    )
    assert part["properties"] == '{"a": 1}'
    ver = apigw.create_documentation_version(restApiId=api["id"], documentationVersion="v1")
    assert ver["version"] == "v1"
    with pytest.raises(ClientError) as exc:
        apigw.create_documentation_version(restApiId=api["id"], documentationVersion="v1")
    assert code(exc)[0] == "ConflictException"
    doc = {
        "openapi": "3.0.1",
        "x-amazon-apigateway-documentation": {
            "documentationParts": [
                {"location": {"type": "API"}, "properties": {"description": "the api"}}
            ]
        },
    }
    out = apigw.import_documentation_parts(
        restApiId=api["id"], mode="overwrite", body=json.dumps(doc).encode()
    )
    parts = apigw.get_documentation_parts(restApiId=api["id"])["items"]
    assert [p["id"] for p in parts] == out["ids"] and parts[0]["location"] == {"type": "API"}
    apigw.delete_documentation_part(restApiId=api["id"], documentationPartId=out["ids"][0])
    with pytest.raises(ClientError) as exc:
        apigw.get_documentation_part(restApiId=api["id"], documentationPartId=out["ids"][0])
    assert code(exc) == ("NotFoundException", "Invalid Documentation part identifier specified")
    apigw.delete_documentation_version(restApiId=api["id"], documentationVersion="v1")
    assert apigw.get_documentation_versions(restApiId=api["id"])["items"] == []
