"""What AWS refuses when a method, integration, response or import is written (mapping
expressions, references to models), and CreateDeployment's refusals; nothing is stored."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

ALLOW_ORIGIN = "method.response.header.Access-Control-Allow-Origin"
WRAP = "Invalid mapping expression specified: Validation Result: warnings : [], errors : [{}]"


def mapping_error(*exprs: str) -> tuple[str, str]:
    inner = ", ".join(f"Invalid mapping expression specified: {e}" for e in exprs)
    return "BadRequestException", WRAP.format(inner)


def code(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return err["Code"], err["Message"]


@pytest.fixture
def method(apigw: Any) -> tuple[str, str]:
    """An API with ``OPTIONS /`` → MOCK and a 200 method response."""
    api = apigw.create_rest_api(name="checks")
    api_id, root = api["id"], api["rootResourceId"]
    apigw.put_method(
        restApiId=api_id, resourceId=root, httpMethod="OPTIONS", authorizationType="NONE"
    )
    apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="OPTIONS", type="MOCK")
    apigw.put_method_response(
        restApiId=api_id,
        resourceId=root,
        httpMethod="OPTIONS",
        statusCode="200",
        responseParameters={
            f"method.response.header.{name}": False
            for name in ("Access-Control-Allow-Origin", "X-From", "X-Body", "X-Id", "X-Var")
        },
    )
    return api_id, root


def test_integration_response_with_an_unquoted_static_value(
    apigw: Any, method: tuple[str, str]
) -> None:
    api_id, root = method
    where = {"restApiId": api_id, "resourceId": root, "httpMethod": "OPTIONS"}
    with pytest.raises(ClientError) as exc:
        apigw.put_integration_response(
            **where,
            statusCode="200",
            responseParameters={"method.response.header.Access-Control-Allow-Origin": "*"},
        )
    assert code(exc) == mapping_error("*")
    with pytest.raises(ClientError) as exc:
        apigw.get_integration_response(**where, statusCode="200")
    assert exc.value.response["Error"]["Code"] == "NotFoundException"
    # Every refused expression is listed, in the order given.
    with pytest.raises(ClientError) as exc:
        apigw.put_integration_response(
            **where,
            statusCode="200",
            responseParameters={
                "method.response.header.A": "GET,POST",
                "method.response.header.B": "'ok'",
                "method.response.header.C": "*",
            },
        )
    assert code(exc) == mapping_error("GET,POST", "*")
    # A response header reads the integration response, not the method request.
    with pytest.raises(ClientError) as exc:
        apigw.put_integration_response(
            **where,
            statusCode="200",
            responseParameters={"method.response.header.A": "method.request.header.x"},
        )
    assert code(exc) == mapping_error("method.request.header.x")
    with pytest.raises(ClientError) as exc:
        apigw.put_integration_response(
            **where,
            statusCode="200",
            responseParameters={"method.response.querystring.a": "'x'"},
        )
    assert code(exc) == mapping_error("method.response.querystring.a")
    ok = apigw.put_integration_response(
        **where,
        statusCode="200",
        responseParameters={
            "method.response.header.Access-Control-Allow-Origin": "'*'",
            "method.response.header.X-From": "integration.response.header.x-up",
            "method.response.header.X-Body": "integration.response.body.a.b",
            "method.response.header.X-Id": "context.requestId",
            "method.response.header.X-Var": "stageVariables.name",
        },
    )
    assert ok["responseParameters"]["method.response.header.Access-Control-Allow-Origin"] == "'*'"
    # UpdateIntegrationResponse is checked the same way; the stored response is unchanged.
    with pytest.raises(ClientError) as exc:
        apigw.update_integration_response(
            **where,
            statusCode="200",
            patchOperations=[
                {
                    "op": "replace",
                    "path": "/responseParameters/" + ALLOW_ORIGIN,
                    "value": "*",
                }
            ],
        )
    assert code(exc) == mapping_error("*")
    got = apigw.get_integration_response(**where, statusCode="200")
    assert got["responseParameters"] == ok["responseParameters"]


def test_integration_request_mappings(apigw: Any, method: tuple[str, str]) -> None:
    api_id, root = method
    where = {"restApiId": api_id, "resourceId": root, "httpMethod": "OPTIONS"}
    for expr in ("nonsense", "method.request.header.", "integration.response.header.x", "'open"):
        with pytest.raises(ClientError) as exc:
            apigw.put_integration(
                **where,
                type="MOCK",
                requestParameters={"integration.request.header.x": expr},
            )
        assert code(exc) == mapping_error(expr)
    with pytest.raises(ClientError) as exc:
        apigw.put_integration(
            **where, type="MOCK", requestParameters={"integration.request.body.x": "'a'"}
        )
    assert code(exc) == mapping_error("integration.request.body.x")
    with pytest.raises(ClientError) as exc:
        apigw.update_integration(
            **where,
            patchOperations=[
                {
                    "op": "add",
                    "path": "/requestParameters/integration.request.header.y",
                    "value": "*",
                }
            ],
        )
    assert code(exc) == mapping_error("*")
    assert "requestParameters" not in apigw.get_integration(**where)


def test_method_and_method_response_parameters(apigw: Any, method: tuple[str, str]) -> None:
    api_id, root = method
    # Recorded on AWS (LocalStack's test_put_integration_request_parameter_bool_type).
    with pytest.raises(ClientError) as exc:
        apigw.put_method(
            restApiId=api_id,
            resourceId=root,
            httpMethod="POST",
            authorizationType="NONE",
            requestParameters={"method.request.path.testPath": True, "true": True},
        )
    assert code(exc) == mapping_error("true")
    with pytest.raises(ClientError) as exc:
        apigw.put_method_response(
            restApiId=api_id,
            resourceId=root,
            httpMethod="OPTIONS",
            statusCode="201",
            responseParameters={"method.response.body.x": True},
        )
    assert code(exc) == mapping_error("method.response.body.x")
    # A response model must exist, as a request model must.
    with pytest.raises(ClientError) as exc:
        apigw.put_method_response(
            restApiId=api_id,
            resourceId=root,
            httpMethod="OPTIONS",
            statusCode="201",
            responseModels={"application/json": "Nope"},
        )
    assert code(exc) == ("BadRequestException", "Invalid model identifier specified: Nope")
    assert apigw.put_method_response(
        restApiId=api_id,
        resourceId=root,
        httpMethod="OPTIONS",
        statusCode="201",
        responseModels={"application/json": "Empty"},
    )["responseModels"] == {"application/json": "Empty"}


def test_gateway_response_parameters(apigw: Any, method: tuple[str, str]) -> None:
    api_id, _root = method
    with pytest.raises(ClientError) as exc:
        apigw.put_gateway_response(
            restApiId=api_id,
            responseType="DEFAULT_4XX",
            responseParameters={"gatewayresponse.header.Access-Control-Allow-Origin": "*"},
        )
    assert code(exc) == mapping_error("*")
    ok = apigw.put_gateway_response(
        restApiId=api_id,
        responseType="DEFAULT_4XX",
        responseParameters={
            "gatewayresponse.header.Access-Control-Allow-Origin": "'*'",
            "gatewayresponse.header.x-who": "method.request.header.x-who",
        },
    )
    assert ok["responseParameters"]["gatewayresponse.header.x-who"] == "method.request.header.x-who"
    with pytest.raises(ClientError) as exc:
        apigw.update_gateway_response(
            restApiId=api_id,
            responseType="DEFAULT_4XX",
            patchOperations=[
                {
                    "op": "add",
                    "path": "/responseParameters/gatewayresponse.header.x-bad",
                    "value": "integration.response.header.x",
                }
            ],
        )
    assert code(exc) == mapping_error("integration.response.header.x")


def test_create_deployment_refuses_a_method_without_integration(apigw: Any) -> None:
    api = apigw.create_rest_api(name="half")
    api_id, root = api["id"], api["rootResourceId"]
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    res = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="x")
    apigw.put_method(
        restApiId=api_id, resourceId=res["id"], httpMethod="GET", authorizationType="NONE"
    )
    apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK")
    with pytest.raises(ClientError) as exc:
        apigw.create_deployment(restApiId=api_id, stageName="dev")
    assert code(exc) == ("BadRequestException", "No integration defined for method")
    assert apigw.get_deployments(restApiId=api_id).get("items", []) == []
    assert apigw.get_stages(restApiId=api_id)["item"] == []


BAD_CORS_OAS = {
    "openapi": "3.0.1",
    "info": {"title": "cors", "version": "1"},
    "paths": {
        "/x": {
            "options": {
                "responses": {"200": {"description": "ok"}},
                "x-amazon-apigateway-integration": {
                    "type": "mock",
                    "requestTemplates": {"application/json": '{"statusCode": 200}'},
                    "responses": {
                        "default": {
                            "statusCode": "200",
                            "responseParameters": {
                                "method.response.header.Access-Control-Allow-Origin": "*"
                            },
                        }
                    },
                },
            }
        }
    },
}


def test_import_and_put_rest_api_refuse_a_bad_mapping(apigw: Any) -> None:
    before = {a["id"] for a in apigw.get_rest_apis(limit=500)["items"]}
    body = json.dumps(BAD_CORS_OAS).encode()
    with pytest.raises(ClientError) as exc:
        apigw.import_rest_api(body=body)
    assert code(exc) == (
        "BadRequestException",
        "Errors found during import:\n\tUnable to put integration response on 'OPTIONS' for "
        "resource at path '/x': " + mapping_error("*")[1],
    )
    assert {a["id"] for a in apigw.get_rest_apis(limit=500)["items"]} == before
    api = apigw.create_rest_api(name="target")
    with pytest.raises(ClientError) as exc:
        apigw.put_rest_api(restApiId=api["id"], mode="overwrite", body=body)
    assert code(exc)[1].endswith(mapping_error("*")[1])
    assert len(apigw.get_resources(restApiId=api["id"])["items"]) == 1


def test_request_authorizer_identity_sources(apigw: Any, method: tuple[str, str]) -> None:
    api_id, _root = method
    uri = (
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:auth/invocations"
    )
    with pytest.raises(ClientError) as exc:
        apigw.create_authorizer(
            restApiId=api_id,
            name="req",
            type="REQUEST",
            authorizerUri=uri,
            identitySource="method.request.header.x-user, method.request.multivalueheader.x",
        )
    # The data plane's REQUEST authorizer reads headers, query strings, stage and context
    # variables; anything else was silently dropped (the authorizer ran with fewer sources).
    assert code(exc) == mapping_error("method.request.multivalueheader.x")
    auth = apigw.create_authorizer(
        restApiId=api_id,
        name="req",
        type="REQUEST",
        authorizerUri=uri,
        identitySource="method.request.header.x-user, method.request.querystring.t, context.stage",
    )
    with pytest.raises(ClientError) as exc:
        apigw.update_authorizer(
            restApiId=api_id,
            authorizerId=auth["id"],
            patchOperations=[{"op": "replace", "path": "/identitySource", "value": "x-user"}],
        )
    assert code(exc) == mapping_error("x-user")


def undeclared(*exprs: str) -> tuple[str, str]:
    inner = ", ".join(f"Invalid mapping expression parameter specified: {e}" for e in exprs)
    return "BadRequestException", WRAP.format(inner)


def test_mappings_use_only_declared_parameters(apigw: Any, method: tuple[str, str]) -> None:
    api_id, root = method
    where = {"restApiId": api_id, "resourceId": root, "httpMethod": "OPTIONS"}
    mapping = {
        "integration.request.header.x-user": "method.request.header.x-user",
        "integration.request.querystring.q": "method.request.querystring.q",
        "integration.request.header.x-static": "'a'",
    }
    with pytest.raises(ClientError) as exc:
        apigw.put_integration(**where, type="MOCK", requestParameters=mapping)
    assert code(exc) == undeclared("method.request.header.x-user", "method.request.querystring.q")
    apigw.update_method(
        **where,
        patchOperations=[
            {
                "op": "add",
                "path": "/requestParameters/method.request.header.x-user",
                "value": "false",
            },
            {
                "op": "add",
                "path": "/requestParameters/method.request.querystring.q",
                "value": "true",
            },
        ],
    )
    assert (
        apigw.put_integration(**where, type="MOCK", requestParameters=mapping)["requestParameters"]
        == mapping
    )
    # An integration response sets only headers its status code's method response declares.
    with pytest.raises(ClientError) as exc:
        apigw.put_integration_response(
            **where,
            statusCode="200",
            responseParameters={"method.response.header.X-Undeclared": "'a'"},
        )
    assert code(exc) == undeclared("method.response.header.X-Undeclared")
    with pytest.raises(ClientError) as exc:
        apigw.put_integration_response(
            **where, statusCode="204", responseParameters={ALLOW_ORIGIN: "'*'"}
        )
    assert code(exc) == undeclared(ALLOW_ORIGIN)
    doc = json.loads(json.dumps(BAD_CORS_OAS))
    doc["paths"]["/x"]["options"]["x-amazon-apigateway-integration"]["responses"]["default"][
        "responseParameters"
    ][ALLOW_ORIGIN] = "'*'"
    with pytest.raises(ClientError) as exc:
        apigw.import_rest_api(body=json.dumps(doc).encode())
    assert code(exc) == (
        "BadRequestException",
        "Errors found during import:\n\tUnable to put integration response on 'OPTIONS' for "
        "resource at path '/x': " + undeclared(ALLOW_ORIGIN)[1],
    )
    doc["paths"]["/x"]["options"]["responses"]["200"]["headers"] = {
        "Access-Control-Allow-Origin": {"schema": {"type": "string"}}
    }
    api = apigw.import_rest_api(body=json.dumps(doc).encode())
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
