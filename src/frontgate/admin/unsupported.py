"""An AWS error naming the service, for requests the admin listener gets from clients of a service
Frontgate does not implement (``aws --endpoint-url … sqs list-queues``).

The service is the one the request is signed for (the SigV4 credential scope); the answer has
the shape that service's protocol parses, so the AWS CLI and the SDKs print its message:
JSON protocols (``X-Amz-Target``) read ``__type`` and ``message``, the query protocol
(``Action=``) and REST-XML services read ``<Error><Code>``/``<Message>``, REST-JSON ones read
``x-amzn-ErrorType`` and ``message``."""

from __future__ import annotations

import json
import re

from frontgate.admin.wire.query import xml_error
from frontgate.http.message import Request, Response

# The services the admin listener serves, by signing name.
SERVED = ("apigateway", "lambda", "iam", "sts")
# REST-XML services (everything else without X-Amz-Target or Action= is REST-JSON).
_REST_XML = frozenset(("s3", "s3control", "route53", "cloudfront"))
_SCOPE = re.compile(r"Credential=[^/,\s]*/\d{8}/[^/,\s]*/([^/,\s]+)/aws4_request")


def signed_service(request: Request) -> str | None:
    """The service of the request's SigV4 credential scope (None when unsigned)."""
    for name, value in request.headers:
        if name.lower() == "authorization":
            m = _SCOPE.search(value)
            return m.group(1) if m else None
    return None


def unsupported_service(request: Request) -> Response | None:
    """The error for a request signed for a service not served here; None for the others."""
    service = signed_service(request)
    if service is None:
        return None
    if service in SERVED:
        # apigatewayv2 (HTTP and WebSocket APIs, paths /v2/…) signs as apigateway too.
        return None
    message = (
        f"Frontgate does not implement the {service} service; this endpoint serves "
        f"{', '.join(SERVED[:-1])} and {SERVED[-1]}."
    )
    headers = {k.lower(): v for k, v in request.headers}
    if "x-amz-target" in headers:
        code = "UnknownOperationException"
        ctype = headers.get("content-type") or "application/x-amz-json-1.0"
        body = json.dumps({"__type": code, "message": message}).encode()
    elif b"Action=" in request.body or service in _REST_XML:
        code = "InvalidAction" if b"Action=" in request.body else "NotImplemented"
        response = xml_error(400, code, message)
        response.headers.append(("x-amzn-ErrorType", code))
        return response
    else:
        code = "UnknownOperationException"
        ctype = "application/json"
        body = json.dumps({"message": message}).encode()
    return Response(400, [("Content-Type", ctype), ("x-amzn-ErrorType", code)], body)
