"""apigatewayv2 operation handlers, one module per resource family (``apis``, ``routes``,
``integrations``...). Every module of this package is imported by ``load()``, so a new family
is a new file here with ``@operation("Name")`` handlers, and nothing else to edit. Modules whose
name starts with ``_`` are helpers, not loaded for registration."""

from __future__ import annotations

import importlib
import pkgutil

_loaded = False


def load() -> None:
    global _loaded
    if _loaded:
        return
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    _loaded = True
