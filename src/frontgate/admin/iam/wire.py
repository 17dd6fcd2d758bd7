"""IAM's and STS's use of the shared query-protocol wire layer (``admin/wire/query.py``): their
XML namespaces and API versions, and how they name a refused signature. The parsing, checking
and XML writing are the shared layer's."""

from __future__ import annotations

from typing import Any

from frontgate.admin.wire import query
from frontgate.admin.wire.model import operations as _operations
from frontgate.admin.wire.query import QueryError, xml_error
from frontgate.http.message import Response

__all__ = [
    "NAMESPACES",
    "VERSIONS",
    "QueryError",
    "auth_error",
    "error",
    "no_such_entity",
    "operations",
    "respond",
    "xml_error",
]

NAMESPACES = {
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
}
VERSIONS = {"2010-05-08": "iam", "2011-06-15": "sts"}


def no_such_entity(message: str) -> QueryError:
    return QueryError(404, "NoSuchEntity", message)


# A refused signature as the query-protocol services (IAM, STS) name it; the REST services'
# error type (admin.auth, iam.sigv4) -> (status, code, message or None to keep the one given).
_AUTH_ERRORS: dict[str, tuple[int, str, str | None]] = {
    "MissingAuthenticationTokenException": (
        403,
        "MissingAuthenticationToken",
        "Request is missing Authentication Token",
    ),
    "IncompleteSignatureException": (400, "IncompleteSignature", None),
    "UnrecognizedClientException": (
        403,
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
    ),
    "InvalidSignatureException": (403, "SignatureDoesNotMatch", None),
}


def auth_error(error_type: str, message: str) -> QueryError:
    status, code, text = _AUTH_ERRORS.get(
        error_type, (403, error_type.removesuffix("Exception"), None)
    )
    return QueryError(status, code, text or message)


def operations(service: str) -> frozenset[str]:
    """Every action of ``service``'s model (loaded on the first IAM call only)."""
    return frozenset(_operations(service))


def respond(service: str, action: str, result: dict[str, Any] | None, request_id: str) -> Response:
    return query.respond(service, action, result, request_id, NAMESPACES[service])


def error(service: str, exc: QueryError, request_id: str) -> Response:
    return xml_error(exc.status, exc.code, exc.message, request_id, NAMESPACES[service])
