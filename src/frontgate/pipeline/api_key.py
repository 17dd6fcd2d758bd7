"""Stage — API key: a method with ``apiKeyRequired`` admits only an enabled key that a usage plan
binds to this API stage (403 INVALID_API_KEY otherwise), read from ``x-api-key`` or, when the
API's ``apiKeySource`` is AUTHORIZER, from the Lambda authorizer's ``usageIdentifierKey``."""

from __future__ import annotations

from frontgate import gateway_errors
from frontgate.pipeline.context import Context
from frontgate.pipeline.env import Env
from frontgate.pipeline.values import header


def check_api_key(ctx: Context, env: Env) -> None:
    stage = ctx.stage
    assert stage is not None  # route ran first
    if stage.api_key_source == "AUTHORIZER":
        value = ctx.authorizer_usage_key
    else:
        value = header(ctx, "x-api-key")
    index = ctx.snapshot.keys
    rec = index.find(stage.region, value) if value else None
    why = ""
    if rec is None:
        why = "unknown key"
    elif not rec.enabled:
        why = "disabled key"
    else:
        binding = index.bindings.get((ctx.api_id, ctx.stage_name, rec.id))
        if binding is not None:
            ctx.api_key = binding
            return
        why = "key in no usage plan of this stage"
    limiter = env.limiter
    if limiter is not None:
        raise limiter.invalid_key(ctx, value, why)
    raise gateway_errors.invalid_api_key()
