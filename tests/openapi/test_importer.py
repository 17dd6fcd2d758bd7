"""import_openapi: AWS-shaped documents from OAS 3 and Swagger 2 fixtures, and every refusal."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest

from frontgate.openapi import OpenApiImportError, import_openapi

from .helpers import fixture_text, http_get, method, oas3, resource

ID10 = re.compile(r"^[a-z0-9]{10}$")
ID6 = re.compile(r"^[a-z0-9]{6}$")


# --- OpenAPI 3 fixture ------------------------------------------------------------------------


def test_rest_api_document(petstore: Any) -> None:
    rest = petstore.rest_api
    assert ID10.match(rest["id"])
    assert ID10.match(rest["rootResourceId"])
    assert rest["name"] == "PetStore"
    assert rest["description"] == "Your first API with Amazon API Gateway."
    assert rest["version"] == "2024-06-01T10:00:00Z"
    assert abs(rest["createdDate"] - time.time()) < 60
    assert rest["apiKeySource"] == "HEADER"
    assert rest["binaryMediaTypes"] == ["image/png", "application/octet-stream"]
    assert rest["endpointConfiguration"] == {"types": ["EDGE"], "ipAddressType": "ipv4"}
    assert rest["disableExecuteApiEndpoint"] is True
    assert rest["minimumCompressionSize"] == 1024
    assert "tags" not in rest  # ImportRestApi answers without tags (AWS-recorded)
    assert json.loads(rest["policy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "execute-api:/*",
            }
        ],
    }
    assert petstore.warnings == []


def test_resource_tree(petstore: Any) -> None:
    paths = [r["path"] for r in petstore.resources]
    assert paths == ["/", "/hello", "/orders", "/orders/{proxy+}", "/pets", "/pets/{petId}"]
    root = petstore.resources[0]
    assert root == {"id": petstore.rest_api["rootResourceId"], "path": "/"}
    by_path = {r["path"]: r for r in petstore.resources}
    for res in petstore.resources[1:]:
        assert ID6.match(res["id"])
        parent_path = res["path"].rsplit("/", 1)[0] or "/"
        assert res["parentId"] == by_path[parent_path]["id"]
        assert res["pathPart"] == res["path"].rsplit("/", 1)[1]
    # The intermediate /orders exists once, without methods.
    assert "resourceMethods" not in by_path["/orders"]
    assert set(by_path["/pets"]["resourceMethods"]) == {"GET", "POST", "OPTIONS"}
    assert len({r["id"] for r in petstore.resources}) == len(petstore.resources)


def test_http_method_with_parameter_mapping(petstore: Any) -> None:
    validators = {v["name"]: v["id"] for v in petstore.request_validators}
    get = method(petstore, "/pets", "GET")
    integration = get.pop("methodIntegration")
    assert get == {
        "httpMethod": "GET",
        "authorizationType": "NONE",
        "apiKeyRequired": True,
        "requestParameters": {
            "method.request.querystring.type": False,
            "method.request.querystring.page": True,
        },
        "requestValidatorId": validators["params-only"],
        "operationName": "ListPets",
        "methodResponses": {
            "200": {
                "statusCode": "200",
                "responseParameters": {"method.response.header.Access-Control-Allow-Origin": False},
                "responseModels": {"application/json": "Pets"},
            }
        },
    }
    get["methodIntegration"] = integration  # the fixture is shared; put it back
    assert integration == {
        "type": "HTTP",
        "httpMethod": "GET",
        "uri": "http://petstore.execute-api.us-east-1.amazonaws.com/petstore/pets",
        "requestParameters": {
            "integration.request.querystring.type": "method.request.querystring.type",
            "integration.request.querystring.page": "method.request.querystring.page",
        },
        "passthroughBehavior": "WHEN_NO_MATCH",
        "timeoutInMillis": 10000,
        "connectionType": "INTERNET",
        "cacheNamespace": resource(petstore, "/pets")["id"],
        "cacheKeyParameters": [],
        "integrationResponses": {
            "200": {
                "statusCode": "200",
                "selectionPattern": None,
                "responseParameters": {"method.response.header.Access-Control-Allow-Origin": "'*'"},
            }
        },
    }


def test_post_with_body_model_templates_and_selection_patterns(petstore: Any) -> None:
    validators = {v["name"]: v["id"] for v in petstore.request_validators}
    post = method(petstore, "/pets", "POST")
    assert post["requestModels"] == {"application/json": "NewPet"}
    assert post["requestValidatorId"] == validators["all"]
    assert post["methodResponses"]["400"] == {
        "statusCode": "400",
        "responseModels": {"application/json": "Error"},
    }
    integration = post["methodIntegration"]
    assert integration["passthroughBehavior"] == "WHEN_NO_TEMPLATES"
    assert integration["timeoutInMillis"] == 29000
    assert integration["requestTemplates"] == {
        "application/json": "{\"type\": $input.json('$.type'), \"price\": $input.json('$.price')}"
    }
    assert integration["integrationResponses"] == {
        "200": {
            "statusCode": "200",
            "selectionPattern": None,
        },
        "400": {
            "statusCode": "400",
            "selectionPattern": "4\\d{2}",
            "responseTemplates": {"application/json": '{"message": "bad pet"}'},
        },
    }


def test_mock_cors_options(petstore: Any) -> None:
    options = method(petstore, "/pets", "OPTIONS")
    assert options["authorizationType"] == "NONE"
    assert options["apiKeyRequired"] is False
    assert options["methodResponses"] == {
        "200": {
            "statusCode": "200",
            "responseParameters": {
                "method.response.header.Access-Control-Allow-Origin": False,
                "method.response.header.Access-Control-Allow-Methods": False,
                "method.response.header.Access-Control-Allow-Headers": False,
            },
            "responseModels": {"application/json": "Empty"},
        }
    }
    integration = options["methodIntegration"]
    assert integration["type"] == "MOCK"
    assert "uri" not in integration and "httpMethod" not in integration
    assert integration["requestTemplates"] == {"application/json": '{"statusCode": 200}'}
    assert integration["integrationResponses"]["200"]["responseParameters"] == {
        "method.response.header.Access-Control-Allow-Methods": "'GET,POST,OPTIONS'",
        "method.response.header.Access-Control-Allow-Headers": (
            "'Content-Type,X-Amz-Date,Authorization,X-Api-Key'"
        ),
        "method.response.header.Access-Control-Allow-Origin": "'*'",
    }


def test_path_and_header_parameters(petstore: Any) -> None:
    get = method(petstore, "/pets/{petId}", "GET")
    assert get["requestParameters"] == {
        "method.request.path.petId": True,
        "method.request.header.X-Trace": False,
    }
    assert get["methodIntegration"]["requestParameters"] == {
        "integration.request.path.petId": "method.request.path.petId",
        "integration.request.header.X-Trace": "method.request.header.X-Trace",
    }


def test_any_method_http_proxy_greedy(petstore: Any) -> None:
    res = resource(petstore, "/orders/{proxy+}")
    assert res["pathPart"] == "{proxy+}"
    anym = res["resourceMethods"]["ANY"]
    assert anym["httpMethod"] == "ANY"
    assert anym["requestParameters"] == {"method.request.path.proxy": True}
    assert "methodResponses" not in anym  # AWS leaves empty maps out (recorded)
    integration = anym["methodIntegration"]
    assert integration["type"] == "HTTP_PROXY"
    assert integration["httpMethod"] == "ANY"
    assert integration["uri"] == "http://orders.internal:8080/{proxy}"
    assert integration["cacheKeyParameters"] == ["method.request.path.proxy"]
    assert integration["cacheNamespace"] == res["id"]
    assert "integrationResponses" not in integration


def test_aws_proxy_lambda_with_token_authorizer(petstore: Any) -> None:
    (auth,) = petstore.authorizers
    assert ID6.match(auth["id"])
    assert auth == {
        "id": auth["id"],
        "name": "TokenAuth",
        "type": "TOKEN",
        "authorizerUri": (
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
            "arn:aws:lambda:us-east-1:123456789012:function:authz/invocations"
        ),
        "identitySource": "method.request.header.Authorization",
        "identityValidationExpression": "^Bearer [-0-9a-zA-Z._]*$",
        "authorizerResultTtlInSeconds": 60,
        "authType": "custom",
    }
    post = method(petstore, "/hello", "POST")
    assert post["authorizationType"] == "CUSTOM"
    assert post["authorizerId"] == auth["id"]
    assert post["apiKeyRequired"] is False
    integration = post["methodIntegration"]
    assert integration["type"] == "AWS_PROXY"
    assert integration["httpMethod"] == "POST"
    assert integration["uri"].endswith(":function:hello/invocations")
    assert integration["contentHandling"] == "CONVERT_TO_TEXT"


def test_models_with_refs_rewritten(petstore: Any) -> None:
    api_id = petstore.rest_api["id"]
    models = {m["name"]: m for m in petstore.models}
    assert sorted(models) == ["Empty", "Error", "NewPet", "NewPetResponse", "Pet", "Pets"]
    pets = models["Pets"]
    assert ID6.match(pets["id"])
    assert pets["contentType"] == "application/json"
    assert json.loads(pets["schema"]) == {
        "type": "array",
        "items": {"$ref": f"https://apigateway.amazonaws.com/restapis/{api_id}/models/Pet"},
    }
    assert json.loads(models["NewPet"]["schema"])["properties"]["price"] == {
        "type": "number",
        "minimum": 25,
        "maximum": 500,
    }


def test_validators_and_gateway_responses(petstore: Any) -> None:
    validators = sorted(petstore.request_validators, key=lambda v: v["name"])
    assert [{k: v for k, v in d.items() if k != "id"} for d in validators] == [
        {"name": "all", "validateRequestBody": True, "validateRequestParameters": True},
        {"name": "params-only", "validateRequestBody": False, "validateRequestParameters": True},
    ]
    assert petstore.gateway_responses == [
        {
            "responseType": "DEFAULT_4XX",
            "responseParameters": {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
            "responseTemplates": {"application/json": '{"message":$context.error.messageString}'},
            "defaultResponse": False,
        },
        {
            "responseType": "MISSING_AUTHENTICATION_TOKEN",
            "statusCode": "404",
            "responseParameters": {},
            "responseTemplates": {"application/json": '{"message":"Not found"}'},
            "defaultResponse": False,
        },
    ]


def test_fresh_ids_on_every_import() -> None:
    text = fixture_text("petstore-oas3.yaml")
    first, second = import_openapi(text), import_openapi(text)
    assert first.rest_api["id"] != second.rest_api["id"]
    assert {r["id"] for r in first.resources}.isdisjoint(r["id"] for r in second.resources)


def test_bytes_input_is_accepted() -> None:
    defn = import_openapi(fixture_text("petstore-oas3.yaml").encode())
    assert defn.rest_api["name"] == "PetStore"


# --- Swagger 2 fixture ------------------------------------------------------------------------


def test_swagger_rest_api(orders: Any) -> None:
    rest = orders.rest_api
    assert rest["name"] == "Orders"
    assert rest["version"] == "1.0.0"
    assert "description" not in rest and "policy" not in rest
    assert rest["apiKeySource"] == "AUTHORIZER"
    assert rest["endpointConfiguration"] == {"types": ["REGIONAL"], "ipAddressType": "ipv4"}
    assert rest["disableExecuteApiEndpoint"] is False
    assert rest["binaryMediaTypes"] == ["image/png"]
    # basepath=ignore (the default) drops /v1.
    assert [r["path"] for r in orders.resources] == [
        "/",
        "/files",
        "/files/{name}",
        "/orders",
        "/orders/{orderId}",
    ]


def test_swagger_iam_and_header_parameters(orders: Any) -> None:
    get = method(orders, "/orders", "GET")
    assert get["authorizationType"] == "AWS_IAM"
    assert "authorizerId" not in get
    assert get["requestParameters"] == {
        "method.request.querystring.status": False,
        "method.request.header.X-Customer": True,
    }
    assert get["methodResponses"]["200"]["responseModels"] == {"application/json": "OrderList"}
    assert get["methodIntegration"]["requestParameters"]["integration.request.header.X-Source"] == (
        "'frontgate'"
    )


def test_swagger_body_parameter_and_cognito(orders: Any) -> None:
    pool = next(a for a in orders.authorizers if a["name"] == "UserPool")
    assert pool["type"] == "COGNITO_USER_POOLS"
    assert pool["providerARNs"] == [
        "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbCdEf"
    ]
    assert pool["identitySource"] == "method.request.header.Authorization"
    assert "authorizerResultTtlInSeconds" not in pool  # as AWS imports it (recorded)
    post = method(orders, "/orders", "POST")
    assert post["authorizationType"] == "COGNITO_USER_POOLS"
    assert post["authorizerId"] == pool["id"]
    assert post["authorizationScopes"] == ["orders/write"]
    assert post["requestModels"] == {"application/json": "Order"}
    assert "requestParameters" not in post  # none declared: AWS leaves the map out
    integration = post["methodIntegration"]
    assert integration["type"] == "AWS"
    assert integration["credentials"] == "arn:aws:iam::123456789012:role/apigw-invoke"
    assert integration["passthroughBehavior"] == "NEVER"
    assert integration["integrationResponses"]["500"]["selectionPattern"] == ".*Error.*"


def test_swagger_request_authorizer_and_path_level_parameters(orders: Any) -> None:
    auth = next(a for a in orders.authorizers if a["name"] == "RequestAuth")
    assert auth["type"] == "REQUEST"
    assert auth["identitySource"] == (
        "method.request.header.X-Token, method.request.querystring.tenant"
    )
    assert auth["authorizerResultTtlInSeconds"] == 0
    get = method(orders, "/orders/{orderId}", "GET")
    assert get["authorizationType"] == "CUSTOM"
    assert get["authorizerId"] == auth["id"]
    assert get["requestParameters"] == {"method.request.path.orderId": True}


def test_swagger_binary_content_handling(orders: Any) -> None:
    get = method(orders, "/files/{name}", "GET")
    assert get["methodResponses"]["200"]["responseParameters"] == {
        "method.response.header.Content-Type": False
    }
    integration = get["methodIntegration"]
    assert integration["contentHandling"] == "CONVERT_TO_BINARY"
    assert integration["integrationResponses"]["200"]["contentHandling"] == "CONVERT_TO_BINARY"


def test_swagger_models(orders: Any) -> None:
    api_id = orders.rest_api["id"]
    models = {m["name"]: json.loads(m["schema"]) for m in orders.models}
    assert models["OrderList"]["items"] == {
        "$ref": f"https://apigateway.amazonaws.com/restapis/{api_id}/models/Order"
    }
    assert orders.request_validators[0]["validateRequestParameters"] is True
    assert orders.gateway_responses[0]["statusCode"] == "403"


# --- base path ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("ignore", ["/", "/orders"]),
        ("prepend", ["/", "/api", "/api/v1", "/api/v1/orders"]),
        ("split", ["/", "/v1", "/v1/orders"]),
    ],
)
def test_base_path_modes(mode: str, expected: list[str]) -> None:
    text = json.dumps(
        {
            "swagger": "2.0",
            "info": {"title": "T", "version": "1"},
            "basePath": "/api/v1",
            "paths": {"/orders": {"get": http_get()}},
        }
    )
    defn = import_openapi(text, base_path=mode)
    assert [r["path"] for r in defn.resources] == expected


def test_oas3_base_path_from_server_variables() -> None:
    servers = [{"url": "https://h/{basePath}", "variables": {"basePath": {"default": "/prod"}}}]
    defn = import_openapi(oas3({"/x": {"get": http_get()}}, servers=servers), base_path="prepend")
    assert [r["path"] for r in defn.resources] == ["/", "/prod", "/prod/x"]


# --- warnings --------------------------------------------------------------------------------


def test_operation_without_integration_is_kept_with_a_warning() -> None:
    text = oas3({"/pets": {"get": {"responses": {"200": {"description": "ok"}}}}})
    defn = import_openapi(text, source="pets.json")
    get = method(defn, "/pets", "GET")
    assert "methodIntegration" not in get
    assert get["methodResponses"] == {"200": {"statusCode": "200"}}
    assert defn.warnings == [
        "paths./pets.get: no x-amazon-apigateway-integration; the method is imported without one"
    ]


def test_fail_on_warnings_raises() -> None:
    text = oas3({"/pets": {"get": {"responses": {"200": {"description": "ok"}}}}})
    with pytest.raises(OpenApiImportError) as err:
        import_openapi(text, source="pets.json", fail_on_warnings=True)
    assert str(err.value).startswith("pets.json: warning treated as error: paths./pets.get: ")


def test_yaml_unquoted_status_codes_and_swagger_float_version() -> None:
    text = (
        "swagger: 2.0\ninfo: {title: T, version: 1.0}\npaths:\n  /a:\n    get:\n"
        "      responses:\n        200: {description: ok}\n"
        "      x-amazon-apigateway-integration: {type: mock}\n"
    )
    defn = import_openapi(text)
    assert defn.rest_api["version"] == "1.0"
    assert method(defn, "/a", "GET")["methodResponses"]["200"]["statusCode"] == "200"


def test_inline_schema_becomes_generated_model() -> None:
    op = http_get()
    op["operationId"] = "make-thing"
    op["requestBody"] = {"content": {"application/json": {"schema": {"type": "object"}}}}
    defn = import_openapi(oas3({"/t": {"post": op}}))
    assert method(defn, "/t", "POST")["requestModels"] == {"application/json": "makethingRequest"}
    assert [m["name"] for m in defn.models] == ["makethingRequest"]


# --- refusals --------------------------------------------------------------------------------


def _refused(text: str, source: str = "pets.yaml", **kwargs: Any) -> str:
    with pytest.raises(OpenApiImportError) as err:
        import_openapi(text, source=source, **kwargs)
    return str(err.value)


def test_unparseable_yaml_names_file_and_line() -> None:
    message = _refused("openapi: 3.0.1\ninfo:\n  title: [unclosed\npaths: {}\n")
    assert message.startswith("pets.yaml: invalid YAML at line 4")


def test_unparseable_json_names_file_and_line() -> None:
    message = _refused('{\n  "openapi": "3.0.1",\n  "info": {,}\n}', source="pets.json")
    assert message.startswith("pets.json: invalid JSON at line 3, column 12")


@pytest.mark.parametrize("text", ["- a\n- b\n", "just a string", ""])
def test_not_an_object(text: str) -> None:
    assert "definition must be a JSON/YAML object" in _refused(text)


@pytest.mark.parametrize(
    "top", [{"openapi": "2.0"}, {"swagger": "1.2"}, {"info": {"title": "x"}}, {"openapi": 3}]
)
def test_not_openapi_or_swagger(top: dict[str, Any]) -> None:
    message = _refused(json.dumps({**top, "paths": {}}))
    assert message == (
        "pets.yaml: not an OpenAPI document: expected 'openapi: 3.x' or 'swagger: \"2.0\"'"
    )


def test_unknown_integration_type() -> None:
    op = http_get()
    op["x-amazon-apigateway-integration"]["type"] = "ftp"
    message = _refused(oas3({"/pets/{id}": {"get": op}}))
    assert message == (
        "pets.yaml: paths./pets/{id}.get: x-amazon-apigateway-integration type 'ftp' is not one "
        "of HTTP, HTTP_PROXY, AWS, AWS_PROXY, MOCK"
    )


@pytest.mark.parametrize("kind", ["http", "http_proxy", "aws", "aws_proxy"])
def test_missing_uri(kind: str) -> None:
    op = {"x-amazon-apigateway-integration": {"type": kind, "httpMethod": "POST"}}
    message = _refused(oas3({"/pets/{id}": {"get": op}}))
    assert message == (
        "pets.yaml: paths./pets/{id}.get: x-amazon-apigateway-integration has no 'uri' "
        f"(required for type {kind.upper()})"
    )


def test_missing_integration_http_method() -> None:
    op = {"x-amazon-apigateway-integration": {"type": "http_proxy", "uri": "http://b/"}}
    message = _refused(oas3({"/pets": {"x-amazon-apigateway-any-method": op}}))
    assert message == (
        "pets.yaml: paths./pets.x-amazon-apigateway-any-method: x-amazon-apigateway-integration "
        "has no 'httpMethod' (required for type HTTP_PROXY)"
    )


def test_conflicting_variable_names() -> None:
    message = _refused(oas3({"/pets/{id}": {"get": http_get()}, "/pets/{petId}/x": {}}))
    assert message == (
        "pets.yaml: paths./pets/{petId}/x: conflicting path variables {id} and {petId} at the "
        "same position under /pets"
    )


def test_greedy_variable_not_last() -> None:
    message = _refused(oas3({"/{proxy+}/x": {"get": http_get()}}))
    assert message == (
        "pets.yaml: paths./{proxy+}/x: greedy path variable {proxy+} must be the last segment"
    )


def test_child_of_existing_greedy_resource() -> None:
    paths = {"/a/{proxy+}": {"get": http_get()}, "/a/{proxy+}/b": {"get": http_get()}}
    assert "paths./a/{proxy+}/b: greedy path variable" in _refused(oas3(paths))


def test_paths_normalising_to_the_same_resource() -> None:
    message = _refused(oas3({"/pets": {"get": http_get()}, "/pets/": {"post": http_get()}}))
    assert message == (
        "pets.yaml: paths./pets/: path '/pets/' and '/pets' are the same resource /pets"
    )


@pytest.mark.parametrize("path", ["/pets/bad%20seg", "/pets//x", "pets", "/{}", "/a/{b"])
def test_invalid_path_segments(path: str) -> None:
    message = _refused(oas3({path: {"get": http_get()}}))
    assert message.startswith(f"pets.yaml: paths.{path}: ")


def test_more_than_one_variable_sibling() -> None:
    message = _refused(oas3({"/pets/{id}": {"get": http_get()}, "/pets/{proxy+}": {}}))
    assert message == (
        "pets.yaml: paths./pets/{proxy+}: A sibling ({id}) of this resource already has a "
        "variable path part -- only one is allowed (adding {proxy+} under /pets)"
    )


def test_undefined_security_scheme() -> None:
    op = http_get()
    op["security"] = [{"nope": []}]
    message = _refused(oas3({"/pets": {"post": op}}))
    assert message == "pets.yaml: paths./pets.post: security names undefined scheme 'nope'"


def test_unknown_request_validator() -> None:
    op = http_get()
    op["x-amazon-apigateway-request-validator"] = "strict"
    message = _refused(oas3({"/pets": {"put": op}}))
    assert message == "pets.yaml: paths./pets.put: unknown request validator 'strict'"


def test_bad_passthrough_behavior() -> None:
    op = http_get()
    op["x-amazon-apigateway-integration"]["passthroughBehavior"] = "sometimes"
    message = _refused(oas3({"/pets": {"get": op}}))
    assert message.startswith("pets.yaml: paths./pets.get: x-amazon-apigateway-integration ")
    assert "passthroughBehavior 'sometimes'" in message


def test_integration_response_without_status_code() -> None:
    op = http_get()
    op["x-amazon-apigateway-integration"]["responses"] = {"default": {}}
    message = _refused(oas3({"/pets": {"get": op}}))
    assert message == (
        "pets.yaml: paths./pets.get: x-amazon-apigateway-integration.responses.default has no "
        "'statusCode'"
    )


def test_unknown_model_reference() -> None:
    op = http_get()
    op["requestBody"] = {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ghost"}}}
    }
    message = _refused(oas3({"/pets": {"post": op}}))
    assert message == "pets.yaml: paths./pets.post: schema $ref names unknown model 'Ghost'"


def test_model_referring_to_unknown_model() -> None:
    schemas = {"Pets": {"type": "array", "items": {"$ref": "#/components/schemas/Ghost"}}}
    message = _refused(oas3({}, components={"schemas": schemas}))
    assert message == "pets.yaml: components.schemas.Pets: $ref names unknown model 'Ghost'"


def test_non_alphanumeric_model_name() -> None:
    message = _refused(oas3({}, components={"schemas": {"Pet_Input": {"type": "object"}}}))
    assert message == "pets.yaml: components.schemas: model name 'Pet_Input' must be alphanumeric"


def test_unknown_authorizer_type() -> None:
    schemes = {"jwt": {"type": "apiKey", "x-amazon-apigateway-authorizer": {"type": "jwt"}}}
    message = _refused(oas3({}, components={"securitySchemes": schemes}))
    assert message.startswith("pets.yaml: components.securitySchemes.jwt: ")


def test_unknown_gateway_response_type() -> None:
    message = _refused(oas3({}, **{"x-amazon-apigateway-gateway-responses": {"NOPE": {}}}))
    assert message == (
        "pets.yaml: x-amazon-apigateway-gateway-responses: unknown gateway response type 'NOPE'"
    )


def test_missing_title() -> None:
    text = json.dumps({"openapi": "3.0.1", "info": {"version": "1"}, "paths": {}})
    assert _refused(text) == "pets.yaml: info: info.title is required (it becomes the API name)"


def test_yaml_flow_mapping_that_is_not_json() -> None:
    defn = import_openapi("{openapi: 3.0.1, info: {title: Flow, version: '1'}, paths: {}}")
    assert defn.rest_api["name"] == "Flow"
