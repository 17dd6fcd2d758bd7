"""botocore's service models, each loaded once per process (the larger ones are about 1 MB of
JSON), as plain dicts: the shapes and operations every protocol module reads."""

from __future__ import annotations

import functools
from typing import Any

import botocore.loaders

Shape = dict[str, Any]


@functools.cache
def _loader() -> botocore.loaders.Loader:
    return botocore.loaders.Loader()


@functools.cache
def service_model(service: str) -> dict[str, Any]:
    """The ``service-2`` model of ``service`` (botocore's name: ``apigateway``, ``lambda``...)."""
    return dict(_loader().load_service_model(service, "service-2"))


def shapes(service: str) -> dict[str, Shape]:
    return service_model(service)["shapes"]  # type: ignore[no-any-return]


def operations(service: str) -> dict[str, Any]:
    return service_model(service)["operations"]  # type: ignore[no-any-return]


def lower_first(name: str) -> str:
    """A member name as AWS's services print it in a message (``FunctionName`` ->
    ``functionName``)."""
    return name[:1].lower() + name[1:]
