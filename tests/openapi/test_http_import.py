"""import_http_api: HTTP APIs from OpenAPI 3.0 as AWS's ImportApi builds them (fixtures modelled
on AWS's documented examples), the warnings/info it reports and the definitions it refuses."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from frontgate.definition.model import Doc
from frontgate.openapi.errors import OpenApiImportError, OpenApiInputError
from frontgate.openapi.http_import import ImportedHttpApi, import_http_api

from .helpers import fixture_text

ID10 = re.compile(r"^[a-z0-9]{10}$")
ID7 = re.compile(r"^[a-z0-9]{7}$")
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:orders"


def _doc(paths: dict[str, Any], **top: Any) -> str:
    return json.dumps(
        {"openapi": "3.0.1", "info": {"title": "T", "version": "1"}, "paths": paths, **top}
    )


def _lambda_op(uri: str = LAMBDA, version: Any = "2.0", **extra: Any) -> Doc:
    return {
        "x-amazon-apigateway-integration": {
            "type": "aws_proxy",
            "httpMethod": "POST",
            "uri": uri,
            "payloadFormatVersion": version,
        },
        **extra,
    }


def _route(imp: ImportedHttpApi, key: str) -> Doc:
    return next(r for r in imp.definition.routes if r["routeKey"] == key)


def _target(imp: ImportedHttpApi, key: str) -> Doc:
    target = _route(imp, key)["target"]
    return next(
        i for i in imp.definition.integrations if target == f"integrations/{i['integrationId']}"
    )


@pytest.fixture(scope="module")
def petstore() -> ImportedHttpApi:
    return import_http_api(fixture_text("http-petstore.json"))


@pytest.fixture(scope="module")
def secured() -> ImportedHttpApi:
    return import_http_api(fixture_text("http-secured.yaml"))


# --- AWS's pet store example (HTTP_PROXY, CORS, schemas) ---------------------------------------


def test_api_document(petstore: ImportedHttpApi) -> None:
    api = petstore.definition.api
    assert ID10.match(api["apiId"])
    assert api["name"] == "Pet Shop"
    assert api["description"] == "A small pet shop served by an HTTP backend."
    assert api["version"] == "1.0"
    assert api["protocolType"] == "HTTP"
    assert api["routeSelectionExpression"] == "$request.method $request.path"
    assert api["disableExecuteApiEndpoint"] is False
    assert api["corsConfiguration"] == {
        "allowOrigins": ["*"],
        "allowMethods": ["GET", "OPTIONS", "POST"],
        "allowHeaders": ["authorization", "content-type", "x-amz-date"],
    }
    assert petstore.warnings == []


def test_routes_and_one_integration_per_operation(petstore: ImportedHttpApi) -> None:
    keys = [r["routeKey"] for r in petstore.definition.routes]
    assert keys == ["GET /pets", "POST /pets", "GET /pets/{petId}"]
    for route in petstore.definition.routes:
        assert ID7.match(route["routeId"])
        assert route["authorizationType"] == "NONE"
        assert route["apiKeyRequired"] is False
    # AWS creates an integration per operation, even for identical ones.
    assert len(petstore.definition.integrations) == 3
    assert _target(petstore, "GET /pets/{petId}") == {
        "integrationId": _target(petstore, "GET /pets/{petId}")["integrationId"],
        "integrationType": "HTTP_PROXY",
        "integrationMethod": "GET",
        "integrationUri": "http://backend.example.com/shop/pets/{petId}",
        "connectionType": "INTERNET",
        "payloadFormatVersion": "1.0",  # given as the number 1.0 in AWS's example
        "timeoutInMillis": 30000,
    }
    assert _route(petstore, "GET /pets")["operationName"] == "ListPets"


def test_schemas_become_models(petstore: ImportedHttpApi) -> None:
    models = {m["name"]: m for m in petstore.definition.models}
    assert sorted(models) == ["NewPet", "Pet", "PetKind", "Pets"]
    pets = json.loads(models["Pets"]["schema"])
    api_id = petstore.definition.api_id
    assert pets["items"]["$ref"] == (
        f"https://apigateway.amazonaws.com/restapis/{api_id}/models/Pet"
    )
    assert models["Pet"]["contentType"] == "application/json"


def test_request_bodies_are_import_info(petstore: ImportedHttpApi) -> None:
    assert petstore.info == [
        "paths./pets.post: 'requestBody' is not supported by HTTP APIs; ignored"
    ]


# --- authorizers, shared integrations, $default, parameter mapping -----------------------------


def test_jwt_authorizer_and_scopes(secured: ImportedHttpApi) -> None:
    auth = {a["name"]: a for a in secured.definition.authorizers}
    jwt = auth["cognito"]
    assert jwt["authorizerType"] == "JWT"
    assert jwt["identitySource"] == ["$request.header.Authorization"]
    assert jwt["jwtConfiguration"] == {
        "audience": ["client-one", "client-two"],
        "issuer": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example",
    }
    get = _route(secured, "GET /orders")
    assert get["authorizationType"] == "JWT"
    assert get["authorizerId"] == jwt["authorizerId"]
    assert get["authorizationScopes"] == ["orders/read"]
    assert _route(secured, "POST /orders")["authorizationScopes"] == [
        "orders/write",
        "orders/read",
    ]


def test_lambda_request_authorizer(secured: ImportedHttpApi) -> None:
    auth = next(a for a in secured.definition.authorizers if a["name"] == "lambda-auth")
    assert auth["authorizerType"] == "REQUEST"
    assert auth["identitySource"] == [
        "$request.header.Authorization",
        "$request.querystring.tenant",
    ]
    assert auth["authorizerPayloadFormatVersion"] == "2.0"
    assert auth["enableSimpleResponses"] is True
    assert auth["authorizerResultTtlInSeconds"] == 300
    assert auth["authorizerUri"].endswith("function:authorize/invocations")
    route = _route(secured, "DELETE /orders/{id}")
    assert route["authorizationType"] == "CUSTOM"
    assert route["authorizerId"] == auth["authorizerId"]
    assert "authorizationScopes" not in route


def test_sigv4_scheme_is_iam(secured: ImportedHttpApi) -> None:
    route = _route(secured, "ANY /admin/{proxy+}")
    assert route["authorizationType"] == "AWS_IAM"
    assert "authorizerId" not in route


def test_component_integrations_are_shared(secured: ImportedHttpApi) -> None:
    get, post = _target(secured, "GET /orders"), _target(secured, "POST /orders")
    assert get is post
    assert get["integrationType"] == "AWS_PROXY"
    assert get["integrationUri"] == LAMBDA
    assert get["payloadFormatVersion"] == "2.0"
    assert get["integrationMethod"] == "POST"
    assert len(secured.definition.integrations) == 4


def test_http_proxy_with_parameter_mapping(secured: ImportedHttpApi) -> None:
    integration = _target(secured, "ANY /admin/{proxy+}")
    assert integration["integrationMethod"] == "ANY"
    assert integration["requestParameters"] == {
        "append:header.x-from": "gateway",
        "overwrite:path": "$request.path.proxy",
    }
    assert integration["responseParameters"] == {"404": {"overwrite:statuscode": "410"}}
    assert integration["tlsConfig"] == {"serverNameToVerify": "admin.example.com"}
    assert _target(secured, "DELETE /orders/{id}")["timeoutInMillis"] == 5000


def test_default_route(secured: ImportedHttpApi) -> None:
    route = _route(secured, "$default")
    assert route["authorizationType"] == "NONE"
    assert _target(secured, "$default")["integrationUri"].endswith("function:fallback")


def test_cors_and_tags(secured: ImportedHttpApi) -> None:
    api = secured.definition.api
    assert api["corsConfiguration"]["allowCredentials"] is True
    assert api["corsConfiguration"]["maxAge"] == 3600
    assert api["tags"] == {"team": "payments"}
    assert secured.warnings == []


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("ignore", "GET /orders"),
        ("prepend", "GET /v1/orders-service/orders"),
        ("split", "GET /orders-service/orders"),
    ],
)
def test_basepath_modes(mode: str, expected: str) -> None:
    imp = import_http_api(fixture_text("http-secured.yaml"), base_path=mode)
    keys = {r["routeKey"] for r in imp.definition.routes}
    assert expected in keys
    assert "$default" in keys  # the default route has no path to prefix


def test_unquoted_yaml_version() -> None:
    text = "openapi: 3.0\ninfo: {title: t, version: 1}\npaths: {/a: {get: {}}}\n"
    imp = import_http_api(text)
    assert [r["routeKey"] for r in imp.definition.routes] == ["GET /a"]
    assert imp.definition.api["version"] == "1"


def test_reimport_keeps_the_api_id() -> None:
    imp = import_http_api(_doc({"/a": {"get": _lambda_op()}}), api_id="abcdefghij")
    assert imp.definition.api_id == "abcdefghij"


def test_openid_connect_url_gives_the_issuer() -> None:
    schemes = {
        "oidc": {
            "type": "openIdConnect",
            "openIdConnectUrl": "https://issuer.example.com/pool/.well-known/openid-configuration",
            "x-amazon-apigateway-authorizer": {
                "type": "jwt",
                "jwtConfiguration": {"audience": ["aud"]},
                "identitySource": "$request.header.Authorization",
            },
        }
    }
    imp = import_http_api(
        _doc(
            {"/a": {"get": _lambda_op(security=[{"oidc": []}])}},
            components={"securitySchemes": schemes},
        )
    )
    (auth,) = imp.definition.authorizers
    assert auth["jwtConfiguration"] == {
        "audience": ["aud"],
        "issuer": "https://issuer.example.com/pool",
    }


def test_root_security_applies_unless_the_operation_says_otherwise() -> None:
    schemes = {
        "sigv4": {
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
            "x-amazon-apigateway-authtype": "awsSigv4",
        }
    }
    imp = import_http_api(
        _doc(
            {"/a": {"get": _lambda_op(), "post": _lambda_op(security=[])}},
            components={"securitySchemes": schemes},
            security=[{"sigv4": []}],
        )
    )
    assert _route(imp, "GET /a")["authorizationType"] == "AWS_IAM"
    assert _route(imp, "POST /a")["authorizationType"] == "NONE"


def test_rest_export_migrates() -> None:
    """A REST API's export: no payloadFormatVersion, REST-style identity sources."""
    schemes = {
        "auth": {
            "type": "apiKey",
            "name": "auth",
            "in": "header",
            "x-amazon-apigateway-authtype": "custom",
            "x-amazon-apigateway-authorizer": {
                "type": "request",
                "identitySource": "method.request.header.auth, method.request.querystring.q",
                "authorizerUri": LAMBDA,
            },
        }
    }
    op = {
        "security": [{"auth": []}],
        "x-amazon-apigateway-integration": {
            "type": "aws_proxy",
            "httpMethod": "POST",
            "uri": LAMBDA,
            "passthroughBehavior": "when_no_match",
        },
    }
    imp = import_http_api(_doc({"/a": {"get": op}}, components={"securitySchemes": schemes}))
    (auth,) = imp.definition.authorizers
    assert auth["identitySource"] == ["$request.header.auth", "$request.querystring.q"]
    assert auth["authorizerPayloadFormatVersion"] == "1.0"
    assert _target(imp, "GET /a")["payloadFormatVersion"] == "1.0"
    assert imp.info == [
        "paths./a.get.x-amazon-apigateway-integration: 'passthroughBehavior' is not "
        "supported by HTTP APIs; ignored"
    ]


