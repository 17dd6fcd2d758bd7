"""OpenAPI 3 / Swagger 2 import (ImportRestApi, PutRestApi) and export (GetExport)."""

from __future__ import annotations

from .errors import OpenApiImportError, OpenApiInputError
from .exporter import dump, export_openapi
from .importer import import_openapi
from .merge import merge_definitions

__all__ = [
    "OpenApiImportError",
    "OpenApiInputError",
    "dump",
    "export_openapi",
    "import_openapi",
    "merge_definitions",
]
