"""MOCK integration: the request template names the status code that selects an integration
response; nothing leaves the gateway."""

from __future__ import annotations

import json
import re

from frontgate import gateway_errors
from frontgate.pipeline.context import Context
from frontgate.pipeline.env import Env
from frontgate.snapshot.snapshot import Integration

_STATUS = re.compile(r'"?statusCode"?\s*:\s*"?(\d{3})')


def status_from_template(integ: Integration, content_type: str | None) -> int:
    templates = integ.request_templates
    if not templates:
        return 200
    template = templates.get(content_type or "application/json")
    if template is None:
        template = templates.get("application/json") or next(iter(templates.values()))
    try:
        doc = json.loads(template)
        return int(doc["statusCode"])
    except (ValueError, KeyError, TypeError):
        # A VTL template: until templates are rendered, read a literal statusCode from it.
        m = _STATUS.search(template)
        if m is None:
            raise gateway_errors.internal_error() from None
        return int(m.group(1))


def call(ctx: Context, env: Env, integ: Integration) -> None:
    ctx.integration_latency = 0
    if integ.mock_status is not None:
        ctx.integration_status = integ.mock_status
        return
    content_type = None
    for k, v in ctx.request.headers:
        if k.lower() == "content-type":
            content_type = v.split(";", 1)[0].strip()
    ctx.integration_status = status_from_template(integ, content_type)
    ctx.integration_latency = 0
