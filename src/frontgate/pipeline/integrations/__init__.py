"""Integration backends, by integration type. Each ``call(ctx, env, integ)`` either finishes
synchronously (returns None), or returns a ``Deferred`` (settled by a callback: HTTP) or an
awaitable (run in a Task: functions). A proxy integration sets
``ctx.response`` itself; a non-proxy one leaves ``ctx.integration_status`` and
``ctx.upstream_*`` for ``pipeline.integration_response`` to map."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from frontgate.deferred import Deferred
    from frontgate.pipeline.context import Context
    from frontgate.pipeline.env import Env
    from frontgate.snapshot.snapshot import Integration

IntegrationFn = Callable[
    ["Context", "Env", "Integration"], "Deferred[None] | Awaitable[None] | None"
]


def registry() -> dict[str, IntegrationFn]:
    """Integration type → call. Imported lazily so unused backends cost nothing at start-up."""
    from frontgate.pipeline.integrations import function_url, http, lambda_proxy, mock

    return {
        "FUNCTION_URL": function_url.call,
        "HTTP": http.call,
        "HTTP_PROXY": http.call,
        "MOCK": mock.call,
        "AWS_PROXY": lambda_proxy.call,
    }
