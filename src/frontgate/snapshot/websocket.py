"""A WebSocket API's compiled stage (apigatewayv2, protocolType WEBSOCKET): what the WebSocket
data plane (``frontgate.websocket``) reads. Plain frozen data, pickled as it is for the image
(``snapshot/image.py``); mapping templates travel as text and are compiled where they are used
(``vtl.engine.compile_template`` caches by text).

The compiled stage hangs on a ``snapshot.Stage`` of kind ``"WEBSOCKET"`` (``Stage.websocket``),
whose routing trie holds only ``@connections/{connectionId}`` (the management endpoint served
on the API's own host), so that the HTTP pipeline serves ``@connections`` with its AWS_IAM stage
unchanged."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The dispatch key of the @connections integration (the WebSocket gateway registers it).
CONNECTIONS_DISPATCH = "WS_CONNECTIONS"


@dataclass(frozen=True, slots=True)
class WsIntegrationResponse:
    """An integration response: its key (``$default`` or ``/regex/`` on the status) and the
    response templates, selected by ``template_selection``."""

    key: str
    templates: dict[str, str]
    template_selection: str


@dataclass(frozen=True, slots=True)
class WsIntegration:
    type: str  # AWS_PROXY, AWS, HTTP_PROXY, HTTP, MOCK
    uri: str  # stage variables substituted
    method: str  # integrationMethod (HTTP, HTTP_PROXY)
    timeout: float  # seconds
    credentials: str | None
    request_templates: dict[str, str]
    template_selection: str  # templateSelectionExpression ("" = none)
    passthrough: str
    responses: tuple[WsIntegrationResponse, ...]  # patterned first, $default last


@dataclass(frozen=True, slots=True)
class WsAuthorizer:
    """A Lambda REQUEST authorizer on ``$connect``."""

    authorizer_id: str
    function: str  # the function ARN (from authorizerUri)
    identity_source: tuple[str, ...]  # "route.request.header.X", "route.request.querystring.q"


@dataclass(frozen=True, slots=True)
class WsRoute:
    key: str  # "$connect", "$disconnect", "$default" or a custom key
    route_id: str
    integration: WsIntegration | None
    authorization_type: str  # NONE, AWS_IAM, CUSTOM ($connect only)
    authorizer: WsAuthorizer | None
    # A route response exists: the integration's result is sent back to the client.
    responds: bool
    # The route's throttle (pipeline.throttle.Throttle: the stage's routeSettings over its
    # defaultRouteSettings, then the account's bucket), run before the integration.
    throttle: Any = None
    # apiKeyRequired: the connection's key (websocket.api_keys) must be bound to this stage.
    api_key_required: bool = False
    # requestModels by selected key ("$default", ...) -> the model's check (snapshot.models),
    # picked by modelSelectionExpression (websocket.validation).
    models: dict[str, Any] = field(default_factory=dict)
    model_selection: str = ""
    # requestParameters marked required: ("header" | "querystring", name); $connect only.
    required_params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class WsStage:
    api_id: str
    api_name: str
    region: str
    account_id: str
    stage_name: str
    deployment_id: str
    variables: dict[str, str]
    route_selection: str  # routeSelectionExpression, e.g. "$request.body.action"
    routes: dict[str, WsRoute]
    # apiKeySelectionExpression: "$request.header.x-api-key" or
    # "$context.authorizer.usageIdentifierKey" (websocket.api_keys).
    api_key_selection: str = "$request.header.x-api-key"
    # Access log, execution logs and metrics of the stage (observe.ws_plan.WsObservePlan); the
    # data plane's hooks (websocket/telemetry.py) are skipped when None.
    observe: Any = None
