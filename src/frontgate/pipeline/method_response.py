"""Stage 4 — method response: the headers every execute-api response carries."""

from __future__ import annotations

from frontgate.http.message import Response
from frontgate.pipeline.context import Context


def finalize(ctx: Context, resp: Response) -> Response:
    resp.headers.append(("x-amzn-RequestId", ctx.request_id))
    resp.headers.append(("x-amz-apigw-id", ctx.extended_request_id))
    return resp
