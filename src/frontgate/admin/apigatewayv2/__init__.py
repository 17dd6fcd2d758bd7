"""Amazon API Gateway's ``apigatewayv2`` management API (HTTP and WebSocket APIs, paths under
``/v2/``) over the config store: botocore's ``apigatewayv2`` model drives the shared wire layer
(``admin/wire``; ``wire.py`` holds this service's dialect of it), one module per resource family
in ``ops/`` (each registers its handlers with ``@operation``), the documents stored as
``frontgate.definition.httpapis`` describes."""

from frontgate.admin.apigatewayv2.app import AdminV2App, is_v2_request

__all__ = ["AdminV2App", "is_v2_request"]
