"""The management API, wire-compatible with Amazon API Gateway's ``apigateway`` service."""

from frontgate.admin.app import AdminApp
from frontgate.admin.settings import AdminSettings

__all__ = ["AdminApp", "AdminSettings"]
