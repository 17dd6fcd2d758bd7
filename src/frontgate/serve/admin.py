"""The admin listener of a worker: the apigateway management API plus the other services
mounted beside it (each a path matcher and a handler), and Frontgate's own status endpoint."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from frontgate.auth.flush import make_flush_hook
from frontgate.config import Settings
from frontgate.http.message import Request, Response
from frontgate.pipeline.runner import Pipeline
from frontgate.serve.listeners import Listeners
from frontgate.serve.test_invoke import make_test_invoke
from frontgate.state.store import ConfigStore

log = logging.getLogger("frontgate.admin")

AdminHandler = Callable[[Request], Awaitable[Response]]
Mount = tuple[Callable[[Request], bool], AdminHandler]


def make_admin_handler(
    store: ConfigStore,
    settings: Settings,
    listeners: Listeners,
    on_change: Callable[[], None],
    pipeline: Pipeline,
) -> AdminHandler:
    apigateway = _apigateway(store, settings, listeners, on_change, pipeline)

    async def status(_request: Request) -> Response:
        doc = {
            "dataPlanePort": listeners.data_port,
            "tlsPort": listeners.tls_port,
            "domain": settings.domain,
            "region": settings.region,
            "accountId": settings.account_id,
            "generation": pipeline.snapshot.generation,
            "stages": [list(k) for k in sorted(pipeline.snapshot.stages)],
        }
        return Response(200, [("Content-Type", "application/json")], json.dumps(doc).encode())

    # Services mounted beside the apigateway API, matched in order by request path. Other
    # services (Lambda, IAM, /metrics) add their mount here.
    mounts: list[Mount] = [
        (lambda r: r.target.startswith("/_frontgate/status"), status),
        (_is_metrics, _metrics_handler(pipeline)),
        _iam_mount(store, settings, on_change),
    ]
    if pipeline.env.functions is not None:
        from frontgate.functions.api import is_lambda_request, make_lambda_handler

        mounts.append(
            (is_lambda_request, make_lambda_handler(store, pipeline.env.functions, settings))
        )

    async def handle(request: Request) -> Response:
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
        return Response(200, [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")], body)

    return metrics


def _iam_mount(store: ConfigStore, settings: Settings, on_change: Callable[[], None]) -> Mount:
    """IAM and STS (query protocol: ``POST /`` with ``Action=…``) for AWS_IAM's managed keys."""
    from frontgate.admin import auth
    from frontgate.admin.errors import Forbidden
    from frontgate.admin.settings import AdminSettings
    from frontgate.iam.api import IamApi, is_query_request
    from frontgate.iam.identities import config_index
    from frontgate.iam.wire import auth_error

    admin = AdminSettings(admin_keys=dict(settings.admin_access_keys))
    static = config_index(settings.iam_users, settings.account_id)

    def verify(request: Request) -> None:
        try:
            auth.verify(request, {k.lower(): v for k, v in request.headers}, admin)
        except Forbidden as exc:  # the query protocol names these errors its own way
            raise auth_error(exc.code, exc.message or "") from None

    api = IamApi(store, settings.account_id, verify, on_change, lambda: static)
    return is_query_request, api.handle


def _apigateway(
    store: ConfigStore,
    settings: Settings,
    listeners: Listeners,
    on_change: Callable[[], None],
    pipeline: Pipeline,
) -> AdminHandler:
    try:
        from frontgate.admin.app import AdminApp
        from frontgate.admin.settings import AdminSettings
        from frontgate.traffic.crypto import ensure_master_key

        app = AdminApp(
            store,
            AdminSettings(
                default_region=settings.region,
                account_id=settings.account_id,
                data_plane_domain=settings.domain,
                data_plane_port=listeners.data_port,
                admin_keys=dict(settings.admin_access_keys),
                on_change=on_change,
                test_invoke=make_test_invoke(store, pipeline, settings.account_id),
                on_flush_cache=make_flush_hook(store, pipeline, on_change),
                master_key=ensure_master_key(settings.data_path),
                on_usage_update=(
                    pipeline.env.limiter.reset_quota if pipeline.env.limiter is not None else None
                ),
            ),
        )
    except Exception:
        # The data plane must keep serving even if the admin API cannot start.
        log.exception("admin API unavailable")

        async def unavailable(_request: Request) -> Response:
            return Response(
                503,
                [("Content-Type", "application/json")],
                b'{"message": "admin API not available"}',
            )

        return unavailable
    return app.handle
