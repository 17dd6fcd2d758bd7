"""The admin listener of a worker: the apigateway management API plus the other services
mounted beside it (each a path matcher and a handler), and Frontgate's own status endpoint."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

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
    ]

    async def handle(request: Request) -> Response:
        for matches, handler in mounts:
            if matches(request):
                return await handler(request)
        return await apigateway(request)

    return handle


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
