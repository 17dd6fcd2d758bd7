"""Amazon API Gateway's management API (the ``apigateway`` REST service) over the config store:
botocore's model drives the wire layer (``admin/wire``; ``wire.py`` holds this service's dialect of
it), one module per resource family in ``ops/``, and TestInvokeMethod in ``invoke_method.py``."""

from frontgate.admin.apigateway.app import AdminApp

__all__ = ["AdminApp"]
