"""Function documents in the config store (kind ``function``, parent ``""``, id = name, per
region). The compiler reads them into each snapshot's function table (``functions.table``)."""

from __future__ import annotations

from typing import Any

FUNCTION = "function"

# Members starting with "_" are internal and never leave the Lambda API:
#   _codePath   the unpacked code directory
#   _policy     the resource-policy statements (AddPermission)
#   _reserved   reserved concurrency (PutFunctionConcurrency), absent when unreserved
#   _url        the function URL (CreateFunctionUrlConfig): urlId, AuthType, Cors, InvokeMode,
#               CreationTime, LastModifiedTime (admin.lambda_.urls; compile.function_urls)


def public(doc: dict[str, Any]) -> dict[str, Any]:
    """The FunctionConfiguration members (internal ones dropped)."""
    return {k: v for k, v in doc.items() if not k.startswith("_")}
