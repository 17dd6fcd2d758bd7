"""apigatewayv2 operation handlers, one module per resource family (``apis``, ``routes``,
``integrations``...). Every module of this package is imported by ``load()``, so a new family
is a new file here with ``@operation("Name")`` handlers, and nothing else to edit. Modules whose
name starts with ``_`` are not loaded for registration.

What a family module uses (``common.py``): ``get_api`` / ``need`` (AWS's not-found messages),
``page`` (``maxResults``/``nextToken``), ``new_id``, ``check_tags``, ``check_quota``, and
``redeploy(tx, ctx, api_id)``, which every write to an API's definition (routes, integrations,
authorizers, models, the Api itself) calls inside its transaction so ``autoDeploy`` stages move.
Handlers read and return camelCase wire names (the stored shapes of
``frontgate.definition.httpapis``); ``docs/COMPATIBILITY.md``'s apigatewayv2 table must list a
newly served operation as implemented (``tests/admin/apigatewayv2/test_compat.py``)."""

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
