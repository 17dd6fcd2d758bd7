"""One answer for every rest-json management API (``apigateway``, ``apigatewayv2``): run the
service's handler and turn whatever it raised into AWS's error body, so a client mistake is a
4xx with AWS's shape, an unreachable store a 503, and anything else a 500 with its traceback
in the log only. Every answer carries ``x-amzn-RequestId``."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from frontgate import ids
from frontgate.admin.errors import ApiError, InternalFailure, ServiceUnavailable
from frontgate.http.message import Request, Response
from frontgate.outage import StoreRequests, store_unreachable

STORE_DOWN = "The state store is unreachable; try again later."


async def answer(
    handle: Callable[[Request], Awaitable[Response]],
    request: Request,
    outage: StoreRequests,
    log: logging.Logger,
    service: str,
) -> Response:
    """``handle(request)``'s response, or the error body for what it raised; never raises."""
    request_id = ids.request_id()
    try:
        resp = await handle(request)
        if resp.status < 300:
            outage.succeeded()
    except ApiError as exc:
        resp = error_response(exc)
    except Exception as exc:
        if store_unreachable(exc):
            outage.failed(exc, "503 ServiceUnavailableException")
            resp = error_response(ServiceUnavailable(STORE_DOWN))
        else:
            # Never a stack trace to the client; the id ties the log line to the answer.
            log.exception(
                "%s request %s failed: %s %s", service, request_id, request.method, request.target
            )
            resp = error_response(InternalFailure("Internal server error"))
    resp.headers.append(("x-amzn-RequestId", request_id))
    return resp


def error_response(exc: ApiError) -> Response:
    """A rest-json error: ``{"message": …}`` with the type in ``x-amzn-ErrorType``."""
    body = json.dumps({"message": exc.message}, separators=(",", ":")).encode()
    headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", exc.code)]
    return Response(exc.status, headers, body)
