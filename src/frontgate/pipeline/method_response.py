"""Stage 4 — method response: the headers every execute-api response carries."""

from __future__ import annotations

from frontgate.http.message import Response
from frontgate.pipeline.context import Context


def finalize(ctx: Context, resp: Response) -> Response:
    if ctx.http_api:
        return _finalize_http(ctx, resp)
    # Pre-serialized (ids never hold CR or LF): one string build instead of two list entries
    # that the serializer would format and scan.
    ext = ctx.extended_request_id
    if ext:
        resp.head = f"{resp.head}x-amzn-RequestId: {ctx.request_id}\r\nx-amz-apigw-id: {ext}\r\n"
    else:
        # A Lambda function URL (pipeline.function_urls clears the API Gateway id): Lambda
        # answers with its own request id only.
        resp.head = f"{resp.head}x-amzn-RequestId: {ctx.request_id}\r\n"
    xray = ctx.xray
    if xray is not None and ctx.error is None:  # AWS and AWS_PROXY integrations (pipeline.xray)
        resp.head = f"{resp.head}X-Amzn-Trace-Id: {xray}\r\n"
    return resp


def _finalize_http(ctx: Context, resp: Response) -> Response:
    """HTTP APIs: ``apigw-requestid`` (the 16-character id, ``$context.requestId``) on every
    response, success or error, and no REST id headers; CORS headers when the stage has a
    CORS policy (``pipeline.cors.decorate``)."""
    stage = ctx.stage
    if stage is not None and stage.cors is not None:
        from frontgate.pipeline import cors  # only stages with a CORS policy load it

        cors.decorate(ctx, resp)
    resp.head = f"{resp.head}apigw-requestid: {ctx.extended_request_id}\r\n"
    return resp
