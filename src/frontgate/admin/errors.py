"""Typed management-API errors, each rendered by the app as AWS renders it: a JSON body
``{"message": ...}``, the error code in ``x-amzn-ErrorType`` and the status from the model."""

from __future__ import annotations


class ApiError(Exception):
    """An error answered to the client. ``code`` goes to ``x-amzn-ErrorType``."""

    code = "BadRequestException"
    status = 400

    def __init__(self, message: str | None) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(ApiError):
    code = "BadRequestException"
    status = 400


class NotFound(ApiError):
    code = "NotFoundException"
    status = 404


class Conflict(ApiError):
    code = "ConflictException"
    status = 409


class LimitExceeded(ApiError):
    code = "LimitExceededException"
    status = 429


class TooManyRequests(ApiError):
    code = "TooManyRequestsException"
    status = 429


class Unauthorized(ApiError):
    code = "UnauthorizedException"
    status = 401


class Validation(ApiError):
    """Input that fails the model's constraints (enum, required, pattern): Coral's answer."""

    code = "ValidationException"
    status = 400


class Serialization(ApiError):
    """A body that is not JSON, or a member of the wrong JSON type."""

    code = "SerializationException"
    status = 400


class UnknownOperation(ApiError):
    """No operation at this method and path (also the answer for operations we don't serve)."""

    code = "UnknownOperationException"
    status = 404

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message)


class Forbidden(ApiError):
    """Signature problems; ``code`` varies (InvalidSignatureException, ...)."""

    status = 403

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class InternalFailure(ApiError):
    code = "InternalFailure"
    status = 500


class ServiceUnavailable(ApiError):
    """The state store cannot be reached (AWS's 503 for a service-side outage)."""

    code = "ServiceUnavailableException"
    status = 503
