"""Typed Lambda service errors. The Lambda API renders them as AWS does (``x-amzn-ErrorType`` and
a ``{"Type", "message"}`` body); the AWS_PROXY integration maps them to gateway responses."""

from __future__ import annotations


class LambdaError(Exception):
    """An error the Lambda API answers with ``status`` and ``code``."""

    code = "ServiceException"
    status = 500
    kind = "Service"  # the body's "Type": "User" for caller faults, "Service" for ours

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason  # TooManyRequestsException's "Reason" member


class InvalidParameterValue(LambdaError):
    code = "InvalidParameterValueException"
    status = 400
    kind = "User"


class ResourceNotFound(LambdaError):
    code = "ResourceNotFoundException"
    status = 404
    kind = "User"


class ResourceConflict(LambdaError):
    code = "ResourceConflictException"
    status = 409
    kind = "User"


class PreconditionFailed(LambdaError):
    code = "PreconditionFailedException"
    status = 412
    kind = "User"


class TooManyRequests(LambdaError):
    code = "TooManyRequestsException"
    status = 429
    kind = "User"


class RequestTooLarge(LambdaError):
    code = "RequestTooLargeException"
    status = 413
    kind = "User"


class RequestEntityTooLarge(LambdaError):
    """A function's zip over Lambda's 50 MB quota (CreateFunction, UpdateFunctionCode)."""

    code = "RequestEntityTooLargeException"
    status = 413
    kind = "User"


class InvalidRequestContent(LambdaError):
    code = "InvalidRequestContentException"
    status = 400
    kind = "User"


class Validation(LambdaError):
    code = "ValidationException"
    status = 400
    kind = "User"


class AccessDenied(LambdaError):
    """The function's resource policy does not allow the caller (API Gateway) to invoke it."""

    code = "AccessDeniedException"
    status = 403
    kind = "User"


class UnknownOperation(LambdaError):
    code = "UnknownOperationException"
    status = 404
    kind = "User"


def not_found(arn: str) -> ResourceNotFound:
    return ResourceNotFound(f"Function not found: {arn}")
