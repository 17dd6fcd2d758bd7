"""The Lambda API tests use the functions tests' gateway and clients (tests/functions/conftest)."""

from tests.functions.conftest import apigw, gateway, lam

__all__ = ["apigw", "gateway", "lam"]
