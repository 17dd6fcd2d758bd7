"""The compiled, immutable form of every deployed stage. Built once per change, swapped whole.

Serving never writes to it: what requests learn (routings, authorizer results) lives in the
worker's ``pipeline.env.Runtime``, and the frozen classes here refuse attribute assignment
(tests/snapshot/test_immutable.py).

Nothing here is parsed or looked up in the store on the request path: integration URIs are
pre-split with stage variables resolved, parameter mappings are pre-resolved into source/target
pairs, and gateway responses are pre-rendered templates.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from frontgate.functions.table import FunctionTable
from frontgate.traffic.keys import KeyIndex
from frontgate.vtl.engine import compile_templates

# A mapping source, resolved at compile time: (kind, name). Kinds: "static", "path", "query",
# "multiquery", "header", "multiheader", "body", "stage", "context", "intheader", "intbody".
Source = tuple[str, str]


@dataclass(frozen=True, slots=True)
class UriTemplate:
    """An integration URI split into literal text and ``{param}`` holes.

    ``parts`` alternates literal, name, literal, ...: even indexes are literals and odd indexes are
    path-parameter names. Stage variables are already substituted."""

    parts: tuple[str, ...]
    greedy_names: frozenset[str] = frozenset()

    @property
    def is_static(self) -> bool:
        return len(self.parts) == 1

    def __reduce__(self) -> tuple[Any, ...]:
        return (UriTemplate, (self.parts, self.greedy_names))


@dataclass(frozen=True, slots=True)
class ParamMapping:
    """``integration.request.<loc>.<name> = <source>`` (or a method-response header mapping)."""

    location: str  # "path", "querystring", "header" (targets)
    name: str
    source: Source

    def __reduce__(self) -> tuple[Any, ...]:
        return (ParamMapping, (self.location, self.name, self.source))


@dataclass(frozen=True, slots=True)
class IntegrationResponse:
    status_code: str
    pattern: Any  # compiled re.Pattern[str] or None for the default response
    header_mappings: tuple[ParamMapping, ...]  # location "header" targets method.response.header
    templates: dict[str, str]
    content_handling: str | None = None
    # The templates compiled (content type -> vtl.engine.Template, or None for one that does
    # not parse: a 500 when selected); None when there are no templates.
    compiled: dict[str, Any] | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        args = (self.status_code, self.pattern, self.header_mappings, self.templates)
        # The compiled templates travel as their text (see _integration_response).
        flag = self.compiled is not None
        return (_integration_response, (*args, self.content_handling, flag))


@dataclass(frozen=True, slots=True)
class Integration:
    type: str  # HTTP_PROXY, HTTP, MOCK, AWS, AWS_PROXY
    http_method: str
    uri: str  # as configured, stage variables substituted
    uri_template: UriTemplate | None
    request_mappings: tuple[ParamMapping, ...]
    request_templates: dict[str, str]
    passthrough: str
    timeout: float  # seconds
    responses: tuple[IntegrationResponse, ...]  # patterned first, in key order; default last
    content_handling: str | None = None
    credentials: str | None = None  # IAM role ARN API Gateway assumes to call AWS (AWS, AWS_PROXY)
    # MOCK with at most one static request template: its statusCode, read at compile time.
    mock_status: int | None = None
    # The integration registry's key (pipeline.integrations.registry); "" means ``type``. HTTP
    # APIs use their own keys ("HTTP_API_PROXY", "AWS_SERVICE", ...).
    dispatch: str = ""
    # Lambda proxy payload format: "1.0" (REST's event) or "2.0" (HTTP APIs only).
    payload_format: str = "1.0"
    # HTTP APIs: the AWS service integration's subtype ("SQS-SendMessage", ...), or None.
    subtype: str | None = None
    # HTTP APIs: request/response parameter mapping (snapshot.httpapi.HttpMapping), or None.
    http_mapping: Any = None
    # HTTP APIs: the stage serves an HTTP API (payload 1.0 differs from REST's in places).
    http_api: bool = False
    # REST non-proxy: the request templates compiled (content type -> vtl.engine.Template, or
    # None for one that does not parse); None when there are none.
    request_compiled: dict[str, Any] | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _integration,
            (self.type, self.http_method, self.uri, self.uri_template, self.request_mappings,
             self.request_templates, self.passthrough, self.timeout, self.responses,
             self.content_handling, self.credentials, self.mock_status, self.dispatch,
             self.payload_format, self.subtype, self.http_mapping, self.http_api,
             self.request_compiled is not None),
        )  # fmt: skip


def _integration_response(
    status_code: str,
    pattern: Any,
    header_mappings: tuple[ParamMapping, ...],
    templates: dict[str, str],
    content_handling: str | None,
    compiled: bool,
) -> IntegrationResponse:
    """Unpickling: mapping templates are compiled again from their text, once per worker per
    distinct text (vtl.engine.compile_template is cached by text)."""
    return IntegrationResponse(
        status_code, pattern, header_mappings, templates, content_handling,
        compile_templates(templates) if compiled else None,
    )  # fmt: skip


def _integration(*args: Any) -> Integration:
    """Unpickling an Integration: its request templates compiled again from their text (the
    last argument says whether it had any compiled)."""
    *values, compiled = args
    templates = compile_templates(values[5]) if compiled else None  # request_templates
    make: Any = Integration  # the field list in __reduce__'s order, then request_compiled
    integ: Integration = make(*values, templates)
    return integ


@dataclass(frozen=True, slots=True)
class Method:
    http_method: str
    resource_id: str
    resource_path: str
    authorization_type: str
    api_key_required: bool
    request_parameters: dict[str, bool]
    integration: Integration | None
    # Policy stages this method needs (pipeline.plan), in AWS's order; empty when none apply.
    stages: tuple[Any, ...] = ()
    # Detailed metrics / execution logging for this method (observe.plan.MethodPlan), or None.
    observe: Any = field(default=None, repr=False, compare=False)
    doc: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)
    # HTTP APIs: the route's key ("GET /pets/{id}", "$default"); "" for REST methods. For a
    # route, ``resource_id`` is the routeId and ``resource_path`` the route's path ("" for
    # ``$default``).
    route_key: str = ""

    def __reduce__(self) -> tuple[Any, ...]:
        # ``doc`` (the method's definition) is left out: nothing on the data plane reads it.
        return (
            Method,
            (self.http_method, self.resource_id, self.resource_path, self.authorization_type,
             self.api_key_required, self.request_parameters, self.integration, self.stages,
             self.observe, {}, self.route_key),
        )  # fmt: skip


@dataclass(slots=True)
class RouteNode:
    """One resource in the routing trie. Mutable only while the compiler builds it."""

    resource_id: str = ""
    path: str = "/"
    static: dict[str, RouteNode] = field(default_factory=dict)
    param_name: str | None = None
    param: RouteNode | None = None
    greedy_name: str | None = None
    greedy: RouteNode | None = None
    methods: dict[str, Method] = field(default_factory=dict)

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            RouteNode,
            (self.resource_id, self.path, self.static, self.param_name, self.param,
             self.greedy_name, self.greedy, self.methods),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class GatewayResponse:
    """A gateway response type as it renders: status, headers (pre-resolved) and body template."""

    response_type: str
    status: int
    header_mappings: tuple[ParamMapping, ...]
    template: str | None  # application/json template; None = empty body
    content_type: str = "application/json"

    def __reduce__(self) -> tuple[Any, ...]:
        args = (self.response_type, self.status, self.header_mappings, self.template)
        return (GatewayResponse, (*args, self.content_type))


@dataclass(frozen=True, slots=True)
class Stage:
    api_id: str
    api_name: str
    region: str
    account_id: str
    stage_name: str
    deployment_id: str
    variables: dict[str, str]
    root: RouteNode
    gateway_responses: dict[str, GatewayResponse]
    binary_media_types: tuple[str, ...]
    api_key_source: str
    doc: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)
    # Metrics series, access log and tracing of this stage (observe.plan.StagePlan).
    observe: Any = field(default=None, repr=False, compare=False)
    # "REST", "HTTP" (an apigatewayv2 HTTP API stage; its routes are ``root``'s methods) or
    # "WEBSOCKET".
    kind: str = "REST"
    # HTTP APIs: the ``$default`` route, serving what no other route matches (whole path).
    default_route: Method | None = None
    # HTTP APIs: the compiled CORS policy (pipeline.cors reads it), or None: no CORS handling.
    cors: Any = None
    # REST APIs: ``minimumCompressionSize`` (bytes), or None: no payload compression and no
    # request decompression (pipeline.compression), read once per request.
    min_compression: int | None = None
    # WebSocket APIs (kind "WEBSOCKET"): the routes the WebSocket data plane serves
    # (snapshot.websocket.WsStage); ``root`` then holds only ``@connections/{connectionId}``.
    websocket: Any = None

    def __reduce__(self) -> tuple[Any, ...]:
        # ``doc`` (the stage document) is left out: nothing on the data plane reads it.
        return (
            Stage,
            (self.api_id, self.api_name, self.region, self.account_id, self.stage_name,
             self.deployment_id, self.variables, self.root, self.gateway_responses,
             self.binary_media_types, self.api_key_source, {}, self.observe, self.kind,
             self.default_route, self.cors, self.min_compression, self.websocket),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything the data plane serves. ``stages`` is keyed by (apiId, stageName)."""

    generation: int
    stages: dict[tuple[str, str], Stage]
    api_ids: frozenset[str]
    disabled_execute_api: frozenset[str] = frozenset()
    # IAM users, access keys and their policies (frontgate.iam.identities.IamIndex) for AWS_IAM.
    iam: Any = None
    # API keys, usage plans and account throttles: live settings, compiled at every generation.
    keys: KeyIndex = field(default_factory=KeyIndex)
    # Stages in the store that do not compile: (apiId, stageName) -> why, naming the method.
    # Not on the request path (a request to such a stage is routed like any unknown stage).
    unservable: dict[tuple[str, str], str] = field(default_factory=dict, compare=False)
    # Recent runtime changes (pipeline.runtime_changes): (id, action, args), oldest first; each
    # worker applies those it has not seen when it picks this snapshot up.
    changes: tuple[tuple[str, str, tuple[str, ...]], ...] = field(default=(), compare=False)
    # Every function (Lambda API and --functions-dir): existence, code, configuration and
    # resource-based policy, as the invoker adopts them (frontgate.functions.table).
    functions: FunctionTable = field(default_factory=FunctionTable)
    # HTTP APIs (apigatewayv2, protocolType HTTP) among ``api_ids``: routed by HTTP API rules.
    http_api_ids: frozenset[str] = frozenset()
    # Lambda function URLs by URL id (snapshot.function_urls.FunctionUrl; compile.function_urls).
    function_urls: dict[str, Any] = field(default_factory=dict)
    # Custom domain names by lower-case name (snapshot.domains.CustomDomain; compile.domains);
    # empty when none is configured, so routing tests it once and pays nothing more.
    domains: dict[str, Any] = field(default_factory=dict)

    def __reduce__(self) -> tuple[Any, ...]:
        # By field, so a field added later is carried without editing this.
        return (Snapshot, tuple(getattr(self, f.name) for f in fields(Snapshot)))

    @classmethod
    def empty(cls) -> Snapshot:
        return cls(generation=-1, stages={}, api_ids=frozenset())
