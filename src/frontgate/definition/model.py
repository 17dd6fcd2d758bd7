"""The in-memory form of one REST API's configuration, in Amazon API Gateway's wire shapes.

Everything is stored exactly as the management API returns it (camelCase members, ``httpMethod``
for an integration's HTTP method, status codes as string keys), so the admin API serialises it
without translation and a deployment can freeze it as-is. Example resource document::

    {"id": "ab12cd", "parentId": "r00t00", "pathPart": "{id}", "path": "/pets/{id}",
     "resourceMethods": {
       "GET": {"httpMethod": "GET", "authorizationType": "NONE", "apiKeyRequired": False,
               "requestParameters": {"method.request.path.id": True},
               "methodResponses": {"200": {"statusCode": "200", "responseParameters": {}}},
               "methodIntegration": {
                  "type": "HTTP_PROXY", "httpMethod": "GET",
                  "uri": "http://127.0.0.1:8080/pets/{id}",
                  "requestParameters": {"integration.request.path.id": "method.request.path.id"},
                  "requestTemplates": {}, "passthroughBehavior": "WHEN_NO_MATCH",
                  "timeoutInMillis": 29000, "cacheNamespace": "ab12cd", "cacheKeyParameters": [],
                  "integrationResponses": {
                      "200": {"statusCode": "200", "selectionPattern": None,
                              "responseParameters": {}, "responseTemplates": {}}}}}}}

The root resource has ``path == "/"`` and no ``parentId``/``pathPart``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Doc = dict[str, Any]


@dataclass
class ApiDefinition:
    """One REST API: the RestApi document and its child collections, all AWS-shaped dicts."""

    rest_api: Doc  # {"id", "name", "description"?, "version"?, "binaryMediaTypes"?, "apiKeySource",
    #                "endpointConfiguration", "policy"?, "rootResourceId", "createdDate", ...}
    resources: list[Doc] = field(default_factory=list)
    models: list[Doc] = field(default_factory=list)  # {"id","name","contentType","schema"(str)}
    authorizers: list[Doc] = field(default_factory=list)
    request_validators: list[Doc] = field(default_factory=list)
    gateway_responses: list[Doc] = field(default_factory=list)  # only the PUT (customised) ones
    warnings: list[str] = field(default_factory=list)

    def to_snapshot(self) -> Doc:
        """The frozen copy a deployment keeps (JSON-serialisable)."""
        return {
            "restApi": self.rest_api,
            "resources": self.resources,
            "models": self.models,
            "authorizers": self.authorizers,
            "requestValidators": self.request_validators,
            "gatewayResponses": self.gateway_responses,
        }

    @classmethod
    def from_snapshot(cls, snap: Doc) -> ApiDefinition:
        return cls(
            rest_api=snap["restApi"],
            resources=list(snap.get("resources", [])),
            models=list(snap.get("models", [])),
            authorizers=list(snap.get("authorizers", [])),
            request_validators=list(snap.get("requestValidators", [])),
            gateway_responses=list(snap.get("gatewayResponses", [])),
        )
