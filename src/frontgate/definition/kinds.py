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
DOCUMENTATION_PART = "documentationpart"  # parent: restApiId
DOCUMENTATION_VERSION = "documentationversion"  # parent: restApiId, id: version (parts frozen)

# Account-level kinds (parent "" unless noted). Documents are AWS wire shapes; members starting
# with "_" are internal (never sent by the admin API).
API_KEY = "apikey"  # {"id", "value", "name", "enabled", "stageKeys": ["apiId/stage"], ...}
USAGE_PLAN = "usageplan"  # {"id", "name", "apiStages": [{"apiId", "stage", "throttle"?}], ...}
USAGE_PLAN_KEY = "usageplankey"  # parent: usagePlanId, id: keyId -> {"id", "type": "API_KEY"}
USAGE = "usage"  # parent: usagePlanId, id: "<keyId>:<YYYY-MM-DD>" -> {"used": n} (UTC day)
ACCOUNT = "account"  # id "account": {"throttleSettings", "features", "cloudwatchRoleArn"?}
DOMAIN_NAME = "domainname"  # id: domainName; "_certificateBody"/"_certificatePrivateKey"
BASE_PATH_MAPPING = "basepathmapping"  # parent: domainName, id: basePath ("(none)" = empty)
# (apigatewayv2's API mappings are these records, each with an "apiMappingId")
DOMAIN_ACCESS_ASSOCIATION = "domainaccessassociation"  # id: its ARN
CLIENT_CERTIFICATE = "clientcertificate"  # "_privateKeyPem" holds the key for backend mTLS
VPC_LINK = "vpclink"
# IAM kinds: IAM is global (region IAM_REGION, parent "").
IAM_REGION = "global"
IAM_USER = "iamuser"  # id: UserName; "_inline": {name: json}, "_attached": [policyArn]
# id: AccessKeyId; "_secretEnc" (the secret, encrypted: frontgate.state.keyring; "_secret" in
# memory, and in stores written without a keyring), "_token"?, "_expires"? (epoch s)
IAM_ACCESS_KEY = "iamaccesskey"
IAM_MANAGED_POLICY = "iampolicy"  # id: policy ARN; "_document": json
# Runtime changes for every worker (frontgate.pipeline.runtime_changes), region "", parent "".
RUNTIME_CHANGE = "runtimeChange"

# Kinds whose documents make up the live (undeployed) definition of a REST API.
DEFINITION_KINDS = (RESOURCE, MODEL, AUTHORIZER, REQUEST_VALIDATOR, GATEWAY_RESPONSE)

# HTTP APIs (and later WebSocket APIs): the apigatewayv2 service. Documents are stored in that
# service's JSON wire shape (the botocore model's locationName members: "apiId", "routeKey",
# "integrationUri", ...), so the v2 management API returns them without translation; members
# starting with "_" are internal. See frontgate.definition.httpapis for the shapes.
V2_API = "v2api"  # parent "", id: apiId
V2_ROUTE = "v2route"  # parent: apiId, id: routeId
V2_INTEGRATION = "v2integration"  # parent: apiId, id: integrationId
V2_AUTHORIZER = "v2authorizer"  # parent: apiId, id: authorizerId
V2_MODEL = "v2model"  # parent: apiId, id: modelId
V2_ROUTE_RESPONSE = "v2routeresponse"  # parent: "apiId/routeId", id: routeResponseId
V2_INTEGRATION_RESPONSE = "v2integrationresponse"  # parent: "apiId/integrationId"
V2_STAGE = "v2stage"  # parent: apiId, id: stageName ("$default" included)
V2_DEPLOYMENT = "v2deployment"  # parent: apiId, id: deploymentId
V2_SNAPSHOT = "v2snapshot"  # parent: apiId, id: deploymentId — the frozen HttpApiDefinition
V2_VPC_LINK = "v2vpclink"  # parent "", id: vpcLinkId (apigatewayv2's VPC links, not REST's)

# Kinds whose documents make up the live (undeployed) definition of an HTTP/WebSocket API.
V2_DEFINITION_KINDS = (V2_ROUTE, V2_INTEGRATION, V2_AUTHORIZER, V2_MODEL)
