"""MOCK integration: the request template names the status code that selects an integration
response; nothing leaves the gateway.

A MOCK whose only template is static JSON (or that has none) answers from the status read at
compile time (``Integration.mock_status``); the rest render their request template."""

from __future__ import annotations

import json

from frontgate import gateway_errors
from frontgate.pipeline import content_handling, templates
from frontgate.pipeline.context import Context
from frontgate.pipeline.env import Env
from frontgate.snapshot.snapshot import Integration


def status_from_template(ctx: Context, integ: Integration) -> int:
    """The ``statusCode`` of the rendered request template (200 when a passthrough leaves no
    template); anything else is AWS's 500."""
    found, tpl = templates.pick_request_template(
        ctx, integ.request_compiled, integ.passthrough, fallback=True
    )
    if not found or tpl is None:
        return 200
    body = ctx.request.body
    if content_handling.active(ctx, integ.content_handling):  # a binary payload: base64 text
        body = content_handling.template_input(body, content_handling.request_is_binary(ctx))
    text = templates.render_template(ctx, tpl, body).text
    try:
        return int(json.loads(text)["statusCode"])
    except (ValueError, KeyError, TypeError):
        ctx.error = "Execution failed due to configuration error: statusCode should be an integer"
        ctx.log(ctx.error)
        raise gateway_errors.internal_error() from None


def call(ctx: Context, env: Env, integ: Integration) -> None:
    ctx.integration_latency = 0
    if integ.mock_status is not None:
        ctx.integration_status = integ.mock_status
        return
    ctx.integration_status = status_from_template(ctx, integ)
