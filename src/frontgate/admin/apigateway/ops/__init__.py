"""Operation handlers, one module per resource family. Importing a module registers its
handlers in ``frontgate.admin.apigateway.registry.HANDLERS``."""

from __future__ import annotations

import importlib

MODULES = (
    "restapis",
    "resources",
    "methods",
    "integrations",
    "deployments",
    "stages",
    "models",
    "validators",
    "authorizers",
    "gateway_responses",
    "apikeys",
    "usageplans",
    "usage",
    "account",
    "domains",
    "basepaths",
    "certificates",
    "documentation",
    "docversions",
    "tags",
    "vpclinks",
    "export",
)


def load() -> None:
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}")
