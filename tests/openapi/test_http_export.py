"""export_http_api: HTTP APIs to OpenAPI 3.0.1 as AWS's ExportApi writes them, and the
round trip (export, then import, gives the same routes, integrations and authorizers)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from frontgate.definition.httpapis import HttpApiDefinition
from frontgate.definition.model import Doc
from frontgate.openapi import dump
from frontgate.openapi.http_export import export_http_api
from frontgate.openapi.http_import import import_http_api

from .helpers import fixture_text

ENDPOINT = "http://abcdefghij.execute-api.localhost:8080"
EXT = "x-amazon-apigateway-"


@pytest.fixture(scope="module", params=["http-petstore.json", "http-secured.yaml"])
def defn(request: pytest.FixtureRequest) -> HttpApiDefinition:
    return import_http_api(fixture_text(request.param)).definition


@pytest.fixture(scope="module")
def secured() -> HttpApiDefinition:
    return import_http_api(fixture_text("http-secured.yaml")).definition


def _export(defn: HttpApiDefinition, **kw: Any) -> Doc:
    return export_http_api(defn, endpoint=ENDPOINT, **kw)


def test_document_head(secured: HttpApiDefinition) -> None:
    doc = _export(secured, stage_name="prod")
    assert doc["openapi"] == "3.0.1"
    assert doc["info"] == {"title": "orders-api", "version": "2024-05-01"}
    assert doc["servers"] == [
        {"url": f"{ENDPOINT}/{{basePath}}", "variables": {"basePath": {"default": "prod"}}}
    ]
    assert doc[EXT + "importexport-version"] == "1.0"
    assert doc["tags"] == [{"name": "team", EXT + "tag-value": "payments"}]
    assert doc[EXT + "cors"]["allowOrigins"] == ["https://shop.example.com"]


def test_default_stage_has_an_empty_base_path(secured: HttpApiDefinition) -> None:
    for stage in (None, "$default"):
        server = _export(secured, stage_name=stage)["servers"][0]
        assert server["variables"] == {"basePath": {"default": ""}}


def test_version_falls_back_to_the_creation_time() -> None:
    defn = HttpApiDefinition(api={"apiId": "a", "name": "n", "createdDate": "2020-05-12T20:16:25Z"})
    assert _export(defn)["info"] == {"title": "n", "version": "2020-05-12 20:16:25UTC"}


def test_operations(secured: HttpApiDefinition) -> None:
    paths = _export(secured)["paths"]
    assert list(paths) == ["/$default", "/admin/{proxy+}", "/orders", "/orders/{id}"]
    get = paths["/orders"]["get"]
    assert get["responses"] == {"default": {"description": "Default response for GET /orders"}}
    assert get["security"] == [{"cognito": ["orders/read"]}]
    assert get[EXT + "integration"] == {
        "payloadFormatVersion": "2.0",
        "type": "aws_proxy",
        "httpMethod": "POST",
        "uri": "arn:aws:lambda:us-east-1:123456789012:function:orders",
        "connectionType": "INTERNET",
        "timeoutInMillis": 30000,
    }
    default = paths["/$default"][EXT + "any-method"]
    assert default["isDefaultRoute"] is True
    admin = paths["/admin/{proxy+}"]
    assert admin[EXT + "any-method"]["security"] == [{"sigv4": []}]
    assert admin["parameters"] == [
        {
            "name": "proxy",
            "in": "path",
            "description": "Generated path parameter for proxy",
            "required": True,
            "schema": {"type": "string"},
        }
    ]


def test_security_schemes(secured: HttpApiDefinition) -> None:
    schemes = _export(secured)["components"]["securitySchemes"]
    assert schemes["cognito"] == {
        "type": "oauth2",
        "flows": {},
        EXT + "authorizer": {
            "identitySource": "$request.header.Authorization",
            "jwtConfiguration": {
                "audience": ["client-one", "client-two"],
                "issuer": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example",
            },
            "type": "jwt",
        },
    }
    lam = schemes["lambda-auth"]
    assert (lam["type"], lam["name"], lam["in"]) == ("apiKey", "Unused", "header")
    assert lam[EXT + "authorizer"]["enableSimpleResponses"] is True
    assert lam[EXT + "authorizer"]["identitySource"] == (
        "$request.header.Authorization, $request.querystring.tenant"
    )
    assert schemes["sigv4"] == {
        "type": "apiKey",
        "name": "Authorization",
        "in": "header",
        EXT + "authtype": "awsSigv4",
    }


def test_without_extensions(secured: HttpApiDefinition) -> None:
    text = json.dumps(_export(secured, include_extensions=False))
    # ANY routes cannot be written without their extension; nothing else is left.
    assert "x-amazon-apigateway" not in text.replace(EXT + "any-method", "")
    doc = json.loads(text)
    assert doc["paths"]["/orders"]["get"]["security"] == [{"cognito": ["orders/read"]}]
    assert doc["components"]["securitySchemes"]["cognito"] == {"type": "oauth2", "flows": {}}


def test_models_come_back_as_local_schemas() -> None:
    defn = import_http_api(fixture_text("http-petstore.json")).definition
    schemas = _export(defn)["components"]["schemas"]
    assert schemas["Pets"] == {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}
    assert list(schemas) == ["NewPet", "Pet", "PetKind", "Pets"]


def _shape(defn: HttpApiDefinition) -> dict[str, Any]:
    """Everything but ids: routes with their integration and authorizer inlined."""
    integrations = {i["integrationId"]: i for i in defn.integrations}
    authorizers = {a["authorizerId"]: a for a in defn.authorizers}

    def strip(doc: Doc, *ids: str) -> Doc:
        return {k: v for k, v in doc.items() if k not in ids}

    routes = {}
    for route in defn.routes:
        target = route.get("target", "").removeprefix("integrations/")
        routes[route["routeKey"]] = {
            **strip(route, "routeId", "target", "authorizerId"),
            "integration": strip(integrations[target], "integrationId") if target else None,
            "authorizer": strip(authorizers[route["authorizerId"]], "authorizerId")
            if route.get("authorizerId")
            else None,
        }
    api = strip(defn.api, "apiId", "createdDate")
    models = {m["name"]: json.loads(m["schema"]) for m in defn.models}
    return {"api": api, "routes": routes, "models": models}


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_round_trip(defn: HttpApiDefinition, fmt: Any) -> None:
    text = dump(_export(defn), fmt)
    again = import_http_api(text).definition
    before, after = _shape(defn), _shape(again)
    # Model references name the API they belong to.
    after_models = json.dumps(after.pop("models")).replace(again.api_id, defn.api_id)
    assert json.loads(after_models) == before.pop("models")
    assert after == before


def test_yaml_output_is_yaml(secured: HttpApiDefinition) -> None:
    text = dump(_export(secured), "yaml")
    assert text.startswith("openapi: 3.0.1\n")
    assert yaml.safe_load(text)["info"]["title"] == "orders-api"


def test_disabled_execute_api_endpoint_round_trips() -> None:
    text = json.dumps(
        {
            "openapi": "3.0.1",
            "info": {"title": "private", "version": "1"},
            "servers": [
                {
                    "url": "https://example.com",
                    EXT + "endpoint-configuration": {"disableExecuteApiEndpoint": True},
                }
            ],
            "paths": {},
        }
    )
    defn = import_http_api(text).definition
    assert defn.api["disableExecuteApiEndpoint"] is True
    server = _export(defn)["servers"][0]
    assert server[EXT + "endpoint-configuration"] == {"disableExecuteApiEndpoint": True}
    again = import_http_api(dump(_export(defn), "json")).definition
    assert again.api["disableExecuteApiEndpoint"] is True


def test_aws_service_integration_round_trips() -> None:
    op = {
        "x-amazon-apigateway-integration": {
            "type": "aws_proxy",
            "integrationSubtype": "SQS-SendMessage",
            "credentials": "arn:aws:iam::123456789012:role/sqs",
            "requestParameters": {
                "QueueUrl": "$stageVariables.queue",
                "MessageBody": "$request.body.message",
            },
            "payloadFormatVersion": "1.0",
        }
    }
    text = json.dumps(
        {"openapi": "3.0.1", "info": {"title": "q", "version": "1"}, "paths": {"/q": {"post": op}}}
    )
    defn = import_http_api(text).definition
    (integration,) = defn.integrations
    assert integration["integrationSubtype"] == "SQS-SendMessage"
    assert integration["credentialsArn"] == "arn:aws:iam::123456789012:role/sqs"
    assert "integrationUri" not in integration and "integrationMethod" not in integration
    ext = _export(defn)["paths"]["/q"]["post"][EXT + "integration"]
    assert ext["integrationSubtype"] == "SQS-SendMessage"
    assert ext["credentials"] == "arn:aws:iam::123456789012:role/sqs"
    again = import_http_api(dump(_export(defn), "yaml")).definition
    assert _shape(again)["routes"] == _shape(defn)["routes"]
