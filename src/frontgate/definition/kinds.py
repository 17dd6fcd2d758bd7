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
