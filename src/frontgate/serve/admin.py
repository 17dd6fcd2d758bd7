"""Wire the admin API (``frontgate.admin``) into a worker."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from frontgate.config import Settings
from frontgate.http.message import Request, Response
from frontgate.pipeline.runner import Pipeline
from frontgate.serve.listeners import Listeners
from frontgate.serve.test_invoke import make_test_invoke
from frontgate.state.store import ConfigStore

log = logging.getLogger("frontgate.admin")


def make_admin_handler(
    store: ConfigStore,
    settings: Settings,
    listeners: Listeners,
    on_change: Callable[[], None],
    pipeline: Pipeline,
) -> Callable[[Request], Awaitable[Response]]:
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