# --- warnings ----------------------------------------------------------------------------------


def _aws_integration_doc() -> str:
    # AWS's documented warning: HTTP APIs support only Lambda proxy and HTTP proxy integrations.
    op = {
        "x-amazon-apigateway-integration": {
            "type": "AWS",
            "httpMethod": "POST",
            "uri": "arn:aws:lambda:us-east-2:123456789012:function:HelloWorld",
            "payloadFormatVersion": "1.0",
        }
    }
    return _doc({"/": {"get": op}})


def test_unsupported_integration_type_is_a_warning() -> None:
    imp = import_http_api(_aws_integration_doc())
    assert imp.warnings == [
        "paths./.get.x-amazon-apigateway-integration: integration type 'AWS' is not "
        "supported by HTTP APIs (only aws_proxy and http_proxy); the route has no integration"
    ]
    (route,) = imp.definition.routes
    assert route["routeKey"] == "GET /"
    assert "target" not in route
    assert imp.definition.integrations == []


def test_fail_on_warnings() -> None:
    with pytest.raises(OpenApiImportError, match=r"warning treated as error: .*'AWS'"):
        import_http_api(_aws_integration_doc(), fail_on_warnings=True)


def test_unsupported_schemes_and_methods_are_warnings() -> None:
    schemes = {"key": {"type": "apiKey", "name": "x-api-key", "in": "header"}}
    imp = import_http_api(
        _doc(
            {"/a": {"get": _lambda_op(security=[{"key": []}]), "trace": {}}},
            components={"securitySchemes": schemes},
        )
    )
    assert len(imp.warnings) == 3
    assert _route(imp, "GET /a")["authorizationType"] == "NONE"


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"swagger": "2.0.0", "info": {"title": "My API", "version": "1.0"}}', "swagger"),
        ('{"openapi": "3.1.0", "info": {"title": "x", "version": "1"}}', "OpenAPI 3.1.0"),
        (_doc({}, **{"x-amazon-apigateway-importexport-version": "2.0"}), "importexport"),
        ('{"openapi": "3.0.1", "info": {"version": "1"}, "paths": {}}', "info.title"),
        (_doc({"/a": {"get": _lambda_op(version="3.0")}}), "payloadFormatVersion"),
        (
            _doc(
                {
                    "/a": {
                        "get": {
                            "x-amazon-apigateway-integration": {
                                "type": "http_proxy",
                                "httpMethod": "GET",
                                "uri": "http://x",
                                "payloadFormatVersion": "2.0",
                            }
                        }
                    }
                }
            ),
            "2.0 is supported only for Lambda",
        ),
        (
            _doc(
                {
                    "/a": {
                        "get": {
                            "x-amazon-apigateway-integration": {
                                "type": "aws_proxy",
                                "uri": LAMBDA,
                                "timeoutInMillis": 30001,
                            }
                        }
                    }
                }
            ),
            "timeoutInMillis",
        ),
        (
            _doc(
                {
                    "/a": {
                        "get": {
                            "x-amazon-apigateway-integration": {
                                "$ref": "#/components/x-amazon-apigateway-integrations/nope"
                            }
                        }
                    }
                }
            ),
            "points to nothing",
        ),
        (_doc({"/{proxy+}/a": {"get": _lambda_op()}}), "greedy"),
        (_doc({"/a": {"get": _lambda_op(security=[{"undefined": []}])}}), "undefined scheme"),
        (
            _doc({}, **{"x-amazon-apigateway-cors": {"allowOrigins": ["*"], "maxAge": 90000}}),
            "maxAge",
        ),
    ],
)
def test_errors(text: str, message: str) -> None:
    with pytest.raises(OpenApiImportError, match=re.escape(message)):
        import_http_api(text)


