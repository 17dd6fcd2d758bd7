"""merge_definitions: PutRestApi's overwrite and merge modes."""

from __future__ import annotations

import copy
import json

import pytest

from frontgate.definition.model import ApiDefinition
from frontgate.openapi import OpenApiImportError, import_openapi, merge_definitions

from .helpers import fixture_text, http_get, method, oas3, resource, shape


def _petstore() -> ApiDefinition:
    return import_openapi(fixture_text("petstore-oas3.yaml"))


def test_overwrite_keeps_api_and_root_ids() -> None:
    existing = _petstore()
    existing.rest_api["tags"] = {"team": "pets"}
    incoming = import_openapi(fixture_text("orders-swagger.json"))
    before = copy.deepcopy((existing, incoming))
    out = merge_definitions(existing, incoming, "overwrite")
    assert (existing, incoming) == before  # inputs untouched
    api_id, root_id = existing.rest_api["id"], existing.rest_api["rootResourceId"]
    assert out.rest_api["id"] == api_id
    assert out.rest_api["rootResourceId"] == root_id
    assert out.rest_api["createdDate"] == existing.rest_api["createdDate"]
    assert out.rest_api["tags"] == {"team": "pets"}
    assert out.rest_api["name"] == "Orders"
    assert resource(out, "/")["id"] == root_id
    assert resource(out, "/orders")["parentId"] == root_id
    assert [r["path"] for r in out.resources] == [r["path"] for r in incoming.resources]
    order_list = next(m for m in out.models if m["name"] == "OrderList")
    assert f"/restapis/{api_id}/models/Order" in order_list["schema"]
    # Everything except the kept ids matches the incoming definition.
    assert shape(out) == {
        **shape(incoming),
        "restApi": {**shape(incoming)["restApi"], "tags": {"team": "pets"}},
    }


def test_overwrite_remaps_root_methods_cache_namespace() -> None:
    existing = _petstore()
    incoming = import_openapi(oas3({"/": {"get": http_get()}}))
    out = merge_definitions(existing, incoming, "overwrite")
    root = resource(out, "/")
    assert root["id"] == existing.rest_api["rootResourceId"]
    assert root["resourceMethods"]["GET"]["methodIntegration"]["cacheNamespace"] == root["id"]


def test_merge_adds_and_replaces_keeping_resource_ids() -> None:
    existing = _petstore()
    get = http_get("http://new-backend/pets")
    get["security"] = [{"Extra": []}]
    schemes = {
        "Extra": {
            "type": "apiKey",
            "name": "X-Extra",
            "in": "header",
            "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": "arn:x"},
        }
    }
    incoming = import_openapi(
        oas3(
            {"/pets": {"get": get}, "/pets/{petId}/toys": {"get": http_get()}},
            components={"schemas": {"Pet": {"type": "string"}}, "securitySchemes": schemes},
            **{"x-amazon-apigateway-binary-media-types": ["image/gif", "image/png"]},
        )
    )
    out = merge_definitions(existing, incoming, "merge")
    assert out.rest_api["id"] == existing.rest_api["id"]
    assert out.rest_api["name"] == incoming.rest_api["name"]  # the document's title (AWS-recorded)
    assert out.rest_api["binaryMediaTypes"] == [
        "image/png",
        "application/octet-stream",
        "image/gif",
    ]
    pets = resource(out, "/pets")
    assert pets["id"] == resource(existing, "/pets")["id"]
    assert set(pets["resourceMethods"]) == {"GET", "POST", "OPTIONS"}
    new_get = method(out, "/pets", "GET")
    assert new_get["methodIntegration"]["uri"] == "http://new-backend/pets"
    assert new_get["methodIntegration"]["cacheNamespace"] == pets["id"]
    extra = next(a for a in out.authorizers if a["name"] == "Extra")
    assert new_get["authorizerId"] == extra["id"]
    assert method(out, "/pets", "POST") == method(existing, "/pets", "POST")
    toys = resource(out, "/pets/{petId}/toys")
    assert toys["parentId"] == resource(existing, "/pets/{petId}")["id"]
    pet_models = [m for m in out.models if m["name"] == "Pet"]
    assert len(pet_models) == 1
    assert pet_models[0]["id"] == next(m["id"] for m in existing.models if m["name"] == "Pet")
    assert json.loads(pet_models[0]["schema"]) == {"type": "string"}
    assert len({r["id"] for r in out.resources}) == len(out.resources)


def test_merge_refuses_conflicting_variable() -> None:
    existing = _petstore()
    incoming = import_openapi(oas3({"/pets/{id}": {"get": http_get()}}))
    with pytest.raises(OpenApiImportError) as err:
        merge_definitions(existing, incoming, "merge", source="put.json")
    assert str(err.value) == (
        "put.json: paths./pets/{id}: conflicting path variables {petId} and {id} at the same "
        "position under /pets"
    )


def test_merge_refuses_second_variable_sibling() -> None:
    existing = _petstore()
    incoming = import_openapi(oas3({"/orders/{id}": {"get": http_get()}}))
    with pytest.raises(OpenApiImportError) as err:
        merge_definitions(existing, incoming, "merge")
    assert str(err.value) == (
        "<input>: paths./orders/{id}: A sibling ({proxy+}) of this resource already has a "
        "variable path part -- only one is allowed (adding {id} under /orders)"
    )


def test_unknown_mode() -> None:
    existing = _petstore()
    with pytest.raises(OpenApiImportError, match="mode must be one of overwrite, merge"):
        merge_definitions(existing, existing, "replace")
