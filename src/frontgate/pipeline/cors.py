"""CORS for HTTP APIs (``corsConfiguration``) — the hook's contract; the CORS policy itself is
built separately and replaces this module.

``compile_policy`` makes ``Stage.cors``, the compiled policy (None: the stage does no CORS
handling, and nothing here runs). ``pipeline.route`` calls :func:`preflight` for an
``OPTIONS`` request that no explicit ``OPTIONS`` route serves; a response it returns is sent
as is (through ``method_response``, so it still gets ``apigw-requestid``).
``pipeline.method_response`` calls :func:`decorate` on every response of such a stage,
errors included."""

from __future__ import annotations

from typing import Any

from frontgate.http.message import Response
from frontgate.pipeline.context import Context


def compile_policy(config: dict[str, Any] | None) -> Any:
    """The API's ``corsConfiguration`` compiled for ``Stage.cors`` (picklable, immutable), or
    None when the API has none; ``compile.httpapi`` calls it once per stage."""
    return None


def preflight(ctx: Context) -> Response | None:
    """The preflight answer for this request, or None when it is not a preflight request."""
    return None


def decorate(ctx: Context, resp: Response) -> None:
    """Add the CORS response headers the policy gives this request's origin."""
