"""Shared helpers for the OpenAPI tests: fixture loading and resource/method lookup."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from frontgate.definition.model import ApiDefinition, Doc

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text()


def resource(defn: ApiDefinition, path: str) -> Doc:
    return next(r for r in defn.resources if r["path"] == path)


def method(defn: ApiDefinition, path: str, verb: str) -> Doc:
    methods: Doc = resource(defn, path)["resourceMethods"]
    return methods[verb]  # type: ignore[no-any-return]


def oas3(paths: dict[str, Any], **top: Any) -> str:
    """A minimal OpenAPI 3 document as JSON text."""
    return json.dumps(
        {"openapi": "3.0.1", "info": {"title": "T", "version": "1"}, "paths": paths, **top}
    )


def http_get(uri: str = "http://backend/x") -> Doc:
    """An operation with a plain HTTP integration."""
    return {
        "responses": {"200": {"description": "ok"}},
        "x-amazon-apigateway-integration": {"type": "http", "httpMethod": "GET", "uri": uri},
    }


def shape(defn: ApiDefinition) -> Doc:
    """The definition with generated ids replaced by names and paths, for equivalence checks."""
    api_id = defn.rest_api["id"]
    auth_names = {a["id"]: a["name"] for a in defn.authorizers}
    validator_names = {v["id"]: v["name"] for v in defn.request_validators}
    resources: Doc = {}
    for res in defn.resources:
        methods: Doc = {}
        for verb, raw in res.get("resourceMethods", {}).items():
            m = json.loads(json.dumps(raw))
            if "authorizerId" in m:
                m["authorizerId"] = auth_names[m["authorizerId"]]
            if "requestValidatorId" in m:
                m["requestValidatorId"] = validator_names[m["requestValidatorId"]]
            integration = m.get("methodIntegration")
            if integration and integration.get("cacheNamespace") == res["id"]:
                integration["cacheNamespace"] = "<resource id>"
            methods[verb] = m
        resources[res["path"]] = methods
    rest = {
        k: v for k, v in defn.rest_api.items() if k not in ("id", "rootResourceId", "createdDate")
    }
    return {
        "restApi": rest,
        "resources": resources,
        "models": {
            m["name"]: json.loads(m["schema"].replace(f"/restapis/{api_id}/", "/restapis/<api>/"))
            for m in defn.models
        },
        "authorizers": {
            a["name"]: {k: v for k, v in a.items() if k != "id"} for a in defn.authorizers
        },
        "validators": {
            v["name"]: {k: x for k, x in v.items() if k != "id"} for v in defn.request_validators
        },
        "gatewayResponses": sorted(defn.gateway_responses, key=lambda g: str(g["responseType"])),
    }
