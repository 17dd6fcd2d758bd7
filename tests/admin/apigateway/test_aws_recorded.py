"""Answers compared with what AWS recorded for the same calls (LocalStack's AWS-validated
snapshots, ``tests/aws/services/apigateway/test_apigateway_*.py``; the recording's name is given
with each case). Status, error code and message are AWS's; success bodies are compared whole,
ids and dates aside."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from tests.admin.conftest import make_client

LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:f"
AUTHORIZER_URI = (
    f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{LAMBDA_ARN}/invocations"
)
JSON_MESSAGE = {"application/json": '{"message":$context.error.messageString}'}
BAD_YAML = 'test:\n    value:\n        - "value ... "escaped": $var, "dt": $(var +"%a")}"\n'
BAD_JSON = "{'key:value}"


def body(resp: dict[str, Any], *drop: str) -> dict[str, Any]:
    """A response without its metadata and the members named (ids, dates)."""
    return {k: v for k, v in resp.items() if k != "ResponseMetadata" and k not in drop}


def error(call: Callable[..., Any], **kw: Any) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as exc:
        call(**kw)
    resp = exc.value.response
    return (
        resp["ResponseMetadata"]["HTTPStatusCode"],
        resp["Error"]["Code"],
        resp["Error"]["Message"],
    )


@pytest.fixture
def api(apigw: Any) -> dict[str, str]:
    api = apigw.create_rest_api(name="recorded")
    return {"id": api["id"], "root": api["rootResourceId"]}


# --- which check fails first: an unknown API is reported as AWS names it ------------------------

NOT_FOUND = 404, "NotFoundException"
RESOURCE = (*NOT_FOUND, "Invalid Resource identifier specified")
VALIDATOR = (*NOT_FOUND, "Invalid Request Validator identifier specified")
DOC_PART = (*NOT_FOUND, "Invalid Documentation part identifier specified")


def test_unknown_api_named_as_aws_names_it(apigw: Any, api: dict[str, str]) -> None:
    real, root = api["id"], api["root"]
    fake = "fake-api"
    api_not_found = (*NOT_FOUND, f"Invalid API identifier specified 123456789012:{fake}")
    validator = apigw.create_request_validator(restApiId=real, name="v")["id"]
    part = apigw.create_documentation_part(
        restApiId=real, location={"type": "API"}, properties='{"description": "d"}'
    )["id"]
    method = {"resourceId": root, "httpMethod": "GET"}
    patch = [{"op": "replace", "path": "/description", "value": "x"}]
    cases: list[tuple[str, str, dict[str, Any], tuple[int, str, str]]] = [
        # test_put_method_validation: wrong-api, wrong-resource, wrong-method
        ("put_method", fake, {**method, "httpMethod": "WRONG", "authorizationType": "NONE"},
         RESOURCE),
        ("put_method", real, {"resourceId": "fake-resource", "httpMethod": "WRONG",
                              "authorizationType": "NONE"}, RESOURCE),
        ("put_method", real, {**method, "httpMethod": "WRONG", "authorizationType": "NONE"},
         (400, "BadRequestException", "Invalid HttpMethod specified. Valid options are "
          "GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY")),
        # test_get_integration_non_existent, test_integration_response_wrong_api,
        # test_delete_integration_response_errors, test_put_integration_validation
        ("get_integration", fake, method, RESOURCE),
        ("put_integration", fake, {**method, "type": "MOCK"}, RESOURCE),
        ("put_integration_response", fake, {**method, "statusCode": "200"}, RESOURCE),
        ("get_integration_response", fake, {**method, "statusCode": "200"}, RESOURCE),
        ("delete_integration_response", fake, {**method, "statusCode": "200"}, RESOURCE),
        ("get_method", fake, method, RESOURCE),
        # test_model_lifecycle / test_model_validation
        ("get_model", fake, {"modelName": "MySchema"},
         (*NOT_FOUND, "Invalid model name specified: MySchema")),
        ("delete_model", fake, {"modelName": "MySchema"},
         (*NOT_FOUND, "Invalid model name specified: MySchema")),
        ("update_model", fake, {"modelName": "mySchema", "patchOperations": patch},
         (*NOT_FOUND, "Invalid model name specified: mySchema")),
        ("create_model", fake, {"name": "MySchema", "contentType": "application/json",
                                "schema": "{}"}, api_not_found),
        ("get_models", fake, {}, api_not_found),
        # test_validators_crud_no_api, test_invalid_*_request_validator
        ("create_request_validator", fake, {"name": "v"},
         (400, "BadRequestException", "Invalid REST API identifier specified")),
        ("get_request_validators", fake, {}, api_not_found),
        ("get_request_validator", fake, {"requestValidatorId": validator}, VALIDATOR),
        ("delete_request_validator", fake, {"requestValidatorId": validator}, VALIDATOR),
        # test_invalid_*_documentation_part(s)
        ("get_documentation_part", fake, {"documentationPartId": part}, DOC_PART),
        ("update_documentation_part", fake,
         {"documentationPartId": part, "patchOperations": [
             {"op": "replace", "path": "/properties", "value": '{"description": "u"}'}]},
         DOC_PART),
        ("delete_documentation_part", fake, {"documentationPartId": part}, api_not_found),
        ("create_documentation_part", fake,
         {"location": {"type": "API"}, "properties": '{"description": "d"}'}, api_not_found),
        ("get_documentation_parts", fake, {}, api_not_found),
        # test_authorizer_crud_no_api, test_gateway_response_validation
        ("get_authorizers", fake, {}, api_not_found),
        ("get_gateway_response", fake, {"responseType": "DEFAULT_4XX"}, api_not_found),
        # Not recorded; a Create reports the unknown API, as CreateModel does.
        ("create_stage", fake, {"stageName": "s", "deploymentId": "d"}, api_not_found),
        ("delete_gateway_response", fake, {"responseType": "DEFAULT_4XX"}, api_not_found),
    ]  # fmt: skip
    for name, api_id, kw, expected in cases:
        got = error(getattr(apigw, name), restApiId=api_id, **kw)
        assert got == expected, (name, api_id)


# --- what is filled in or left out -------------------------------------------------------------


def test_authorization_type_in_any_case(apigw: Any, api: dict[str, str]) -> None:
    # test_apigateway_integrations.py::test_put_integration_responses, put-method-put
    put = apigw.put_method(
        restApiId=api["id"], resourceId=api["root"], httpMethod="PUT", authorizationType="none"
    )
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert body(put) == {"apiKeyRequired": False, "authorizationType": "NONE", "httpMethod": "PUT"}
    upd = apigw.update_method(
        restApiId=api["id"],
        resourceId=api["root"],
        httpMethod="PUT",
        patchOperations=[{"op": "replace", "path": "/authorizationType", "value": "aws_iam"}],
    )
    assert upd["authorizationType"] == "AWS_IAM"


def test_put_gateway_response_fills_in_defaults(apigw: Any, api: dict[str, str]) -> None:
    # test_gateway_response_put: put-gateway-response-status-only, -response-parameters-only,
    # -default-ignored
    kind = "MISSING_AUTHENTICATION_TOKEN"
    status_only = apigw.put_gateway_response(
        restApiId=api["id"], responseType=kind, statusCode="404"
    )
    assert body(status_only) == {
        "defaultResponse": False,
        "responseParameters": {},
        "responseTemplates": JSON_MESSAGE,
        "responseType": kind,
        "statusCode": "404",
    }
    params = {"gatewayresponse.header.x-request-header": "method.request.header.Accept"}
    params_only = apigw.put_gateway_response(
        restApiId=api["id"], responseType=kind, responseParameters=params
    )
    assert body(params_only) == {
        "defaultResponse": False,
        "responseParameters": params,
        "responseTemplates": JSON_MESSAGE,
        "responseType": kind,
        "statusCode": "403",
    }
    failure = apigw.put_gateway_response(
        restApiId=api["id"],
        responseType="AUTHORIZER_FAILURE",
        responseParameters={"gatewayresponse.header.foo": "'bar'"},
    )
    assert body(failure) == {
        "defaultResponse": False,
        "responseParameters": {"gatewayresponse.header.foo": "'bar'"},
        "responseTemplates": JSON_MESSAGE,
        "responseType": "AUTHORIZER_FAILURE",
        "statusCode": "500",
    }
    got = apigw.get_gateway_response(restApiId=api["id"], responseType=kind)
    assert body(got) == body(params_only)


def test_tags_where_aws_shows_them(apigw: Any) -> None:
    # test_update_rest_api_operation_add_remove, test_get_api_case_insensitive,
    # test_apigateway_extended.py update-api-key
    created = apigw.create_rest_api(name="tags")
    assert "tags" not in created
    api_id = created["id"]
    assert apigw.get_rest_api(restApiId=api_id)["tags"] == {}
    patch = [{"op": "replace", "path": "/description", "value": "d"}]
    assert apigw.update_rest_api(restApiId=api_id, patchOperations=patch)["tags"] == {}
    listed = next(a for a in apigw.get_rest_apis()["items"] if a["id"] == api_id)
    assert "tags" not in listed
    key = apigw.create_api_key(name="k")
    assert "tags" not in key
    updated = apigw.update_api_key(apiKey=key["id"], patchOperations=patch)
    assert updated["tags"] == {}


def test_emptied_maps_and_lists_left_out(apigw: Any, api: dict[str, str]) -> None:
    api_id, root = api["id"], api["root"]
    # test_update_rest_api_operation_add_remove: the removed member is gone, not empty
    add = [{"op": "add", "path": "/binaryMediaTypes/image~1png"}]
    apigw.update_rest_api(restApiId=api_id, patchOperations=add)
    remove = [{"op": "remove", "path": "/binaryMediaTypes/image~1png"}]
    assert "binaryMediaTypes" not in apigw.update_rest_api(restApiId=api_id, patchOperations=remove)
    assert "binaryMediaTypes" not in apigw.get_rest_api(restApiId=api_id)
    # test_update_method: update-method-remove
    apigw.put_method(
        restApiId=api_id,
        resourceId=root,
        httpMethod="ANY",
        authorizationType="NONE",
        requestParameters={"method.request.querystring.optional": True},
        requestModels={"application/json": "Empty"},
    )
    removed = apigw.update_method(
        restApiId=api_id,
        resourceId=root,
        httpMethod="ANY",
        patchOperations=[
            {"op": "remove", "path": "/requestParameters/method.request.querystring.optional"},
            {"op": "remove", "path": "/requestModels/application~1json"},
        ],
    )
    assert body(removed) == {
        "apiKeyRequired": False,
        "authorizationType": "NONE",
        "httpMethod": "ANY",
    }
    # The last integration response deleted: no ``integrationResponses: {}`` left behind.
    method = {"restApiId": api_id, "resourceId": root, "httpMethod": "ANY"}
    apigw.put_integration(**method, type="MOCK")
    apigw.put_integration_response(**method, statusCode="200")
    apigw.delete_integration_response(**method, statusCode="200")
    assert "integrationResponses" not in apigw.get_integration(**method)
    assert "integrationResponses" not in apigw.get_method(**method)["methodIntegration"]


def test_create_authorizer_as_recorded(apigw: Any, api: dict[str, str]) -> None:
    # test_apigateway_basic.py::test_apigateway_with_custom_authorization_method, authorizer
    auth = apigw.create_authorizer(
        restApiId=api["id"],
        name="lambda_authorizer",
        type="TOKEN",
        authorizerUri=AUTHORIZER_URI,
        identitySource="method.request.header.Auth",
    )
    assert body(auth, "id") == {
        "authType": "custom",
        "authorizerUri": AUTHORIZER_URI,
        "identitySource": "method.request.header.Auth",
        "name": "lambda_authorizer",
        "type": "TOKEN",
    }
    got = apigw.get_authorizer(restApiId=api["id"], authorizerId=auth["id"])
    assert body(got) == body(auth)


def test_endpoint_configuration_as_recorded(apigw: Any) -> None:
    # test_create_rest_api_verify_defaults, test_create_rest_api_private_type,
    # test_create_rest_api_with_endpoint_configuration, test_update_rest_api_ip_address_type
    # (recorded in 2025: ipAddressType is part of AWS's answer)
    create = apigw.create_rest_api
    for types, expected in (
        (None, {"ipAddressType": "ipv4", "types": ["EDGE"]}),
        (["REGIONAL"], {"ipAddressType": "ipv4", "types": ["REGIONAL"]}),
        (["PRIVATE"], {"ipAddressType": "dualstack", "types": ["PRIVATE"]}),
    ):
        kw = {} if types is None else {"endpointConfiguration": {"types": types}}
        assert create(name="e", **kw)["endpointConfiguration"] == expected
    bad = "BadRequestException"
    assert error(
        create, name="e", endpointConfiguration={"ipAddressType": "ipv4", "types": ["PRIVATE"]}
    ) == (400, bad, "Only dualstack ipAddressType is supported for Private APIs.")
    assert error(create, name="e", endpointConfiguration={"types": []}) == (
        400,
        bad,
        "REGIONAL Configuration and EDGE Configuration cannot be both DISABLED.",
    )
    assert error(
        create, name="e", endpointConfiguration={"ipAddressType": "wrong", "types": ["wrong"]}
    ) == (
        400,
        "ValidationException",
        "2 validation errors detected: Value '[wrong]' at "
        "'createRestApiInput.endpointConfiguration.types' failed to satisfy constraint: Member "
        "must satisfy constraint: [Member must satisfy enum value set: [PRIVATE, EDGE, REGIONAL]]"
        "; Value 'wrong' at 'createRestApiInput.endpointConfiguration.ipAddressType' failed to "
        "satisfy constraint: Member must satisfy enum value set: [ipv4, dualstack]",
    )
    api_id = create(name="e")["id"]

    def update(op: str, path: str, value: str) -> Any:
        ops = [{"op": op, "path": path, "value": value}]
        return apigw.update_rest_api(restApiId=api_id, patchOperations=ops)

    types, ip = "/endpointConfiguration/types/0", "/endpointConfiguration/ipAddressType"
    moved = update("replace", types, "PRIVATE")
    assert moved["endpointConfiguration"] == {"ipAddressType": "dualstack", "types": ["PRIVATE"]}
    for args, message in (
        (("replace", ip, "ipv4"), "Only dualstack ipAddressType is supported for Private APIs."),
        (("replace", ip, "wrong"), "ipAddressType must be either ipv4 or dualstack."),
        (("replace", types, "wrong"),
         "Invalid EndpointTypes specified. Valid options are REGIONAL,EDGE,PRIVATE"),
        (("remove", ip, "dualstack"),
         "Invalid patch operation specified. Must be one of: [replace]"),
        (("remove", types, "EDGE"),
         "Invalid patch operation specified. Must be 'add'|'remove'|'replace'"),
    ):  # fmt: skip
        assert error(update, op=args[0], path=args[1], value=args[2]) == (400, bad, message)


# --- what is accepted and what is refused ------------------------------------------------------


def test_refused_as_aws_refuses(apigw: Any, api: dict[str, str]) -> None:
    bad = 400, "BadRequestException"
    method = {"restApiId": api["id"], "resourceId": api["root"], "httpMethod": "GET"}
    apigw.put_method(**method, authorizationType="NONE")
    # test_apigateway_lambda.py: put-integration-wrong-firehose, put-integration-bad-lambda-arn
    only_lambda = (
        "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose "
        "stream invocations."
    )
    for uri in (
        f"arn:aws:apigateway:us-east-1:firehose:path/2015-03-31/functions/{LAMBDA_ARN}/invocations",
        f"arn:aws:apigateway:us-east-1:lambda:path/random/value/{LAMBDA_ARN}/invocations",
    ):
        got = error(
            apigw.put_integration,
            **method,
            type="AWS_PROXY",
            integrationHttpMethod="POST",
            uri=uri,
        )
        assert got == (*bad, only_lambda)
    # test_create_vpc_link_invalid_parameters, test_get_vpc_link_invalid_id
    assert error(apigw.create_vpc_link, name="l", targetArns=["invalid-arn"]) == (
        *bad,
        "Invalid ARN. ARN is not well formed invalid-arn",
    )
    assert error(apigw.create_vpc_link, name="", targetArns=[]) == (*bad, "Name cannot be empty")
    assert error(apigw.get_vpc_link, vpcLinkId="invalid-id") == (
        *NOT_FOUND,
        "Invalid Vpc Link identifier specified",
    )
    # test_apigateway_extended.py: create/update-api-key-description-too-long
    long_description = "a" * 125_001
    assert error(apigw.create_api_key, description=long_description) == (
        *bad,
        "Invalid API Key description specified.",
    )
    key = apigw.create_api_key(name="k", description="a" * 125_000)
    patch = [{"op": "replace", "path": "/description", "value": long_description}]
    assert error(apigw.update_api_key, apiKey=key["id"], patchOperations=patch) == (
        *bad,
        "Invalid API Key description specified.",
    )
    # test_apigateway_import.py::test_import_api_bad_file (PutRestApi on an unknown id too)
    for text in (BAD_YAML, BAD_JSON):
        invalid = (*bad, "Invalid OpenAPI input.")
        assert error(apigw.import_rest_api, body=text) == invalid
        assert error(apigw.put_rest_api, restApiId="unknownid", body=text) == invalid
    # test_import_documentation_parts_bad_file
    for text in (BAD_YAML, BAD_JSON):
        got = error(
            apigw.import_documentation_parts, restApiId=api["id"], mode="overwrite", body=text
        )
        assert got == (*bad, "Unable to build importer with provided input.")


def test_negative_limit_answers_an_empty_page(apigw: Any, api: dict[str, str]) -> None:
    for page in (
        apigw.get_rest_apis(limit=-1),
        apigw.get_api_keys(limit=-1),
        apigw.get_resources(restApiId=api["id"], limit=-1),
    ):
        assert page["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert body(page) == {"items": []}


def test_method_and_integration_responses_not_found(apigw: Any, api: dict[str, str]) -> None:
    method = {"restApiId": api["id"], "resourceId": api["root"], "httpMethod": "GET"}
    apigw.put_method(**method, authorizationType="NONE")
    apigw.put_integration(**method, type="MOCK")
    apigw.put_integration_response(**method, statusCode="200", selectionPattern="")
    # test_delete_integration_response_errors: non-existent-method, bad-method
    integration = (*NOT_FOUND, "Invalid Integration identifier specified")
    for verb in ("POST", "WRONG"):
        got = error(apigw.delete_integration_response, **{**method, "httpMethod": verb},
                    statusCode="200")  # fmt: skip
        assert got == integration
    # ...while Get/PutIntegrationResponse name the method (test_integration_response_wrong_method)
    got = error(
        apigw.get_integration_response, **{**method, "httpMethod": "POST"}, statusCode="200"
    )
    assert got == (*NOT_FOUND, "Invalid Method identifier specified")
    # test_update_method_lack_response_parameters_and_models, test_update_method_wrong_param_names
    apigw.put_method_response(**method, statusCode="200")

    def patch(op: str, path: str, value: str, status: str = "200") -> tuple[int, str, str]:
        ops = [{"op": op, "path": path, "value": value}]
        return error(apigw.update_method_response, **method, statusCode=status,
                     patchOperations=ops)  # fmt: skip

    header = "/responseParameters/method.response.header.my-header"
    no_param = (*NOT_FOUND, "Invalid parameter name specified")
    no_model = (*NOT_FOUND, "Content-Type specified was not found")
    assert patch("remove", header, "true") == no_param
    assert patch("remove", "/responseModels/application~1json", "Empty") == no_model
    assert patch("remove", "/wrong/method.response.header.my-header", "true") == (
        400,
        "BadRequestException",
        "Invalid patch path /wrong/method.response.header.my-header",
    )
    apigw.put_method_response(
        **method,
        statusCode="201",
        responseParameters={"method.response.header.my-header": False},
        responseModels={"application/json": "Empty"},
    )
    assert patch("replace", "/responseParameters/wrong", "true", "201") == no_param
    assert patch("remove", "/responseParameters/wrong", "true", "201") == no_param
    assert patch("replace", "/responseModels/wrong", "Empty", "201") == no_model
    assert patch("remove", "/responseModels/wrong", "Empty", "201") == no_model
    # test_update_method_response: remove-update-method-response
    removed = apigw.update_method_response(
        **method,
        statusCode="201",
        patchOperations=[
            {"op": "remove", "path": header, "value": "true"},
            {"op": "remove", "path": "/responseModels/application~1json", "value": "Empty"},
        ],
    )
    assert body(removed) == {"statusCode": "201"}


def test_validation_errors_in_aws_order(apigw: Any, api: dict[str, str]) -> None:
    raw = make_client(apigw.meta.endpoint_url, config=Config(parameter_validation=False))
    # test_update_method_response_negative_tests: update-method-response-invalid-statuscode-and-
    # wrong-op (the body's error first)
    got = error(
        raw.update_method_response,
        restApiId=api["id"],
        resourceId=api["root"],
        httpMethod="GET",
        statusCode="wrong",
        patchOperations=[{"op": "wrong_op", "path": "/responseParameters/x", "value": "1"}],
    )
    assert got == (
        400,
        "ValidationException",
        "2 validation errors detected: Value 'wrong_op' at "
        "'updateMethodResponseInput.patchOperations.1.member.op' failed to satisfy constraint: "
        "Member must satisfy enum value set: [add, remove, move, test, replace, copy]; Value "
        "'wrong' at 'statusCode' failed to satisfy constraint: Member must satisfy regular "
        "expression pattern: [1-5]\\d\\d",
    )
    # test_update_gateway_response: update-gateway-no-path
    got = error(
        raw.update_gateway_response,
        restApiId=api["id"],
        responseType="DEFAULT_4XX",
        patchOperations=[{"op": "replace", "value": "400"}],
    )
    assert got == (400, "BadRequestException", "Invalid patch path null")


def test_empty_strings_left_out(apigw: Any, api: dict[str, str]) -> None:
    # test_apigateway_extended.py: create-api-key-empty-name
    key = apigw.create_api_key(name="")
    assert body(key, "id", "value", "createdDate", "lastUpdatedDate") == {
        "enabled": False,
        "stageKeys": [],
    }
    # test_update_model: update-model (description replaced with "")
    apigw.create_model(
        restApiId=api["id"],
        name="MySchema",
        contentType="application/json",
        schema='{"type": "object"}',
        description="d",
    )
    schema = json.dumps({"title": "Updated schema", "type": "object"})
    model = apigw.update_model(
        restApiId=api["id"],
        modelName="MySchema",
        patchOperations=[
            {"op": "replace", "path": "/schema", "value": schema},
            {"op": "replace", "path": "/description", "value": ""},
        ],
    )
    assert body(model, "id") == {
        "contentType": "application/json",
        "name": "MySchema",
        "schema": schema,
    }


def test_patch_errors_worded_per_resource(apigw: Any, api: dict[str, str]) -> None:
    bad = 400, "BadRequestException"
    method = {"restApiId": api["id"], "resourceId": api["root"], "httpMethod": "GET"}
    apigw.put_method(**method, authorizationType="NONE")

    def update(call: Callable[..., Any], op: str, path: str, **kw: Any) -> tuple[int, str, str]:
        return error(call, patchOperations=[{"op": op, "path": path, "value": "v"}], **kw)

    # test_update_method_validation
    only_replace = (*bad, "Invalid patch operation specified. Must be one of: [replace]")
    assert update(apigw.update_method, "add", "/operationName", **method) == only_replace
    assert update(apigw.update_method, "add", "/requestValidatorId", **method) == only_replace
    assert update(apigw.update_method, "add", "/httpMethod", **method) == (
        *bad,
        "Invalid patch path /httpMethod",
    )
    assert update(apigw.update_method, "replace", "/requestParameters", **method) == (
        *bad,
        "Invalid patch path /requestParameters",
    )
    # test_update_rest_api_compression: unsupported-operation
    assert (
        update(apigw.update_rest_api, "add", "/minimumCompressionSize", restApiId=api["id"])
        == only_replace
    )
    # test_update_gateway_response: update-gateway-wrong-path
    assert update(
        apigw.update_gateway_response,
        "add",
        "/wrongPath",
        restApiId=api["id"],
        responseType="DEFAULT_4XX",
    ) == (*bad, "Invalid patch path /wrongPath")
    # test_update_model: update-model-invalid-op, update-model-invalid-path
    apigw.create_model(
        restApiId=api["id"], name="mySchema", contentType="application/json", schema="{}"
    )
    model = {"restApiId": api["id"], "modelName": "mySchema"}
    assert update(apigw.update_model, "add", "/wrong-path", **model) == (
        *bad,
        "Invalid patch path  '/wrong-path' specified for op 'add'. Please choose supported "
        "operations",
    )
    assert update(apigw.update_model, "replace", "/name", **model) == (
        *bad,
        "Invalid patch path  '/name' specified for op 'replace'. Must be one of: "
        "[/description, /schema]",
    )


def test_create_leaves_empty_values_out(apigw: Any, api: dict[str, str]) -> None:
    # test_create_rest_api_with_optional_params: create-with-empty-binary-media
    created = apigw.create_rest_api(name="b", binaryMediaTypes=[])
    assert "binaryMediaTypes" not in created
    # test_put_method_model: create-model (description "")
    model = apigw.create_model(
        restApiId=api["id"],
        name="MySchema",
        contentType="application/json",
        description="",
        schema='{"title": "MySchema", "type": "object"}',
    )
    assert body(model, "id") == {
        "contentType": "application/json",
        "name": "MySchema",
        "schema": '{"title": "MySchema", "type": "object"}',
    }
    # test_model_validation: create-model-empty-name
    got = error(apigw.create_model, restApiId=api["id"], name="", contentType="application/json")
    assert got == (400, "BadRequestException", "Model name must be non-empty")


def test_imported_api_shaped_as_aws_imports_it(apigw: Any) -> None:
    # test_apigateway_import.py: test_import_and_validate_rest_api[swagger-mock-cors.json],
    # test_import_with_circular_models, test_import_with_cognito_auth_identity_source
    doc = {
        "swagger": "2.0",
        "info": {"title": "imported", "version": "1.0"},
        "securityDefinitions": {
            "pool": {
                "type": "apiKey",
                "name": "Authorization",
                "in": "header",
                "x-amazon-apigateway-authtype": "cognito_user_pools",
                "x-amazon-apigateway-authorizer": {
                    "type": "cognito_user_pools",
                    "providerARNs": [
                        "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc"
                    ],
                },
            }
        },
        "paths": {
            "/product/{product_id}": {
                "get": {
                    "responses": {"200": {"description": "ok"}},
                    "x-amazon-apigateway-integration": {
                        "type": "mock",
                        "requestTemplates": {"application/json": '{"statusCode": 200}'},
                        "responses": {"default": {"statusCode": "200"}},
                    },
                }
            }
        },
        "definitions": {
            "Address": {
                "type": "object",
                "description": "Where a Person can live",
                "properties": {"city": {"type": "string"}},
            }
        },
    }
    imported = apigw.import_rest_api(body=json.dumps(doc))
    assert "tags" not in imported
    api_id = imported["id"]
    res = next(r for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"].endswith("}"))
    got = apigw.get_method(restApiId=api_id, resourceId=res["id"], httpMethod="GET")
    assert body(got) == {
        "apiKeyRequired": False,
        "authorizationType": "NONE",
        "httpMethod": "GET",
        "requestParameters": {"method.request.path.product_id": True},
        "methodResponses": {"200": {"statusCode": "200"}},
        "methodIntegration": {
            "cacheKeyParameters": [],
            "cacheNamespace": res["id"],
            "integrationResponses": {"200": {"statusCode": "200"}},
            "passthroughBehavior": "WHEN_NO_MATCH",
            "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "timeoutInMillis": 29000,
            "type": "MOCK",
        },
    }
    model = apigw.get_model(restApiId=api_id, modelName="Address")
    assert model["description"] == "Where a Person can live"
    (pool,) = apigw.get_authorizers(restApiId=api_id)["items"]
    assert "authorizerResultTtlInSeconds" not in pool
    assert pool["authType"] == "cognito_user_pools"
    # PutRestApi (and GetRestApi) do answer with tags (test_put_rest_api_mode_binary_media_types)
    put = apigw.put_rest_api(restApiId=api_id, mode="overwrite", body=json.dumps(doc))
    assert put["tags"] == {}


def test_canary_deployment_keeps_the_stage_on_its_deployment(
    apigw: Any, api: dict[str, str]
) -> None:
    # test_apigateway_canary.py: test_create_canary_deployment_with_stage,
    # test_create_canary_deployment_validation
    apigw.put_method(
        restApiId=api["id"], resourceId=api["root"], httpMethod="GET", authorizationType="NONE"
    )
    apigw.put_integration(
        restApiId=api["id"], resourceId=api["root"], httpMethod="GET", type="MOCK"
    )
    first = apigw.create_deployment(restApiId=api["id"])["id"]
    apigw.create_stage(
        restApiId=api["id"], stageName="dev", deploymentId=first, variables={"testVar": "default"}
    )
    canary = {"percentTraffic": 50, "stageVariableOverrides": {"testVar": "canary"}}
    second = apigw.create_deployment(restApiId=api["id"], stageName="dev", canarySettings=canary)
    stage = apigw.get_stage(restApiId=api["id"], stageName="dev")
    assert stage["deploymentId"] == first
    assert stage["canarySettings"] == {
        "deploymentId": second["id"],
        "percentTraffic": 50.0,
        "stageVariableOverrides": {"testVar": "canary"},
        "useStageCache": False,
    }
    prefix = "Invalid deployment content specified."
    for name, message in (
        (None, "Non null and non empty stageName must be provided for canary deployment. "
               "Provided value is null"),
        ("", "Non null and non empty stageName must be provided for canary deployment. "
             "Provided value is "),
        ("non-existing", "Stage non-existing must already be created before making a canary "
                         "release deployment"),
    ):  # fmt: skip
        kw = {} if name is None else {"stageName": name}
        got = error(apigw.create_deployment, restApiId=api["id"], canarySettings=canary, **kw)
        assert got == (400, "BadRequestException", prefix + message)


def test_usage_plan_keys_of_an_unknown_plan(apigw: Any) -> None:
    # test_apigateway_extended.py::TestApigatewayApiKeysCrud::test_get_usage_plan_api_keys,
    # get-up-keys-bad-usage-plan
    got = apigw.get_usage_plan_keys(usagePlanId="bad-id")
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert body(got) == {"items": []}


def test_export_leaves_defaults_out(apigw: Any, api: dict[str, str]) -> None:
    # test_apigateway_extended.py::test_export_oas30_openapi[TEST_IMPORT_PETS]
    method = {"restApiId": api["id"], "resourceId": api["root"], "httpMethod": "GET"}
    apigw.put_method(
        **method,
        authorizationType="NONE",
        requestParameters={"method.request.querystring.type": False},
    )
    apigw.put_method_response(**method, statusCode="200")
    apigw.put_integration(**method, type="MOCK")
    apigw.put_integration_response(**method, statusCode="200")
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    exported = apigw.get_export(
        restApiId=api["id"],
        stageName="dev",
        exportType="oas30",
        parameters={"extensions": "integrations"},
        accepts="application/json",
    )
    doc = json.loads(exported["body"].read())
    assert "x-amazon-apigateway-api-key-source" not in doc
    get = doc["paths"]["/"]["get"]
    assert get["parameters"] == [{"name": "type", "in": "query", "schema": {"type": "string"}}]
    assert get["responses"] == {"200": {"description": "200 response", "content": {}}}
    assert "timeoutInMillis" not in get["x-amazon-apigateway-integration"]
    version = doc["info"]["version"]
    assert exported["contentDisposition"] == f'attachment; filename="oas30_{version}.json"'


def test_stage_keys_listed_even_when_emptied(apigw: Any, api: dict[str, str]) -> None:
    # AWS lists ``stageKeys: []`` on every key (test_apigateway_extended.py recordings), also
    # once the last stage was removed from it.
    apigw.put_method(
        restApiId=api["id"], resourceId=api["root"], httpMethod="GET", authorizationType="NONE"
    )
    apigw.put_integration(
        restApiId=api["id"], resourceId=api["root"], httpMethod="GET", type="MOCK"
    )
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    key = apigw.create_api_key(name="k", stageKeys=[{"restApiId": api["id"], "stageName": "dev"}])
    assert key["stageKeys"] == [f"{api['id']}/dev"]
    removed = apigw.update_api_key(
        apiKey=key["id"],
        patchOperations=[{"op": "remove", "path": "/stages", "value": f"{api['id']}/dev"}],
    )
    assert removed["stageKeys"] == []


def test_cache_key_parameters_listed_even_when_emptied(apigw: Any, api: dict[str, str]) -> None:
    # Every recorded integration lists ``cacheKeyParameters``, ``[]`` when there are none.
    method = {"restApiId": api["id"], "resourceId": api["root"], "httpMethod": "GET"}
    apigw.put_method(
        **method,
        authorizationType="NONE",
        requestParameters={"method.request.querystring.q": False},
    )
    apigw.put_integration(
        **method, type="MOCK", cacheKeyParameters=["method.request.querystring.q"]
    )
    removed = apigw.update_integration(
        **method,
        patchOperations=[
            {"op": "remove", "path": "/cacheKeyParameters/method.request.querystring.q"}
        ],
    )
    assert removed["cacheKeyParameters"] == []


def test_put_rest_api_merge_takes_title_and_version(apigw: Any) -> None:
    # test_apigateway_import.py::test_put_rest_api_mode_binary_media_types[merge]
    api = apigw.create_rest_api(name="base", binaryMediaTypes=["image/heif"])
    doc = {
        "openapi": "3.0.1",
        "info": {"title": "merged", "version": "1.0.0"},
        "x-amazon-apigateway-binary-media-types": ["image/png", "image/jpg"],
        "paths": {},
    }
    put = apigw.put_rest_api(restApiId=api["id"], mode="merge", body=json.dumps(doc))
    assert body(put, "createdDate") == {
        "apiKeySource": "HEADER",
        "binaryMediaTypes": ["image/heif", "image/png", "image/jpg"],
        "disableExecuteApiEndpoint": False,
        "endpointConfiguration": {"ipAddressType": "ipv4", "types": ["EDGE"]},
        "id": api["id"],
        "name": "merged",
        "rootResourceId": api["rootResourceId"],
        "tags": {},
        "version": "1.0.0",
    }


def test_canary_patch_answers(apigw: Any, api: dict[str, str]) -> None:
    # test_apigateway_canary.py::TestStageCrudCanary::test_update_stage_canary_deployment_validation
    apigw.put_method(
        restApiId=api["id"], resourceId=api["root"], httpMethod="GET", authorizationType="NONE"
    )
    apigw.put_integration(
        restApiId=api["id"], resourceId=api["root"], httpMethod="GET", type="MOCK"
    )
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    canary = {"percentTraffic": 50, "stageVariableOverrides": {"testVar": "canary"}}
    second = apigw.create_deployment(restApiId=api["id"], stageName="dev", canarySettings=canary)

    def patch(op: str, path: str, value: str | None = None) -> tuple[int, str, str]:
        po = {"op": op, "path": path} if value is None else {"op": op, "path": path, "value": value}
        return error(apigw.update_stage, restApiId=api["id"], stageName="dev", patchOperations=[po])

    bad = 400, "BadRequestException"
    for path in ("/canarySettings/stageVariableOverrides", "/canarySettings/badPath"):
        assert patch("remove", path) == (
            *bad,
            f"Cannot remove method setting {path[1:]} because there is no method setting for "
            "this method ",
        )
    for path in ("/canarySettings", "/canarySettings/badPath"):
        code = patch("replace", path, "x")
        assert code[:2] == bad
        assert code[2].startswith(f"Invalid method setting path: {path}. Must be one of: [")
    assert patch("add", "/canarySettings/deploymentId", second["id"]) == (
        *bad,
        "Invalid add operation with path: /canarySettings/deploymentId",
    )
    assert patch("replace", "/canarySettings/deploymentId", "deploy") == (
        *bad,
        "Deployment id does not exist",
    )
    stage = apigw.get_stage(restApiId=api["id"], stageName="dev")
    assert stage["canarySettings"]["stageVariableOverrides"] == {"testVar": "canary"}


def test_swagger_export_consumes_produces_and_parameter_order(apigw: Any) -> None:
    # test_apigateway_extended.py::test_export_swagger_openapi[TEST_IMPORT_PETSTORE_SWAGGER]:
    # "/" GET (a MOCK with a JSON request template and a text/html response template)
    # exports consumes [application/json], produces [text/html]; parameters keep the
    # document's order.
    doc = {
        "swagger": "2.0",
        "info": {"title": "PetStore", "version": "1.0"},
        "paths": {
            "/": {
                "get": {
                    "parameters": [
                        {"name": "type", "in": "query", "type": "string"},
                        {"name": "page", "in": "query", "type": "string"},
                    ],
                    "responses": {"200": {"description": "ok"}},
                    "x-amazon-apigateway-integration": {
                        "type": "mock",
                        "requestTemplates": {"application/json": '{"statusCode": 200}'},
                        "responses": {
                            "default": {
                                "statusCode": "200",
                                "responseTemplates": {"text/html": "<html></html>"},
                            }
                        },
                    },
                }
            }
        },
    }
    api_id = apigw.import_rest_api(body=json.dumps(doc))["id"]
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    exported = apigw.get_export(
        restApiId=api_id, stageName="dev", exportType="swagger", accepts="application/json"
    )
    get = json.loads(exported["body"].read())["paths"]["/"]["get"]
    assert get["consumes"] == ["application/json"]
    assert get["produces"] == ["text/html"]
    assert [p["name"] for p in get["parameters"]] == ["type", "page"]


def test_import_base_path_variable_and_mock_method(apigw: Any) -> None:
    # test_apigateway_import.py: test_import_rest_api_with_base_path_oas30[prepend] (a basePath
    # server variable is the base path even when the URL does not use it) and
    # test_import_with_http_method_integration (a MOCK keeps no httpMethod)
    doc = {
        "openapi": "3.0.1",
        "info": {"title": "test-import-oas", "version": "2.0"},
        "servers": [
            {"url": "https://testdomain.com", "variables": {"basePath": {"default": "/base-var"}}}
        ],
        "paths": {
            "/test": {
                "get": {
                    "responses": {"200": {"description": "ok"}},
                    "x-amazon-apigateway-integration": {
                        "type": "mock",
                        "httpMethod": "POST",
                        "requestTemplates": {"application/json": '{"statusCode": 200}'},
                        "responses": {"default": {"statusCode": "200"}},
                    },
                }
            }
        },
    }
    api_id = apigw.create_rest_api(name="base")["id"]
    apigw.put_rest_api(
        restApiId=api_id,
        mode="overwrite",
        parameters={"basepath": "prepend"},
        body=json.dumps(doc),
    )
    items = apigw.get_resources(restApiId=api_id)["items"]
    assert sorted(r["path"] for r in items) == ["/", "/base-var", "/base-var/test"]
    test = next(r for r in items if r["path"] == "/base-var/test")
    integration = apigw.get_integration(restApiId=api_id, resourceId=test["id"], httpMethod="GET")
    assert integration["type"] == "MOCK" and "httpMethod" not in integration
