"""botocore's ``apigateway`` service model, loaded once per process."""

from __future__ import annotations

import functools
from typing import Any

import botocore.loaders

Shape = dict[str, Any]


@functools.cache
def service_model() -> dict[str, Any]:
    """The apigateway model, loaded once per process (about 1 MB of JSON)."""
    loader = botocore.loaders.Loader()
    return dict(loader.load_service_model("apigateway", "service-2"))


@functools.cache
def shapes() -> dict[str, Shape]:
    return dict(service_model()["shapes"])
