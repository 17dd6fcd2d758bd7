"""The imported fixture documents shared by the importer and exporter tests (one per module)."""

from __future__ import annotations

import pytest

from frontgate.definition.model import ApiDefinition
from frontgate.openapi import import_openapi

from .helpers import fixture_text


@pytest.fixture(scope="module")
def petstore() -> ApiDefinition:
    return import_openapi(fixture_text("petstore-oas3.yaml"), source="petstore-oas3.yaml")


@pytest.fixture(scope="module")
def orders() -> ApiDefinition:
    return import_openapi(fixture_text("orders-swagger.json"), source="orders-swagger.json")
