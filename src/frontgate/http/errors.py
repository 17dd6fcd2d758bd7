"""Protocol errors (what ends an HTTP/1.1 connection before a handler answers: framing, limits,
deadlines, and the listener core's own 500 and 503) and how the data plane renders them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, TypeAlias

from frontgate import ids
from frontgate.http.message import Request, Response

__all__ = [
    "BAD_REQUEST",
    "EXPECTATION_FAILED",
    "HEADERS_TOO_LARGE",
    "INTERNAL_ERROR",
    "REQUEST_TIMEOUT",
    "SHUTTING_DOWN",
    "TOO_LARGE_TYPE",
    "URI_TOO_LONG",
    "VERSION_NOT_SUPPORTED",
    "ErrorRenderer",
    "ProtocolError",
    "error_response",
]


@dataclass(frozen=True, slots=True)
class ProtocolError:
    """Why the connection can't go on: write ``ServerConnection.serialize_error(err)`` (or a
    listener's own rendering of it), then close. Nothing after the offending request is parsed.

    ``error_type`` is the ``x-amzn-ErrorType`` the response carries. ``request`` is the head of
    the refused request (body empty) when it was read whole, as for a 413: a listener serving
    several AWS services can then answer in the shape of the service called."""

    status: int
    body: bytes
    content_type: str = "application/json"
    error_type: str = "BadRequestException"
    request: Request | None = None


def _json_error(status: int, message: str) -> ProtocolError:
    # API Gateway answers client errors that reach no method with its DEFAULT_4XX shape:
    # {"message": ...} and BadRequestException (the error type of its generic 4XX).
    return ProtocolError(status, b'{"message":"' + message.encode("ascii") + b'"}')


BAD_REQUEST: Final = _json_error(400, "Bad Request")
REQUEST_TIMEOUT: Final = _json_error(408, "Request Timeout")
URI_TOO_LONG: Final = _json_error(414, "Request-URI Too Long")
EXPECTATION_FAILED: Final = _json_error(417, "Expectation Failed")
HEADERS_TOO_LARGE: Final = _json_error(431, "Request Header Fields Too Large")
VERSION_NOT_SUPPORTED: Final = _json_error(505, "HTTP Version Not Supported")
# API Gateway's REQUEST_TOO_LARGE gateway response type.
TOO_LARGE_TYPE: Final = "RequestTooLargeException"


def error_response(error: ProtocolError) -> Response:
    """A protocol error as the data plane answers it: the body, and the headers every API
    Gateway response carries (``x-amzn-RequestId``, ``x-amz-apigw-id``) plus its error type."""
    rid, ext = ids.request_ids()
    headers = [
        ("Content-Type", error.content_type),
        ("x-amzn-RequestId", rid),
        ("x-amz-apigw-id", ext),
        ("x-amzn-ErrorType", error.error_type),
    ]
    return Response(error.status, headers, error.body)


# How a listener answers a protocol error (and the core's own 500 and 503): the data plane's
# default is ``error_response`` above; the admin listener answers in each service's shape.
ErrorRenderer: TypeAlias = Callable[[ProtocolError], Response]

# A handler that failed, or answered with something that is not a Response.
INTERNAL_ERROR: Final = ProtocolError(
    500, b'{"message": "Internal server error"}', error_type="InternalServerErrorException"
)
# A request still unanswered when shutdown's grace period ends.
SHUTTING_DOWN: Final = ProtocolError(
    503, b'{"message":"Service Unavailable"}', error_type="ServiceUnavailableException"
)
