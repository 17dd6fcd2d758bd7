"""Stage 4 — method response: the headers every execute-api response carries."""

from __future__ import annotations

from frontgate.http.message import Response
from frontgate.pipeline.context import Context


def finalize(ctx: Context, resp: Response) -> Response:
    # Pre-serialized (ids never hold CR or LF): one string build instead of two list entries
    # that the serializer would format and scan.
    resp.head = (
        f"{resp.head}x-amzn-RequestId: {ctx.request_id}\r\n"
        f"x-amz-apigw-id: {ctx.extended_request_id}\r\n"
    )
    return resp
