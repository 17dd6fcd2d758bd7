"""RestApi operations and the wire layer: routing, input errors, regions, import/export."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any
from urllib.error import HTTPError

import pytest
from botocore.exceptions import ClientError
from tests.admin.conftest import AdminServer, make_client

SPEC = {
    "openapi": "3.0.1",
    "info": {"title": "imported", "version": "2.0"},
    "paths": {
        "/items": {
            "get": {
                "responses": {"200": {"description": "ok"}},
                "x-amazon-apigateway-integration": {
                    "type": "http_proxy",
                    "httpMethod": "GET",
                    "uri": "http://127.0.0.1:9/items",
                },
            }
        }
    },
}


def raw(
    admin: AdminServer, method: str, path: str, body: bytes = b""
) -> tuple[int, dict[str, str], Any]:
    req = urllib.request.Request(admin.url + path, data=body or None, method=method)
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.status, dict(resp.headers), json.loads(resp.read() or b"null")
    except HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read() or b"null")


def code(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


def test_create_get_update_delete(apigw: Any, admin: AdminServer) -> None:
    before = admin.changes
    api = apigw.create_rest_api(name="a", binaryMediaTypes=["image/jpeg"], tags={"team": "x"})
    assert api["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert api["apiKeySource"] == "HEADER" and api["disableExecuteApiEndpoint"] is False
    assert admin.changes == before + 1  # the data plane is told about each write
    got = apigw.get_rest_api(restApiId=api["id"])
    assert got["name"] == "a" and got["tags"] == {"team": "x"}
    models = {m["name"] for m in apigw.get_models(restApiId=api["id"])["items"]}
    assert models == {"Empty", "Error"}

    upd = apigw.update_rest_api(
        restApiId=api["id"],
        patchOperations=[
            {"op": "add", "path": "/binaryMediaTypes/image~1png"},
            {"op": "replace", "path": "/binaryMediaTypes/image~1jpeg", "value": "image/gif"},
            {"op": "replace", "path": "/minimumCompressionSize", "value": "10"},
            {"op": "replace", "path": "/description", "value": "d"},
        ],
    )
    assert upd["binaryMediaTypes"] == ["image/png", "image/gif"]
    assert upd["minimumCompressionSize"] == 10 and upd["description"] == "d"
    upd = apigw.update_rest_api(
        restApiId=api["id"],
        patchOperations=[
            {"op": "replace", "path": "/minimumCompressionSize", "value": ""},
            {"op": "remove", "path": "/description"},
        ],
    )
    assert "minimumCompressionSize" not in upd and "description" not in upd

    with pytest.raises(ClientError) as exc:
        apigw.update_rest_api(
            restApiId=api["id"], patchOperations=[{"op": "replace", "path": "/id", "value": "x"}]
        )
    assert code(exc)[0] == "BadRequestException"
    assert code(exc)[1].startswith("Invalid patch path  '/id' specified for op 'replace'. Must")
    with pytest.raises(ClientError) as exc:
        apigw.update_rest_api(
            restApiId=api["id"],
            patchOperations=[{"op": "replace", "path": "/binaryMediaTypes", "value": "x"}],
        )
    assert code(exc) == ("BadRequestException", "Invalid patch path /binaryMediaTypes")
    with pytest.raises(ClientError) as exc:
        apigw.update_rest_api(
            restApiId=api["id"],
            patchOperations=[{"op": "replace", "path": "/minimumCompressionSize", "value": "-1"}],
        )
    assert "between 0 and 10485760" in code(exc)[1]

    apigw.delete_rest_api(restApiId=api["id"])
    with pytest.raises(ClientError) as exc:
        apigw.get_rest_api(restApiId=api["id"])
    assert code(exc) == (
        "NotFoundException",
        f"Invalid API identifier specified 123456789012:{api['id']}",
    )
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_create_validation(apigw: Any) -> None:
    with pytest.raises(ClientError) as exc:
        apigw.create_rest_api(name="a", description="")
    assert code(exc) == ("BadRequestException", "Description cannot be an empty string")
    with pytest.raises(ClientError) as exc:
        apigw.create_rest_api(name="a", endpointConfiguration={"types": ["EDGE", "REGIONAL"]})
    assert code(exc)[1] == "Cannot create an api with multiple Endpoint Types."
    with pytest.raises(ClientError) as exc:
        apigw.create_rest_api(name="a", apiKeySource="NOPE")
    assert code(exc) == (
        "ValidationException",
        "1 validation error detected: Value 'NOPE' at 'createRestApiInput.apiKeySource' failed to "
        "satisfy constraint: Member must satisfy enum value set: [HEADER, AUTHORIZER]",
    )


def test_clone(apigw: Any) -> None:
    src = apigw.create_rest_api(name="src")
    res = apigw.create_resource(restApiId=src["id"], parentId=src["rootResourceId"], pathPart="x")
    apigw.put_method(
        restApiId=src["id"], resourceId=res["id"], httpMethod="GET", authorizationType="NONE"
    )
    clone = apigw.create_rest_api(name="clone", cloneFrom=src["id"])
    items = apigw.get_resources(restApiId=clone["id"], embed=["methods"])["items"]
    assert sorted(r["path"] for r in items) == ["/", "/x"]
    assert all(r["id"] != res["id"] for r in items)
    child = next(r for r in items if r["path"] == "/x")
    assert child["parentId"] == clone["rootResourceId"] and "GET" in child["resourceMethods"]


def test_wire_errors(admin: AdminServer) -> None:
    status, headers, body = raw(admin, "GET", "/nothing/here")
    assert status == 404 and headers["x-amzn-ErrorType"] == "UnknownOperationException"
    status, headers, body = raw(admin, "GET", "/restapis/abc/stages/x/sdks/java")  # GetSdk
    assert status == 404 and headers["x-amzn-ErrorType"] == "UnknownOperationException"
    status, headers, body = raw(admin, "POST", "/restapis", b"{not json")
    assert status == 400 and headers["x-amzn-ErrorType"] == "SerializationException"
    status, headers, body = raw(admin, "POST", "/restapis", b"[1]")
    assert status == 400 and headers["x-amzn-ErrorType"] == "SerializationException"
    status, headers, body = raw(admin, "POST", "/restapis", b'{"name": true}')
    assert status == 400 and body["message"] == (
        "class java.lang.Boolean can not be converted to an String"
    )
    status, headers, body = raw(admin, "POST", "/restapis", b"{}")
    assert status == 400 and headers["x-amzn-ErrorType"] == "ValidationException"
    assert "Value null at 'createRestApiInput.name'" in body["message"]
    status, headers, body = raw(admin, "GET", "/restapis?limit=abc")
    assert status == 400


def test_regions_are_separate(tmp_path: Path) -> None:
    server = AdminServer(tmp_path / "db", regions=frozenset({"us-west-2"}))
    try:
        west = make_client(server.url, region="us-west-2")
        api = west.create_rest_api(name="west")
        assert api["id"] in [a["id"] for a in west.get_rest_apis()["items"]]
        east = make_client(server.url)
        assert api["id"] not in [a["id"] for a in east.get_rest_apis(limit=500)["items"]]
        # A region the gateway does not serve is refused, not created.
        with pytest.raises(ClientError) as exc:
            make_client(server.url, region="eu-west-3").create_rest_api(name="x")
        assert code(exc) == (
            "InvalidSignatureException",
            "Credential should be scoped to a valid region. ",
        )
    finally:
        server.stop()


def test_pagination(apigw: Any) -> None:
    for i in range(3):
        apigw.create_rest_api(name=f"p{i}")
    first = apigw.get_rest_apis(limit=2)
    assert len(first["items"]) == 2 and "position" in first
    everything = [a for p in apigw.get_paginator("get_rest_apis").paginate() for a in p["items"]]
    assert len(everything) >= 3


def test_import_put_export(apigw: Any) -> None:
    api = apigw.import_rest_api(
        body=json.dumps(SPEC).encode(), parameters={"endpointConfigurationTypes": "REGIONAL"}
    )
    assert api["name"] == "imported" and api["endpointConfiguration"]["types"] == ["REGIONAL"]
    paths = {r["path"] for r in apigw.get_resources(restApiId=api["id"])["items"]}
    assert paths == {"/", "/items"}

    spec2 = json.loads(json.dumps(SPEC))
    spec2["paths"]["/other"] = spec2["paths"].pop("/items")
    apigw.put_rest_api(restApiId=api["id"], body=json.dumps(spec2).encode())  # merge
    paths = {r["path"] for r in apigw.get_resources(restApiId=api["id"])["items"]}
    assert paths == {"/", "/items", "/other"}
    apigw.put_rest_api(restApiId=api["id"], mode="overwrite", body=json.dumps(spec2).encode())
    paths = {r["path"] for r in apigw.get_resources(restApiId=api["id"])["items"]}
    assert paths == {"/", "/other"}

    with pytest.raises(ClientError) as exc:
        apigw.import_rest_api(body=b"not: [valid")
    assert code(exc)[0] == "BadRequestException"

    apigw.create_deployment(restApiId=api["id"], stageName="v1")
    out = apigw.get_export(
        restApiId=api["id"],
        stageName="v1",
        exportType="swagger",
        accepts="application/yaml",
        parameters={"extensions": "integrations"},
    )
    text = out["body"].read().decode()
    assert "swagger: '2.0'" in text and "x-amazon-apigateway-integration" in text
    assert out["contentDisposition"] == 'attachment; filename="swagger_2.0.yaml"'
    out = apigw.get_export(restApiId=api["id"], stageName="v1", exportType="oas30")
    assert json.loads(out["body"].read())["openapi"] == "3.0.1"
