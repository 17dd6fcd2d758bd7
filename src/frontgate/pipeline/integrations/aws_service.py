"""HTTP API AWS service integrations (``integrationSubtype``: ``SQS-SendMessage``,
``EventBridge-PutEvents``, ...). ``SUBTYPES`` maps a subtype to its call; none is built yet, so
a route to one answers 500 ``{"message":"Internal Server Error"}`` with one log line naming the
subtype. Adding a subtype is adding an entry here."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from frontgate import gateway_errors
from frontgate.deferred import Deferred
from frontgate.pipeline.context import Context
from frontgate.pipeline.env import Env
from frontgate.snapshot.snapshot import Integration

log = logging.getLogger("frontgate.pipeline.integrations.aws_service")

# Subtype → call, with the signature of ``pipeline.integrations.IntegrationFn``.
SubtypeFn = Callable[[Context, Env, Integration], "Deferred[None] | Awaitable[None] | None"]
SUBTYPES: dict[str, SubtypeFn] = {}


def call(ctx: Context, env: Env, integ: Integration) -> Deferred[None] | Awaitable[None] | None:
    subtype = integ.subtype or ""
    found = SUBTYPES.get(subtype)
    if found is not None:
        return found(ctx, env, integ)
    ctx.error = f"AWS service integration {subtype} is not supported by this Frontgate build"
    log.warning("request %s: %s", ctx.request_id, ctx.error)
    raise gateway_errors.internal_error()
