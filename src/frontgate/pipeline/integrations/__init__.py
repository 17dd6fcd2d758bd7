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
    """Integration dispatch key (``Integration.dispatch``, else its type) → call. Imported
    lazily so unused backends cost nothing at start-up.

    REST ``AWS`` integrations: ``AWS_LAMBDA`` (a Lambda function's invocations path, non-proxy)
    and ``AWS`` (any other service, by action or path); the compiler picks (compile.compiler).

    HTTP APIs: ``HTTP_API_PROXY`` (HTTP_PROXY with HTTP API parameter mapping), ``AWS_PROXY``
    (Lambda, payload format 1.0 or 2.0 by ``Integration.payload_format``), ``AWS_SERVICE``
    (integration subtypes: ``aws_service.SUBTYPES`` is their registry), ``PREFLIGHT`` (a CORS
    preflight already answered by ``pipeline.route``)."""
    from frontgate.pipeline.integrations import (
        aws_integration,
        aws_service,
        function_url,
        http,
        http_api,
        lambda_nonproxy,
        lambda_proxy,
        mock,
    )

    return {
        "FUNCTION_URL": function_url.call,
        "HTTP": http.call,
        "HTTP_PROXY": http.call,
        "MOCK": mock.call,
        "AWS_PROXY": lambda_proxy.call,
        "AWS": aws_integration.call,
        "AWS_LAMBDA": lambda_nonproxy.call,
        "HTTP_API_PROXY": http_api.call,
        "AWS_SERVICE": aws_service.call,
        "PREFLIGHT": _answered,
    }


def _answered(ctx: Context, env: Env, integ: Integration) -> None:
    """The response is already in ``ctx.response`` (a CORS preflight)."""
