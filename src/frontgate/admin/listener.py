"""The admin listener of a worker: the apigateway management API plus the other services
mounted beside it (each a path matcher and a handler), and Frontgate's own status endpoint."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any, Protocol
from urllib.parse import parse_qs

from frontgate import ids
from frontgate.admin.apigateway.invoke_method import make_test_invoke
from frontgate.admin.authorizer_flush import make_flush_hook
from frontgate.admin.settings import AdminSettings
from frontgate.admin.wire.routes import origin_form
from frontgate.config import Settings
from frontgate.http.errors import ProtocolError
from frontgate.http.limits import ADMIN_MAX_BODY_BYTES
from frontgate.http.message import Request, Response
from frontgate.observe.prometheus import escape_label
from frontgate.pipeline.runner import Pipeline
from frontgate.pipeline.runtime_changes import RESET_QUOTA, Changes
from frontgate.state.keyring import Keyring
from frontgate.state.store import ConfigStore

log = logging.getLogger("frontgate.admin")

AdminHandler = Callable[[Request], Awaitable[Response]]
Mount = tuple[Callable[[Request], bool], AdminHandler]


class DataPlanePorts(Protocol):
    """Where this node's data plane listens (``serve.listeners.Listeners``), for the status
    endpoint and the invoke URLs the management API shows."""

    @property
    def data_port(self) -> int: ...

    @property
    def tls_port(self) -> int | None: ...


def make_admin_handler(
    store: ConfigStore,
    settings: Settings,
    listeners: DataPlanePorts,
    on_change: Callable[[], None],
    pipeline: Pipeline,
    keyring: Keyring | None = None,
    changes: Changes | None = None,
    workers: Callable[[], list[dict[str, int]]] | None = None,
) -> AdminHandler:
    """``changes``: the runtime-change channel (flushes, UpdateUsage, function writes).
    ``workers``: the data-plane workers and the generation each serves (for the status)."""
    if changes is None:
        changes = Changes(store, pipeline, on_change)
    admin_settings = _admin_settings(
        store, settings, listeners, on_change, pipeline, keyring, changes
    )
    apigateway = _apigateway(store, admin_settings)

    async def status(_request: Request) -> Response:
        doc = {
            "dataPlanePort": listeners.data_port,
            "tlsPort": listeners.tls_port,
            "domain": settings.domain,
            "region": settings.region,
            "accountId": settings.account_id,
            "generation": pipeline.snapshot.generation,
            "stages": [list(k) for k in sorted(pipeline.snapshot.stages)],
            # Stored stages whose deployment does not compile: [apiId, stageName, reason].
            "unservable": [[*k, v] for k, v in sorted(pipeline.snapshot.unservable.items())],
            # The process answering (the control process) and the data-plane workers.
            "controlPid": os.getpid(),
            "workers": workers() if workers is not None else [],
        }
        return Response(200, [("Content-Type", "application/json")], json.dumps(doc).encode())

    # Services mounted beside the apigateway API, matched in order by request path. Other
    # services (Lambda, IAM, /metrics) add their mount here.
    mounts: list[Mount] = [
        (lambda r: r.target.startswith("/_frontgate/status"), status),
        (_is_metrics, _metrics_handler(pipeline)),
        _iam_mount(store, settings, on_change, keyring),
        _apigatewayv2_mount(store, admin_settings),
    ]
    if pipeline.env.functions is not None:
        from frontgate.admin.lambda_.api import is_lambda_request, make_lambda_handler

        mounts.append(
            (
                is_lambda_request,
                make_lambda_handler(
                    store,
                    pipeline.env.functions,
                    settings,
                    on_change,
                    data_port=lambda: listeners.data_port,
                ),
            )
        )

    from frontgate.admin.unsupported import unsupported_service

    async def handle(request: Request) -> Response:
        refused = unsupported_service(request)
        if refused is not None:
            refused.headers.append(("x-amzn-RequestId", ids.request_id()))
            return refused
        for matches, handler in mounts:
            if matches(request):
                return await handler(request)
        return await apigateway(request)

    return handle


def _is_metrics(request: Request) -> bool:
    return request.method in ("GET", "HEAD") and request.target.partition("?")[0] == "/metrics"


def _metrics_handler(pipeline: Pipeline) -> AdminHandler:
    """Prometheus scrape: every worker's counters summed (frontgate.observe). Unsigned, like any
    exporter: bind the admin listener to a private address."""

    async def metrics(_request: Request) -> Response:
        body = pipeline.env.observer.render_metrics()
        body += (b"" if body.endswith(b"\n") or not body else b"\n") + _unservable_metrics(pipeline)
        return Response(200, [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")], body)

    return metrics


def _unservable_metrics(pipeline: Pipeline) -> bytes:
    """Stored stages this node does not serve because their deployment does not compile."""

    broken = sorted(pipeline.snapshot.unservable)
    lines = [
        "# HELP frontgate_unservable_stages Deployed stages whose deployment does not compile",
        "# TYPE frontgate_unservable_stages gauge",
        f"frontgate_unservable_stages {len(broken)}",
    ]
    if broken:
        lines.append(
            "# HELP frontgate_stage_unservable 1 for a stage whose deployment does not compile"
        )
        lines.append("# TYPE frontgate_stage_unservable gauge")
        for api_id, stage in broken:
            labels = f'api_id="{escape_label(api_id)}",stage="{escape_label(stage)}"'
            lines.append(f"frontgate_stage_unservable{{{labels}}} 1")
    return ("\n".join(lines) + "\n").encode()


def _iam_mount(
    store: ConfigStore,
    settings: Settings,
    on_change: Callable[[], None],
    keyring: Keyring | None = None,
) -> Mount:
    """IAM and STS (query protocol: ``POST /`` with ``Action=…``) for AWS_IAM's managed keys.
    Each checks its own signing scope first: service ``iam`` or ``sts``, and a region this
    gateway serves or us-east-1 (where AWS's SDKs sign the global IAM and STS endpoints)."""
    from urllib.parse import parse_qsl

    from frontgate.admin import auth
    from frontgate.admin.errors import Forbidden
    from frontgate.admin.iam import wire
    from frontgate.admin.iam.api import IamApi, is_query_request
    from frontgate.admin.iam.wire import auth_error
    from frontgate.iam.identities import config_index

    admin = AdminSettings(admin_keys=dict(settings.admin_access_keys))
    static = config_index(settings.iam_users, settings.account_id)
    regions = frozenset((settings.region, *settings.regions, "us-east-1"))

    def verify(request: Request) -> None:
        try:
            auth.verify(request, {k.lower(): v for k, v in request.headers}, admin)
        except Forbidden as exc:  # the query protocol names these errors its own way
            raise auth_error(exc.code, exc.message or "") from None

    api = IamApi(store, settings.account_id, verify, on_change, lambda: static, keyring)

    async def handle(request: Request) -> Response:
        body = request.body.decode("utf-8", "replace")
        version = dict(parse_qsl(body, keep_blank_values=True)).get("Version", "")
        # IamApi takes a call without Version for IAM; another service's version is not an
        # IAM or STS call at all, and gets IamApi's answer for that.
        service = wire.VERSIONS.get(version, "" if version else "iam")
        try:
            if service:
                auth.check_scope({k.lower(): v for k, v in request.headers}, service, regions)
        except Forbidden as exc:
            error = auth_error(exc.code, exc.message or "")
            return wire.error(service, error, ids.request_id())
        return await api.handle(request)

    return is_query_request, handle


def _admin_settings(
    store: ConfigStore,
    settings: Settings,
    listeners: DataPlanePorts,
    on_change: Callable[[], None],
    pipeline: Pipeline,
    keyring: Keyring | None,
    changes: Changes,
) -> AdminSettings:
    """The settings both API Gateway management APIs (apigateway and apigatewayv2) run with."""

    async def reset_quota(region: str, plan_id: str, key_id: str) -> None:
        await changes.submit(RESET_QUOTA, region, plan_id, key_id)

    return AdminSettings(
        default_region=settings.region,
        account_id=settings.account_id,
        data_plane_domain=settings.domain,
        data_plane_port=listeners.data_port,
        admin_keys=dict(settings.admin_access_keys),
        regions=frozenset(settings.regions),
        on_change=on_change,
        test_invoke=make_test_invoke(store, pipeline, settings.account_id),
        on_flush_cache=make_flush_hook(changes),
        keyring=keyring,
        on_usage_update=reset_quota,
        stage_problem=lambda api_id, stage: pipeline.snapshot.unservable.get((api_id, stage)),
    )


def _unavailable(name: str) -> AdminHandler:
    async def unavailable(_request: Request) -> Response:
        return Response(
            503,
            [("Content-Type", "application/json")],
            json.dumps({"message": f"{name} not available"}).encode(),
        )

    return unavailable


def _apigateway(store: ConfigStore, admin_settings: AdminSettings) -> AdminHandler:
    try:
        from frontgate.admin.apigateway.app import AdminApp

        app = AdminApp(store, admin_settings)
    except Exception:
        # The data plane must keep serving even if the admin API cannot start.
        log.exception("admin API unavailable")
        return _unavailable("admin API")
    return app.handle


def _apigatewayv2_mount(store: ConfigStore, admin_settings: AdminSettings) -> Mount:
    """apigatewayv2 (HTTP and WebSocket APIs): every request whose path starts ``/v2/``."""
    from frontgate.admin.apigatewayv2.app import is_v2_request

    try:
        from frontgate.admin.apigatewayv2.app import AdminV2App

        return is_v2_request, AdminV2App(store, admin_settings).handle
    except Exception:
        log.exception("apigatewayv2 API unavailable")
        return is_v2_request, _unavailable("apigatewayv2 API")


def admin_error_response(error: ProtocolError) -> Response:
    """A protocol error on the admin listener, in the shape of the AWS service called when the
    request's head is known (a body over ``ADMIN_MAX_BODY_BYTES``: Lambda's
    RequestEntityTooLargeException, an XML error for IAM/STS, apigateway's JSON otherwise), else
    ``{"message"}`` JSON. Management APIs send ``x-amzn-RequestId`` but no ``x-amz-apigw-id``."""
    request_id = ids.request_id()
    request = error.request
    if error.status == 413 and request is not None:
        return _too_large(request, request_id)
    headers = [
        ("Content-Type", error.content_type),
        ("x-amzn-RequestId", request_id),
        ("x-amzn-ErrorType", error.error_type),
    ]
    return Response(error.status, headers, error.body)


def _too_large(request: Request, request_id: str) -> Response:
    code = "RequestEntityTooLargeException"
    op = _operation(request)
    message = f"Request must be smaller than {ADMIN_MAX_BODY_BYTES} bytes" + (
        f" for the {op} operation" if op else ""
    )
    doc: dict[str, Any] = {"message": message}
    service = _service(request)
    if service == "query":
        from frontgate.admin.wire.query import xml_error

        response = xml_error(413, "RequestEntityTooLarge", message, request_id)
        response.headers.append(("x-amzn-RequestId", request_id))
        return response
    if service == "lambda":
        doc = {"Type": "User", "message": message}
    headers = [
        ("Content-Type", "application/json"),
        ("x-amzn-RequestId", request_id),
        ("x-amzn-ErrorType", code),
    ]
    return Response(413, headers, json.dumps(doc).encode())


def _service(request: Request) -> str:
    from frontgate.admin.lambda_.api import is_lambda_request

    if is_lambda_request(request):
        return "lambda"
    content_type = next((v for k, v in request.headers if k.lower() == "content-type"), "")
    if request.target in ("/", "/?") and content_type.startswith("application/x-www-form"):
        return "query"  # IAM and STS (the Action is in the body, which was not read)
    return "apigateway"


def _operation(request: Request) -> str | None:
    """The operation a refused request called, when its method and path tell."""
    target = origin_form(request.target)
    path, _, query = target.partition("?")
    try:
        service = _service(request)
        if service == "lambda":
            found = _lambda_router().match(
                request.method, path, parse_qs(query, keep_blank_values=True)
            )
            return found[0].name if found is not None else None
        if service == "apigateway":
            v2 = path.startswith("/v2/")
            hit = (_apigatewayv2_router() if v2 else _apigateway_router()).match(
                request.method, path, parse_qs(query, keep_blank_values=True)
            )
            return hit[0].name if hit is not None else None
    except Exception:  # a name is a nicety: never fail the answer over it
        log.debug("no operation for %s %s", request.method, request.target, exc_info=True)
    return None


@cache
def _lambda_router() -> Any:
    from frontgate.admin.lambda_ import api, wire

    return wire.router(frozenset(api._OPS))


@cache
def _apigatewayv2_router() -> Any:
    from frontgate.admin.apigatewayv2.wire import router

    return router()


@cache
def _apigateway_router() -> Any:
    from frontgate.admin.apigateway.wire import router

    return router()
