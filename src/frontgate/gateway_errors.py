"""Typed failures of the request pipeline, and Amazon API Gateway's 21 gateway response types
with their defaults. Each failure names the gateway response type that renders it; rendering
happens in exactly one place, ``pipeline.gateway_response``."""

from __future__ import annotations

from typing import Final

# The body of a gateway response that is not customised.
DEFAULT_TEMPLATE: Final = '{"message":$context.error.messageString}'

# responseType → default status (developer guide, "Gateway response types").
DEFAULT_STATUS: Final[dict[str, int]] = {
    "ACCESS_DENIED": 403,
    "API_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_FAILURE": 500,
    "BAD_REQUEST_PARAMETERS": 400,
    "BAD_REQUEST_BODY": 400,
    "EXPIRED_TOKEN": 403,
    "INTEGRATION_FAILURE": 504,
    "INTEGRATION_TIMEOUT": 504,
    "INVALID_API_KEY": 403,
    "INVALID_SIGNATURE": 403,
    "MISSING_AUTHENTICATION_TOKEN": 403,
    "QUOTA_EXCEEDED": 429,
    "REQUEST_TOO_LARGE": 413,
    "RESOURCE_NOT_FOUND": 404,
    "THROTTLED": 429,
    "UNAUTHORIZED": 401,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    "WAF_FILTERED": 403,
}


class GatewayError(Exception):
    """A failure the client sees as one of Amazon API Gateway's gateway responses.

    ``error_type`` is the ``x-amzn-ErrorType`` header; ``spaced`` marks the errors AWS writes as
    ``{"message": "..."}`` (with a space) rather than through the default template."""

    __slots__ = (
        "capital",
        "error_type",
        "headers",
        "message",
        "response_type",
        "spaced",
        "status_override",
    )

    def __init__(
        self,
        response_type: str,
        message: str | None,
        error_type: str,
        *,
        spaced: bool = False,
        status_override: int | None = None,
        capital: bool = False,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(message)
        self.response_type = response_type
        self.message = message
        self.error_type = error_type
        self.spaced = spaced
        self.status_override = status_override
        # AWS writes IAM-style denials (AccessDeniedException) as {"Message": "..."}.
        self.capital = capital
        # Extra response headers (Retry-After and RateLimit-* on throttling).
        self.headers = headers


def missing_authentication_token() -> GatewayError:
    return GatewayError(
        "MISSING_AUTHENTICATION_TOKEN",
        "Missing Authentication Token",
        "MissingAuthenticationTokenException",
    )


def forbidden() -> GatewayError:
    """Unknown API or stage: rendered with defaults (there is no stage to customise it)."""
    return GatewayError("ACCESS_DENIED", "Forbidden", "ForbiddenException")


def integration_timeout() -> GatewayError:
    return GatewayError(
        "INTEGRATION_TIMEOUT",
        "Endpoint request timed out",
        "InternalServerErrorException",
        spaced=True,
    )


def integration_failure(detail: str = "Network error communicating with endpoint") -> GatewayError:
    return GatewayError("INTEGRATION_FAILURE", detail, "InternalServerErrorException", spaced=True)


def internal_error() -> GatewayError:
    """API_CONFIGURATION_ERROR: AWS's catch-all 500 for a misconfigured or failing integration."""
    return GatewayError(
        "API_CONFIGURATION_ERROR",
        "Internal server error",
        "InternalServerErrorException",
        spaced=True,
    )


def unsupported_media_type() -> GatewayError:
    """A non-proxy integration's passthroughBehavior refuses the request's content type."""
    return GatewayError(
        "UNSUPPORTED_MEDIA_TYPE",
        "Unsupported Media Type",
        "UnsupportedMediaTypeException",
        spaced=True,
    )


def bad_gateway() -> GatewayError:
    """Malformed Lambda proxy response or function error: 502 with AWS's 500-style body."""
    return GatewayError(
        "API_CONFIGURATION_ERROR",
        "Internal server error",
        "InternalServerErrorException",
        spaced=True,
        status_override=502,
    )


def invalid_api_key() -> GatewayError:
    """Missing, unknown or disabled API key, or a key in no usage plan of this stage."""
    return GatewayError("INVALID_API_KEY", "Forbidden", "ForbiddenException")


def throttled(headers: tuple[tuple[str, str], ...]) -> GatewayError:
    return GatewayError(
        "THROTTLED", "Too Many Requests", "TooManyRequestsException", headers=headers
    )


def quota_exceeded(headers: tuple[tuple[str, str], ...]) -> GatewayError:
    return GatewayError(
        "QUOTA_EXCEEDED", "Limit Exceeded", "LimitExceededException", headers=headers
    )


# HTTP APIs (apigatewayv2) have no gateway responses to customise: every failure is one of these
# fixed answers (reference §1.4), chosen by the failure's response type; a type not listed is a
# 500. Bodies are written without spaces, as AWS sends them.
HTTP_API_ERRORS: Final[dict[str, tuple[int, str]]] = {
    "RESOURCE_NOT_FOUND": (404, "Not Found"),
    # An AWS_IAM route called without a signature (routing's own misses are RESOURCE_NOT_FOUND).
    "MISSING_AUTHENTICATION_TOKEN": (403, "Forbidden"),
    "UNAUTHORIZED": (401, "Unauthorized"),
    "ACCESS_DENIED": (403, "Forbidden"),
    "INVALID_API_KEY": (403, "Forbidden"),
    "INVALID_SIGNATURE": (403, "Forbidden"),
    "EXPIRED_TOKEN": (403, "Forbidden"),
    "WAF_FILTERED": (403, "Forbidden"),
    "THROTTLED": (429, "Too Many Requests"),
    "QUOTA_EXCEEDED": (429, "Too Many Requests"),
    "REQUEST_TOO_LARGE": (413, "Request Entity Too Large"),
    "BAD_REQUEST_PARAMETERS": (400, "Bad Request"),
    "BAD_REQUEST_BODY": (400, "Bad Request"),
    "INTEGRATION_TIMEOUT": (503, "Service Unavailable"),
}
HTTP_API_DEFAULT_ERROR: Final = (500, "Internal Server Error")


def not_found() -> GatewayError:
    """HTTP APIs: no stage (and no ``$default`` stage) or no route (and no ``$default`` route)."""
    return GatewayError("RESOURCE_NOT_FOUND", "Not Found", "NotFoundException")
