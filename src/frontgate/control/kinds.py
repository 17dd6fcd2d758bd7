"""Document kinds in the config store and which parent scopes them."""

from __future__ import annotations

REST_API = "restapi"  # parent ""
RESOURCE = "resource"  # parent: restApiId
MODEL = "model"  # parent: restApiId
AUTHORIZER = "authorizer"  # parent: restApiId
REQUEST_VALIDATOR = "requestvalidator"  # parent: restApiId
GATEWAY_RESPONSE = "gatewayresponse"  # parent: restApiId, id: responseType
DEPLOYMENT = "deployment"  # parent: restApiId
SNAPSHOT = "snapshot"  # parent: restApiId, id: deploymentId — the frozen ApiDefinition
STAGE = "stage"  # parent: restApiId, id: stageName

# Kinds whose documents make up the live (undeployed) definition of a REST API.
DEFINITION_KINDS = (RESOURCE, MODEL, AUTHORIZER, REQUEST_VALIDATOR, GATEWAY_RESPONSE)
