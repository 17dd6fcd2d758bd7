"""Amazon API Gateway's management API (the ``apigateway`` REST service) over the config store:
botocore's model drives the wire layer (``wire.py``, ``validate.py``, ``service.py``), one module
per resource family in ``ops/``, and TestInvokeMethod in ``invoke_method.py``."""

from frontgate.admin.apigateway.app import AdminApp

__all__ = ["AdminApp"]
