"""HTTP API AWS service integrations (``integrationSubtype``: ``SQS-SendMessage``,
``EventBridge-PutEvents``, ...; the table is ``compile.http_subtypes.SUBTYPES``).

Each request parameter's value is mapped from the request (``pipeline.http_mapping``), the
operation's request shaped by botocore (``aws_subtypes.service_request``) and sent through
``env.aws`` (signed with the integration's credentials, to the service's configured endpoint).
The service's status and body come back to the client (``aws_subtypes.answer``), through the
integration's response parameter mapping. A required parameter whose source is absent, or a
value the operation cannot take, is AWS's 500 ``{"message":"Internal Server Error"}`` with the
reason as ``$context.integrationErrorMessage`` and one log line."""

from __future__ import annotations

import logging
import time

from frontgate import gateway_errors
from frontgate.deferred import Deferred
from frontgate.http.message import Response
from frontgate.pipeline import http_mapping
from frontgate.pipeline.context import Context
from frontgate.pipeline.env import Env
from frontgate.pipeline.integrations.aws_subtypes import ShapeError, answer, service_request
from frontgate.snapshot.httpapi import Piece
from frontgate.snapshot.snapshot import Integration
from frontgate.snapshot.subtypes import SubtypeCall
from frontgate.upstream.connection import UpstreamResponse

log = logging.getLogger("frontgate.pipeline.integrations.aws_service")

_SOURCES = {"header": "$request.header.", "querystring": "$request.querystring.",
            "pathparam": "$request.path.", "path": "$request.path", "body": "$request.body",
            "context": "$context."}  # fmt: skip


def _source(pieces: tuple[Piece, ...]) -> str:
    """A compiled value as the user wrote it (for the error message)."""
    out: list[str] = []
    for kind, name in pieces:
        if kind == "text":
            out.append(name)
        elif kind == "body":
            out.append(f"$request.body.{name}" if name else "$request.body")
        else:
            out.append(_SOURCES.get(kind, "$") + name)
    return "".join(out)


def _fail(ctx: Context, message: str) -> gateway_errors.GatewayError:
    ctx.error = message
    ctx.log(message)
    log.warning("request %s: %s", ctx.request_id, message)
    return gateway_errors.internal_error()


class _Answer:
    __slots__ = ("call", "ctx", "done", "started")

    def __init__(self, ctx: Context, call: SubtypeCall, done: Deferred[None]) -> None:
        self.ctx = ctx
        self.call = call
        self.done = done
        self.started = time.perf_counter()

    def __call__(self, sent: Deferred[UpstreamResponse]) -> None:
        ctx = self.ctx
        ctx.integration_latency = int((time.perf_counter() - self.started) * 1000)
        try:
            resp = sent.result()
        except Exception as exc:  # the AWS client's gateway error, already logged on ctx
            self.done.fail(exc)
            return
        ctx.integration_status = resp.status
        ctx.upstream_body = resp.body
        status, headers, body = answer(self.call, resp.status, resp.headers, resp.body)
        out = Response(status, headers, body)
        ops = self.call.responses.get(resp.status)
        if ops:
            out = http_mapping.map_response(ctx, ops, out, resp.body)
        ctx.response = out
        self.done.resolve(None)


def call(ctx: Context, env: Env, integ: Integration) -> Deferred[None]:
    sub = integ.http_mapping
    if not isinstance(sub, SubtypeCall):
        raise _fail(ctx, f"AWS service integration {integ.subtype} is not supported")
    values: dict[str, str] = {}
    for param in sub.params:
        found = http_mapping.value(ctx, param.value)
        if found is None:
            if param.required:
                raise _fail(
                    ctx,
                    f"Unable to resolve property {param.name} from source {_source(param.value)}",
                )
            continue
        values[param.name] = found
    region = http_mapping.value(ctx, sub.region) or "us-east-1"
    try:
        req = service_request(sub, values)
    except ShapeError as exc:
        raise _fail(ctx, f"Execution failed due to configuration error: {exc}") from None
    ctx.log(f"Endpoint request body after transformations: {req.body.decode('utf-8', 'replace')}")
    done: Deferred[None] = Deferred()
    sent = env.aws.send(
        ctx, service=req.service, region=region, method=req.method, path=req.path,
        query=req.query, headers=req.headers, body=req.body, credentials=integ.credentials,
        timeout=integ.timeout, host_prefix=req.host_prefix,
    )  # fmt: skip
    sent.then(_Answer(ctx, sub, done))
    if not done.settled:
        done.on_cancel(sent.cancel)
    return done
