"""export_openapi and dump: document shape field by field, and import -> export -> import."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from frontgate.definition.model import ApiDefinition
from frontgate.openapi import dump, export_openapi, import_openapi

from .helpers import fixture_text, shape

FULL = frozenset({"apigateway"})


def test_oas30_top_level(petstore: ApiDefinition) -> None:
    doc = export_openapi(petstore, stage_name="prod", host="api.example.test", extensions=FULL)
    assert list(doc)[:5] == ["openapi", "info", "servers", "paths", "components"]
    assert doc["openapi"] == "3.0.1"
    assert doc["info"] == {
        "title": "PetStore",
        "description": "Your first API with Amazon API Gateway.",
        "version": "2024-06-01T10:00:00Z",
    }
    assert doc["servers"] == [
        {
            "url": "https://api.example.test/{basePath}",
            "variables": {"basePath": {"default": "prod"}},
            "x-amazon-apigateway-endpoint-configuration": {"disableExecuteApiEndpoint": True},
        }
    ]
    assert list(doc["paths"]) == ["/hello", "/orders/{proxy+}", "/pets", "/pets/{petId}"]
    assert doc["x-amazon-apigateway-binary-media-types"] == [
        "image/png",
        "application/octet-stream",
    ]
    assert "x-amazon-apigateway-api-key-source" not in doc  # HEADER, the default (AWS-recorded)
    assert doc["x-amazon-apigateway-minimum-compression-size"] == 1024
    assert doc["x-amazon-apigateway-policy"]["Statement"][0]["Action"] == "execute-api:Invoke"
    assert doc["x-amazon-apigateway-request-validators"] == {
        "all": {"validateRequestBody": True, "validateRequestParameters": True},
        "params-only": {"validateRequestBody": False, "validateRequestParameters": True},
    }
    assert doc["x-amazon-apigateway-gateway-responses"]["MISSING_AUTHENTICATION_TOKEN"] == {
        "statusCode": "404",
        "responseParameters": {},
        "responseTemplates": {"application/json": '{"message":"Not found"}'},
    }


def test_oas30_operation(petstore: ApiDefinition) -> None:
    doc = export_openapi(petstore, stage_name="prod", extensions=FULL)
    get = doc["paths"]["/pets"]["get"]
    assert get["operationId"] == "ListPets"
    assert get["parameters"] == [  # the document's order and no ``required: false`` (AWS)
        {"name": "type", "in": "query", "schema": {"type": "string"}},
        {"name": "page", "in": "query", "required": True, "schema": {"type": "string"}},
    ]
    assert get["responses"] == {
        "200": {
            "description": "200 response",
            "headers": {"Access-Control-Allow-Origin": {"schema": {"type": "string"}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pets"}}},
        }
    }
    assert get["security"] == [{"api_key": []}]
    assert get["x-amazon-apigateway-request-validator"] == "params-only"
    assert get["x-amazon-apigateway-integration"] == {
        "type": "http",
        "httpMethod": "GET",
        "uri": "http://petstore.execute-api.us-east-1.amazonaws.com/petstore/pets",
        "responses": {
            "default": {
                "statusCode": "200",
                "responseParameters": {"method.response.header.Access-Control-Allow-Origin": "'*'"},
            }
        },
        "requestParameters": {
            "integration.request.querystring.type": "method.request.querystring.type",
            "integration.request.querystring.page": "method.request.querystring.page",
        },
        "passthroughBehavior": "when_no_match",
        "timeoutInMillis": 10000,
    }
    post = doc["paths"]["/pets"]["post"]
    assert post["requestBody"] == {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewPet"}}},
        "required": True,
    }
    responses = post["x-amazon-apigateway-integration"]["responses"]
    assert responses["4\\d{2}"]["statusCode"] == "400"
    assert responses["default"] == {"statusCode": "200"}


def test_oas30_any_method_and_security_schemes(petstore: ApiDefinition) -> None:
    doc = export_openapi(petstore, extensions=FULL)
    proxy = doc["paths"]["/orders/{proxy+}"]
    assert list(proxy) == ["x-amazon-apigateway-any-method"]
    integration = proxy["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"]
    assert integration["type"] == "http_proxy"
    assert integration["cacheKeyParameters"] == ["method.request.path.proxy"]
    assert "cacheNamespace" not in integration  # the default namespace is the resource id
    assert doc["paths"]["/hello"]["post"]["security"] == [{"TokenAuth": []}]
    schemes = doc["components"]["securitySchemes"]
    assert schemes["api_key"] == {"type": "apiKey", "name": "x-api-key", "in": "header"}
    assert schemes["TokenAuth"] == {
        "type": "apiKey",
        "name": "Authorization",
        "in": "header",
        "x-amazon-apigateway-authtype": "custom",
        "x-amazon-apigateway-authorizer": {
            "type": "token",
            "authorizerUri": (
                "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                "arn:aws:lambda:us-east-1:123456789012:function:authz/invocations"
            ),
            "identitySource": "method.request.header.Authorization",
            "identityValidationExpression": "^Bearer [-0-9a-zA-Z._]*$",
            "authorizerResultTtlInSeconds": 60,
        },
    }
    assert doc["components"]["schemas"]["Pets"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Pet"},
    }


def test_export_without_extensions_is_plain_openapi(petstore: ApiDefinition) -> None:
    doc = export_openapi(petstore)
    text = json.dumps(doc)
    assert "x-amazon-apigateway-integration" not in text
    assert "x-amazon-apigateway-authorizer" not in text
    assert "x-amazon-apigateway-gateway-responses" not in text
    # ANY has no OpenAPI spelling, so the any-method key is always written.
    assert "x-amazon-apigateway-any-method" in doc["paths"]["/orders/{proxy+}"]
    assert doc["servers"] == [{"url": f"https://{petstore.rest_api['id']}.execute-api.localhost"}]
    assert doc["components"]["securitySchemes"]["TokenAuth"] == {
        "type": "apiKey",
        "name": "Authorization",
        "in": "header",
    }


def test_swagger_export(orders: ApiDefinition) -> None:
    doc = export_openapi(
        orders, export_type="swagger", stage_name="v1", host="h.test", extensions=FULL
    )
    assert doc["swagger"] == "2.0"
    assert (doc["host"], doc["basePath"], doc["schemes"]) == ("h.test", "/v1", ["https"])
    assert doc["x-amazon-apigateway-endpoint-configuration"] == {"types": ["REGIONAL"]}
    post = doc["paths"]["/orders"]["post"]
    assert post["consumes"] == ["application/json"]
    assert post["produces"] == ["application/json"]
    assert post["parameters"] == [
        {"in": "body", "name": "Order", "required": True, "schema": {"$ref": "#/definitions/Order"}}
    ]
    assert post["responses"]["500"] == {
        "description": "500 response",
        "schema": {"$ref": "#/definitions/Error"},
    }
    assert post["security"] == [{"UserPool": ["orders/write"]}]
    get = doc["paths"]["/orders"]["get"]
    assert get["parameters"] == [
        {"name": "status", "in": "query", "required": False, "type": "string"},
        {"name": "X-Customer", "in": "header", "required": True, "type": "string"},
    ]
    assert get["security"] == [{"sigv4": []}]
    assert doc["securityDefinitions"]["sigv4"]["x-amazon-apigateway-authtype"] == "awsSigv4"
    assert doc["securityDefinitions"]["RequestAuth"]["name"] == "Unused"
    assert doc["definitions"]["OrderList"]["items"] == {"$ref": "#/definitions/Order"}
    files = doc["paths"]["/files/{name}"]["get"]
    assert files["responses"]["200"]["headers"] == {"Content-Type": {"type": "string"}}


def test_version_falls_back_to_creation_time() -> None:
    defn = ApiDefinition(
        rest_api={"id": "abcdefghij", "name": "N", "createdDate": 0, "rootResourceId": "r"},
        resources=[{"id": "r", "path": "/"}],
    )
    doc = export_openapi(defn)
    assert doc["info"] == {"title": "N", "version": "1970-01-01T00:00:00Z"}
    assert doc["paths"] == {}


def test_unknown_export_type(petstore: ApiDefinition) -> None:
    with pytest.raises(ValueError, match="export_type"):
        export_openapi(petstore, export_type="raml")


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_dump_parses_back(petstore: ApiDefinition, fmt: Any) -> None:
    doc = export_openapi(petstore, stage_name="prod", extensions=FULL)
    text = dump(doc, fmt)
    parsed = json.loads(text) if fmt == "json" else yaml.safe_load(text)
    assert parsed == doc


def test_dump_rejects_unknown_format(petstore: ApiDefinition) -> None:
    with pytest.raises(ValueError, match="fmt"):
        dump({}, "xml")  # type: ignore[arg-type]


@pytest.mark.parametrize("fixture", ["petstore-oas3.yaml", "orders-swagger.json"])
@pytest.mark.parametrize("export_type", ["oas30", "swagger"])
@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_round_trip(fixture: str, export_type: str, fmt: Any) -> None:
    first = import_openapi(fixture_text(fixture), source=fixture)
    text = dump(
        export_openapi(first, export_type=export_type, stage_name="s", extensions=FULL), fmt
    )
    second = import_openapi(text, source=f"export.{fmt}")
    assert second.warnings == first.warnings
    assert second.rest_api["id"] != first.rest_api["id"]
    assert shape(second) == shape(first)


def test_round_trip_twice_is_stable() -> None:
    first = import_openapi(fixture_text("petstore-oas3.yaml"))
    once = export_openapi(first, stage_name="s", host="h", extensions=FULL)
    second = import_openapi(dump(once, "yaml"))
    twice = export_openapi(second, stage_name="s", host="h", extensions=FULL)
    assert twice == once


def test_oas30_components_even_when_empty() -> None:
    # AWS writes ``components: {}`` for an API without models (recorded:
    # test_apigateway_extended.py::test_export_oas30_openapi[TEST_IMPORT_PETS]).
    bare = ApiDefinition(
        rest_api={"id": "abc", "name": "bare", "createdDate": 0},
        resources=[{"id": "r", "path": "/"}],
    )
    assert export_openapi(bare, stage_name="dev")["components"] == {}
