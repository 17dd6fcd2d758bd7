"""API Gateway's dialect of the shared rest-json wire layer (``admin/wire``): Coral's messages
as recorded from the ``apigateway`` service. Only the enum orders are its own; the paths
(``createRestApiInput.name``), the Java type errors and the error types are the layer's
defaults."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar, Final

from frontgate.admin.wire.restjson import Dialect
from frontgate.admin.wire.routes import Router

SERVICE: Final = "apigateway"


class ApiGatewayDialect(Dialect):
    # AWS prints enum sets in its (Java hash-set) order, not the model's; these are recorded.
    enum_orders: ClassVar[Mapping[str, Sequence[str]]] = {
        "IntegrationType": ["HTTP", "MOCK", "AWS_PROXY", "HTTP_PROXY", "AWS"],
        "Op": ["add", "remove", "move", "test", "replace", "copy"],
        "EndpointType": ["PRIVATE", "EDGE", "REGIONAL"],
        "GatewayResponseType": [
            "REQUEST_TOO_LARGE",
            "RESOURCE_NOT_FOUND",
            "AUTHORIZER_CONFIGURATION_ERROR",
            "MISSING_AUTHENTICATION_TOKEN",
            "BAD_REQUEST_BODY",
            "INVALID_SIGNATURE",
            "INVALID_API_KEY",
            "BAD_REQUEST_PARAMETERS",
            "AUTHORIZER_FAILURE",
            "UNAUTHORIZED",
            "INTEGRATION_TIMEOUT",
            "ACCESS_DENIED",
            "DEFAULT_4XX",
            "DEFAULT_5XX",
            "WAF_FILTERED",
            "QUOTA_EXCEEDED",
            "THROTTLED",
            "API_CONFIGURATION_ERROR",
            "UNSUPPORTED_MEDIA_TYPE",
            "INTEGRATION_FAILURE",
            "EXPIRED_TOKEN",
        ],
        "DocumentationPartType": [
            "RESPONSE_BODY",
            "RESPONSE",
            "METHOD",
            "MODEL",
            "AUTHORIZER",
            "RESPONSE_HEADER",
            "RESOURCE",
            "PATH_PARAMETER",
            "REQUEST_BODY",
            "QUERY_PARAMETER",
            "API",
            "REQUEST_HEADER",
        ],
    }


DIALECT: Final = ApiGatewayDialect()


def router() -> Router:
    """Every operation of the model (an unserved one is named in the answer)."""
    return Router(SERVICE)
