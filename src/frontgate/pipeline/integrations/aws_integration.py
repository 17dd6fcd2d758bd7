"""REST ``AWS`` integrations to AWS services by action (``arn:aws:apigateway:{region}:{service}:
action/{Action}``) or by path (``...:{service}:path/{path}``). Not built yet: AWS's 500."""

from __future__ import annotations

from frontgate import gateway_errors
from frontgate.deferred import Deferred
from frontgate.pipeline.context import Context
from frontgate.pipeline.env import Env
from frontgate.snapshot.snapshot import Integration


def call(ctx: Context, env: Env, integ: Integration) -> Deferred[None] | None:
    ctx.error = f"AWS service integration {integ.uri} is not supported by this Frontgate build"
    ctx.log(ctx.error)
    raise gateway_errors.internal_error()
