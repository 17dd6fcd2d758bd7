"""HTTP APIs (apigatewayv2) in the store: whole definitions, deployments that freeze them, stages
that point at them, and auto-deploy.

Documents are the apigatewayv2 JSON wire shapes (camelCase ``locationName`` members of
botocore's ``apigatewayv2`` model), stored exactly as the management API returns them::

    api:         {"apiId", "name", "protocolType": "HTTP", "routeSelectionExpression",
                  "apiEndpoint", "createdDate", "corsConfiguration"?, "disableExecuteApiEndpoint",
                  "description"?, "version"?, "tags"?, "apiKeySelectionExpression"?}
    route:       {"routeId", "routeKey": "GET /orders/{id}" | "$default", "target"?:
                  "integrations/{integrationId}", "authorizationType": "NONE" | "JWT" |
                  "AWS_IAM" | "CUSTOM", "authorizerId"?, "authorizationScopes"?,
                  "apiKeyRequired", "requestParameters"?, "apiGatewayManaged"?}
    integration: {"integrationId", "integrationType": "AWS_PROXY" | "HTTP_PROXY" | "MOCK" |
                  "AWS" | "HTTP", "integrationUri"?, "integrationMethod"?, "integrationSubtype"?,
                  "payloadFormatVersion": "1.0" | "2.0", "timeoutInMillis", "connectionType",
                  "credentialsArn"?, "requestParameters"?, "responseParameters"?:
                  {"200": {"append:header.x": "$response.header.y"}}, "tlsConfig"?}
    authorizer:  {"authorizerId", "name", "authorizerType": "JWT" | "REQUEST",
                  "identitySource": ["$request.header.Authorization"],
                  "jwtConfiguration"?: {"audience": [...], "issuer"}, "authorizerUri"?,
                  "authorizerPayloadFormatVersion"?, "enableSimpleResponses"?,
                  "authorizerResultTtlInSeconds"?, "authorizerCredentialsArn"?}
    model:       {"modelId", "name", "contentType"?, "schema", "description"?}
    stage:       {"stageName", "deploymentId"?, "autoDeploy", "stageVariables"?,
                  "defaultRouteSettings": {"throttlingBurstLimit"?, "throttlingRateLimit"?,
                  "detailedMetricsEnabled"?}, "routeSettings"?: {routeKey: {...}},
                  "accessLogSettings"?: {"destinationArn", "format"}, "createdDate",
                  "lastUpdatedDate", "lastDeploymentStatusMessage"?, "apiGatewayManaged"?}
    deployment:  {"deploymentId", "deploymentStatus": "DEPLOYED", "createdDate",
                  "description"?, "autoDeployed"}

A deployment freezes the API document and its routes, integrations, authorizers and models
(``HttpApiDefinition.to_snapshot``); the data plane compiles a stage from the frozen copy of the
deployment it points at, so changing a route after deploying changes nothing served until the
next deployment (or at once, for a stage with ``autoDeploy``)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from frontgate import ids
from frontgate.definition import kinds
from frontgate.definition.model import Doc
from frontgate.state.store import ConfigStore, Tx

_ID_MEMBER = {
    kinds.V2_ROUTE: "routeId",
    kinds.V2_INTEGRATION: "integrationId",
    kinds.V2_AUTHORIZER: "authorizerId",
    kinds.V2_MODEL: "modelId",
}


@dataclass
class HttpApiDefinition:
    """One HTTP (or WebSocket) API: the Api document and its child collections, wire-shaped."""

    api: Doc
    routes: list[Doc] = field(default_factory=list)
    integrations: list[Doc] = field(default_factory=list)
    authorizers: list[Doc] = field(default_factory=list)
    models: list[Doc] = field(default_factory=list)
    # WebSocket APIs: route responses by routeId, integration responses by integrationId.
    route_responses: dict[str, list[Doc]] = field(default_factory=dict)
    integration_responses: dict[str, list[Doc]] = field(default_factory=dict)

    @property
    def api_id(self) -> str:
        return str(self.api["apiId"])

    def to_snapshot(self) -> Doc:
        """The frozen copy a deployment keeps (JSON-serialisable)."""
        out: Doc = {
            "api": self.api,
            "routes": self.routes,
            "integrations": self.integrations,
            "authorizers": self.authorizers,
            "models": self.models,
        }
        if self.route_responses:
            out["routeResponses"] = self.route_responses
        if self.integration_responses:
            out["integrationResponses"] = self.integration_responses
        return out

    @classmethod
    def from_snapshot(cls, snap: Doc) -> HttpApiDefinition:
        return cls(
            api=snap["api"],
            routes=list(snap.get("routes", [])),
            integrations=list(snap.get("integrations", [])),
            authorizers=list(snap.get("authorizers", [])),
            models=list(snap.get("models", [])),
            route_responses=dict(snap.get("routeResponses") or {}),
            integration_responses=dict(snap.get("integrationResponses") or {}),
        )


def now_iso() -> str:
    """A timestamp as the apigatewayv2 wire carries it (ISO 8601, UTC, whole seconds)."""
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def save_http_api(
    tx: Tx, region: str, defn: HttpApiDefinition, *, replace: bool = False
) -> None:
    """Write a whole definition. With ``replace`` the API's current children go first."""
    api_id = defn.api_id
    if replace:
        for kind in kinds.V2_DEFINITION_KINDS:
            for doc in await tx.list(region, kind, api_id):
                await tx.delete(region, kind, api_id, str(doc[_ID_MEMBER[kind]]))
    await tx.put(region, kinds.V2_API, "", api_id, defn.api)
    for kind, docs in (
        (kinds.V2_ROUTE, defn.routes),
        (kinds.V2_INTEGRATION, defn.integrations),
        (kinds.V2_AUTHORIZER, defn.authorizers),
        (kinds.V2_MODEL, defn.models),
    ):
        for doc in docs:
            await tx.put(region, kind, api_id, str(doc[_ID_MEMBER[kind]]), doc)