def test_multiple_security_requirements_are_an_error() -> None:
    """AWS: each operation can have only one of IAM, a Lambda authorizer or a JWT authorizer."""
    schemes = {
        "sigv4": {"type": "apiKey", "x-amazon-apigateway-authtype": "awsSigv4"},
        "jwt": {
            "type": "oauth2",
            "x-amazon-apigateway-authorizer": {
                "type": "jwt",
                "jwtConfiguration": {"issuer": "https://i.example.com", "audience": ["a"]},
            },
        },
    }
    text = _doc(
        {"/a": {"get": _lambda_op(security=[{"sigv4": []}, {"jwt": []}])}},
        components={"securitySchemes": schemes},
    )
    with pytest.raises(OpenApiImportError, match="multiple security requirements"):
        import_http_api(text)


@pytest.mark.parametrize("text", ["", "just text", "[1, 2]", '{"info": {}}', "{: bad"])
def test_not_an_openapi_document(text: str) -> None:
    with pytest.raises(OpenApiInputError):
        import_http_api(text)


def test_rest_request_parameters_are_translated() -> None:
    op = {
        "x-amazon-apigateway-integration": {
            "type": "http_proxy",
            "httpMethod": "ANY",
            "uri": "http://backend/{proxy}",
            "requestParameters": {
                "integration.request.path.proxy": "method.request.path.proxy",
                "integration.request.header.x-user": "method.request.header.user",
                "integration.request.querystring.v": "'2'",
                "integration.request.header.x-id": "method.request.body.id",
            },
        }
    }
    imp = import_http_api(_doc({"/{proxy+}": {"x-amazon-apigateway-any-method": op}}))
    assert _target(imp, "ANY /{proxy+}")["requestParameters"] == {
        "overwrite:header.x-user": "$request.header.user",
        "overwrite:querystring.v": "2",
    }
    assert imp.info == [
        "paths./{proxy+}.x-amazon-apigateway-any-method.x-amazon-apigateway-integration."
        "requestParameters: 'integration.request.path.proxy' is not needed by HTTP APIs; ignored"
    ]
    assert imp.warnings == [
        "paths./{proxy+}.x-amazon-apigateway-any-method.x-amazon-apigateway-integration."
        "requestParameters: request parameter 'integration.request.header.x-id' cannot be "
        "mapped; ignored"
    ]
