"""Function documents in the config store (kind ``function``, parent ``""``, id = name, per
region) and the run specification a worker pool is built from."""

from __future__ import annotations

from typing import Any

from frontgate.functions.pool import RunSpec

FUNCTION = "function"

# Members starting with "_" are internal and never leave the Lambda API:
#   _codePath   the unpacked code directory
#   _policy     the resource-policy statements (AddPermission)
#   _reserved   reserved concurrency (PutFunctionConcurrency), absent when unreserved


def run_spec(region: str, doc: dict[str, Any]) -> RunSpec:
    env = (doc.get("Environment") or {}).get("Variables") or {}
    return RunSpec(
        name=str(doc["FunctionName"]),
        arn=str(doc["FunctionArn"]),
        region=region,
        handler=str(doc.get("Handler") or "lambda_function.lambda_handler"),
        code_path=str(doc["_codePath"]),
        memory_mb=int(doc.get("MemorySize") or 128),
        timeout=float(doc.get("Timeout") or 3),
        variables={str(k): str(v) for k, v in env.items()},
        reserved=doc.get("_reserved"),
    )


def public(doc: dict[str, Any]) -> dict[str, Any]:
    """The FunctionConfiguration members (internal ones dropped)."""
    return {k: v for k, v in doc.items() if not k.startswith("_")}
