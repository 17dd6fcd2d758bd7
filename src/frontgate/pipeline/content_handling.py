"""Binary and text payloads of REST non-proxy integrations (HTTP, MOCK, AWS): the API's
``binaryMediaTypes`` and ``contentHandling`` (CONVERT_TO_TEXT / CONVERT_TO_BINARY) on the
integration request and on integration responses, after AWS's "Content type conversions" tables.

* A payload is binary when its media type (the request's ``Content-Type``; the integration
  response's ``Content-Type``) is one of the binary media types; a client accepts binary when
  the first media type of its ``Accept`` is.
* Without a mapping template the tables apply: CONVERT_TO_TEXT base64-encodes a binary payload,
  CONVERT_TO_BINARY base64-decodes a text one; unset, the request passes through and the
  response is base64-encoded (binary payload, text client) or decoded (text payload, binary
  client) when the API has binary media types.
* With a mapping template, ``$input.body`` of a binary payload is its base64 text (a template
  renders text); the conversion then applies to what the template produced, so a template that
  picks a base64 string out of a JSON document answers binary under CONVERT_TO_BINARY.

A base64 payload that does not decode is AWS's 500 (API_CONFIGURATION_ERROR). Nothing here runs
for an integration without ``contentHandling`` on an API without binary media types.
"""

from __future__ import annotations

import base64
import binascii
from typing import Final

from frontgate import gateway_errors
from frontgate.functions.proxy_event import media_matches
from frontgate.pipeline.context import Context

TO_TEXT: Final = "CONVERT_TO_TEXT"
TO_BINARY: Final = "CONVERT_TO_BINARY"


def active(ctx: Context, handling: str | None) -> bool:
    """Whether conversions can apply at all: a ``contentHandling`` or binary media types."""
    if handling is not None:
        return True
    stage = ctx.stage
    return stage is not None and bool(stage.binary_media_types)


def _binary_types(ctx: Context) -> tuple[str, ...]:
    stage = ctx.stage
    return stage.binary_media_types if stage is not None else ()


def _header(headers: list[tuple[str, str]], lname: str) -> str | None:
    for k, v in headers:
        if k.lower() == lname:
            return v
    return None


def request_is_binary(ctx: Context) -> bool:
    types = _binary_types(ctx)
    return bool(types) and media_matches(_header(ctx.request.headers, "content-type"), types)


def accepts_binary(ctx: Context) -> bool:
    """The first media type of the client's ``Accept`` is a binary media type."""
    types = _binary_types(ctx)
    if not types:
        return False
    accept = _header(ctx.request.headers, "accept")
    return accept is not None and media_matches(accept.split(",", 1)[0], types)


def template_input(body: bytes, binary: bool) -> bytes:
    """What a mapping template reads as ``$input.body``: a binary payload's base64 text."""
    return base64.b64encode(body) if binary and body else body


def convert(ctx: Context, body: bytes, binary: bool, handling: str | None) -> bytes:
    """``body`` as ``handling`` asks: base64-encoded when it is binary and CONVERT_TO_TEXT,
    decoded when it is text and CONVERT_TO_BINARY, as is otherwise."""
    if handling == TO_TEXT:
        return base64.b64encode(body) if binary and body else body
    if handling == TO_BINARY and not binary:
        return decode_base64(ctx, body)
    return body


def request_body(ctx: Context, handling: str | None, rendered: bytes | None) -> bytes:
    """The integration request body: the template's output (``rendered``), or the method
    request's payload passed through, converted as ``handling`` asks."""
    if rendered is not None:
        return convert(ctx, rendered, False, handling)
    return convert(ctx, ctx.request.body, request_is_binary(ctx), handling)


def response_body(
    ctx: Context, body: bytes, handling: str | None, binary_payload: bool, templated: bool
) -> bytes:
    """The method response body from the integration response's ``body`` (the template's
    output when ``templated``), after the response table."""
    if templated:
        return convert(ctx, body, False, handling)
    if handling is not None:
        return convert(ctx, body, binary_payload, handling)
    if not _binary_types(ctx):
        return body  # passed through untouched
    binary_client = accepts_binary(ctx)
    if binary_payload and not binary_client:
        return base64.b64encode(body) if body else body
    if not binary_payload and binary_client:
        return decode_base64(ctx, body)
    return body


def response_is_binary(ctx: Context, content_type: str | None) -> bool:
    types = _binary_types(ctx)
    return bool(types) and media_matches(content_type, types)


def decode_base64(ctx: Context, body: bytes) -> bytes:
    """``body`` base64-decoded; text that is not base64 is AWS's 500."""
    try:
        return base64.b64decode(body.strip(), validate=True)
    except (binascii.Error, ValueError):
        message = "Execution failed due to configuration error: Unable to base64 decode the body"
        ctx.error = message
        ctx.log(message)
        raise gateway_errors.internal_error() from None
