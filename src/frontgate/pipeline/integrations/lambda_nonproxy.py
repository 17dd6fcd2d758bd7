"""REST ``AWS`` integrations to Lambda (non-proxy): the mapped body is the event, the function's
answer goes through integration responses, errors selected by ``errorMessage``. Not built yet."""

from __future__ import annotations

from frontgate import gateway_errors
from frontgate.deferred import Deferred
from frontgate.pipeline.context import Context
from frontgate.pipeline.env import Env
from frontgate.snapshot.snapshot import Integration


def call(ctx: Context, env: Env, integ: Integration) -> Deferred[None] | None:
    ctx.error = f"Lambda integration {integ.uri} is not supported by this Frontgate build"
    ctx.log(ctx.error)
    raise gateway_errors.internal_error()
