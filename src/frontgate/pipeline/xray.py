"""``X-Amzn-Trace-Id`` for REST integrations that call AWS (``AWS`` and ``AWS_PROXY``): the trace
header API Gateway passes to the backend and answers with on a successful response (never on a
gateway error, never for MOCK or HTTP_PROXY: ``pipeline.method_response`` adds it only when
``ctx.xray`` is set and no error was raised).

AWS's rules, from its recordings (reference §1): with no trace from the client the header is
``Root=1-{epoch seconds, 8 hex}-{24 hex};Sampled=0``; a client's ``Root`` is reused, with its
``Parent`` (or a new one) and its ``Sampled`` (or 0). Only the hex ids are taken from the client,
so nothing it sends can reach the response's header line unchecked."""

from __future__ import annotations

import os
import re
from typing import Final

from frontgate.ids import trace_id
from frontgate.pipeline.context import Context

_ROOT: Final = re.compile(r"Root=(1-[0-9a-fA-F]{8}-[0-9a-fA-F]{24})")
_PARENT: Final = re.compile(r"Parent=([0-9a-fA-F]{16})")
_SAMPLED: Final = re.compile(r"Sampled=([01])")


def begin(ctx: Context) -> str:
    """Choose the request's trace (once; later calls return the same) and return the value to
    send to the backend. The response's value is left in ``ctx.xray``."""
    if ctx.xray is not None:
        return ctx.xray
    client = None
    for name, value in ctx.request.headers:
        if len(name) == 15 and name.lower() == "x-amzn-trace-id":
            client = value
    root = _ROOT.search(client) if client is not None else None
    if client is None or root is None:
        generated = trace_id()  # "Root=1-{epoch}-{random}"
        ctx.xray = generated + ";Sampled=0"
        return generated
    parent = _PARENT.search(client)
    sampled = _SAMPLED.search(client)
    ctx.xray = (
        f"Root={root.group(1)};Parent={parent.group(1) if parent else os.urandom(8).hex()};"
        f"Sampled={sampled.group(1) if sampled else '0'}"
    )
    return ctx.xray