async def load_http_api(tx: Tx | ConfigStore, region: str, api_id: str) -> HttpApiDefinition | None:
    api = await tx.get(region, kinds.V2_API, "", api_id)
    if api is None:
        return None
    defn = HttpApiDefinition(
        api=api,
        routes=await tx.list(region, kinds.V2_ROUTE, api_id),
        integrations=await tx.list(region, kinds.V2_INTEGRATION, api_id),
        authorizers=await tx.list(region, kinds.V2_AUTHORIZER, api_id),
        models=await tx.list(region, kinds.V2_MODEL, api_id),
    )
    if api.get("protocolType") == "WEBSOCKET":
        for route in defn.routes:
            rid = str(route["routeId"])
            found = await tx.list(region, kinds.V2_ROUTE_RESPONSE, f"{api_id}/{rid}")
            if found:
                defn.route_responses[rid] = found
        for integ in defn.integrations:
            iid = str(integ["integrationId"])
            found = await tx.list(region, kinds.V2_INTEGRATION_RESPONSE, f"{api_id}/{iid}")
            if found:
                defn.integration_responses[iid] = found
    return defn


async def create_deployment(
    tx: Tx,
    region: str,
    api_id: str,
    *,
    check: Callable[[HttpApiDefinition], None],
    stage_name: str | None = None,
    description: str | None = None,
    auto: bool = False,
) -> Doc:
    """Freeze the API's current definition as a new deployment; with ``stage_name`` point that
    (existing) stage at it. ``check`` (the compiler's deployability check) raises, storing
    nothing, if the API would not compile or serve."""
    defn = await load_http_api(tx, region, api_id)
    if defn is None:
        raise KeyError(api_id)
    check(defn)
    now = now_iso()
    deployment: Doc = {
        "deploymentId": ids.short_id(),
        "deploymentStatus": "DEPLOYED",
        "createdDate": now,
        "autoDeployed": auto,
    }
    if description is not None:
        deployment["description"] = description
    await tx.put(region, kinds.V2_DEPLOYMENT, api_id, deployment["deploymentId"], deployment)
    await tx.put(region, kinds.V2_SNAPSHOT, api_id, deployment["deploymentId"], defn.to_snapshot())
    if stage_name:
        stage = await tx.get(region, kinds.V2_STAGE, api_id, stage_name)
        if stage is None:
            raise KeyError(stage_name)
        stage["deploymentId"] = deployment["deploymentId"]
        stage["lastUpdatedDate"] = now
        await tx.put(region, kinds.V2_STAGE, api_id, stage_name, stage)
    return deployment


async def auto_deploy(
    tx: Tx, region: str, api_id: str, *, check: Callable[[HttpApiDefinition], None]
) -> list[str]:
    """After a change to the API's definition: deploy it to every stage with ``autoDeploy``, as
    AWS does. When the definition does not compile, no stage moves; the stages keep serving
    their previous deployment and say why in ``lastDeploymentStatusMessage``. Returns the
    stages that moved."""
    stages = [s for s in await tx.list(region, kinds.V2_STAGE, api_id) if s.get("autoDeploy")]
    if not stages:
        return []
    try:
        deployment = await create_deployment(tx, region, api_id, check=check, auto=True)
    except ValueError as exc:
        for stage in stages:
            stage["lastDeploymentStatusMessage"] = f"Deployment failed: {exc}"
            await tx.put(region, kinds.V2_STAGE, api_id, str(stage["stageName"]), stage)
        return []
    moved = []
    for stage in stages:
        stage["deploymentId"] = deployment["deploymentId"]
        stage["lastUpdatedDate"] = deployment["createdDate"]
        stage["lastDeploymentStatusMessage"] = (
            f"Successfully deployed stage with deployment ID '{deployment['deploymentId']}'"
        )
        await tx.put(region, kinds.V2_STAGE, api_id, str(stage["stageName"]), stage)
        moved.append(str(stage["stageName"]))
    return moved
