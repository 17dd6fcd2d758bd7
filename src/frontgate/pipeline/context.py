"""The per-request context. Every field has one owning stage (named beside it); stages read the
fields earlier stages own and write only their own. Slotted: one is built per request."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from frontgate.http.message import Request, Response, header_pairs
from frontgate.snapshot.snapshot import Method, Snapshot, Stage
from frontgate.traffic.keys import PlanBinding

if TYPE_CHECKING:
    from frontgate.observe.tracing import Trace
    from frontgate.pipeline.env import Env


# A policy stage (pipeline/plan.py puts them together): it either finishes synchronously (returns
# None) or returns an awaitable to wait for. Failing means raising a GatewayError.
StageFn = Callable[["Context", "Env"], "Awaitable[None] | None"]


class Context:
    __slots__ = (
        "access_fields",  # access_log
        "api_id",  # route
        "api_key",  # api_key: the caller's key and usage plan (traffic.keys.PlanBinding)
        "authorizer",  # authorize: $context.authorizer.* (principalId, claims, context keys)
        "authorizer_usage_key",  # authorize: a Lambda authorizer's usageIdentifierKey
        "domain_path",  # route: the path as sent to a custom domain (base path kept); else None
        "error",  # gateway_response
        "error_response_type",  # gateway_response: $context.error.responseType
        "exec_log",  # any stage: execution-log lines (TestInvokeMethod, execution logging)
        "extended_request_id",  # Context() / method_response
        "http_api",  # route: the API is an HTTP API (apigatewayv2): its errors and headers
        "identity",  # authorize: $context.identity.* set by AWS_IAM (accessKey, userArn, ...)
        "integration_latency",  # integration
        "integration_status",  # integration
        "method",  # route
        "path",  # route: path after the stage, not decoded
        "path_params",  # route
        "query_pairs",  # templates: raw_query split and unescaped, once a template needed it
        "raw_query",  # route
        "request",
        "request_id",
        "response",  # integration (proxy types) / integration_response
        "snapshot",
        "stage",  # route
        "stage_name",  # route
        "start",
        "start_wall",
        "trace",  # observe.plan: the request's trace when the stage traces (observe.tracing)
        "upstream_body",  # integration
        "upstream_head",  # integration: header lines not yet split (upstream_header_pairs)
        "upstream_headers",  # integration
        "validation_error",  # validation: $context.error.validationErrorString
        "xray",  # integration (AWS, AWS_PROXY): X-Amzn-Trace-Id answered on success (xray)
    )

    def __init__(self, request: Request, snapshot: Snapshot, request_id: str, ext_id: str) -> None:
        self.request = request
        self.snapshot = snapshot
        self.request_id = request_id
        self.extended_request_id = ext_id
        self.start = time.perf_counter()
        self.start_wall = time.time()
        self.api_id = ""
        self.stage_name = ""
        self.http_api = False
        self.stage: Stage | None = None
        self.domain_path: str | None = None
        self.method: Method | None = None
        self.path = "/"
        self.raw_query = ""
        self.query_pairs: list[tuple[str, str]] | None = None
        self.path_params: dict[str, str] = {}
        self.integration_latency: int | None = None
        self.integration_status: int | None = None
        self.upstream_head: str | None = None
        self.upstream_headers: list[tuple[str, str]] = []
        self.upstream_body = b""
        self.error: str | None = None
        self.error_response_type: str | None = None
        self.trace: Trace | None = None
        self.access_fields: None = None
        self.exec_log: list[str] | None = None
        self.response: Response | None = None
        self.authorizer: dict[str, Any] | None = None
        self.authorizer_usage_key: str | None = None
        self.api_key: PlanBinding | None = None
        self.identity: dict[str, str | None] | None = None
        self.validation_error: str | None = None
        self.xray: str | None = None

    def upstream_header_pairs(self) -> list[tuple[str, str]]:
        """The integration response's headers as (name, value) pairs: split from its header
        lines when first asked for (an HTTP integration keeps them as text until then)."""
        head = self.upstream_head
        if head is not None:
            self.upstream_headers = header_pairs(head)
            self.upstream_head = None
        return self.upstream_headers

    def log(self, line: str) -> None:
        """Record an execution-log line when execution logging is on for this request."""
        if self.exec_log is not None:
            self.exec_log.append(line)


def client_path(ctx: Context) -> str:
    """An HTTP API request's path as the client sent it: the stage segment of a named stage
    kept, or, on a custom domain name, the whole path with the mapping's key (the 2.0 event's
    ``rawPath``; the 1.0 event's ``path``)."""
    if ctx.domain_path is not None:
        return ctx.domain_path
    return ctx.path if ctx.stage_name == "$default" else f"/{ctx.stage_name}{ctx.path}"
