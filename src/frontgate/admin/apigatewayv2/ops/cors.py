"""CORS configuration of an HTTP API (``corsConfiguration``): checked as AWS checks it on
CreateApi, UpdateApi and ImportApi; DeleteCorsConfiguration. The data plane answers preflight
requests from it."""

from __future__ import annotations

from typing import Any

from frontgate.admin.apigatewayv2.context import Ctx
from frontgate.admin.apigatewayv2.ops.common import get_api, redeploy
from frontgate.admin.apigatewayv2.registry import operation
from frontgate.admin.errors import BadRequest
from frontgate.definition import kinds

CORS_METHODS = frozenset(("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "*"))


def check_cors(cors: dict[str, Any], protocol: str) -> dict[str, Any]:
    """The configuration to store (lists de-duplicated in order), or ``BadRequestException``."""
    if protocol != "HTTP":
        raise BadRequest("CORS configuration is supported only for HTTP APIs")
    out = dict(cors)
    for member in ("allowOrigins", "allowMethods", "allowHeaders", "exposeHeaders"):
        if member in out:
            out[member] = list(dict.fromkeys(out[member]))
    for origin in out.get("allowOrigins", ()):
        if origin != "*" and ("://" not in origin or origin.endswith("/")):
            raise BadRequest(
                f"Invalid CORS origin {origin!r}: an origin is '*' or scheme://host[:port], "
                "without a path"
            )
    for method in out.get("allowMethods", ()):
        if method.upper() not in CORS_METHODS:
            raise BadRequest(
                f"Invalid CORS method {method!r}: must be one of "
                "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or *"
            )
    for member in ("allowHeaders", "exposeHeaders"):
        for header in out.get(member, ()):
            if not header or any(c in header for c in " \t\r\n:,"):
                raise BadRequest(f"Invalid CORS header name {header!r} in {member}")
    if out.get("allowCredentials") and "*" in out.get("allowOrigins", ()):
        # AWS: credentials cannot be allowed for every origin (browsers refuse it too).
        raise BadRequest(
            "allow-credentials is not supported when allow-origin is '*'; list the origins "
            "that may send credentials"
        )
    return out


@operation("DeleteCorsConfiguration")
async def delete_cors_configuration(ctx: Ctx, inp: dict[str, Any]) -> None:
    async with ctx.tx() as tx:
        api = await get_api(tx, ctx, inp["apiId"])
        if api.pop("corsConfiguration", None) is None:
            return
        await tx.put(ctx.region, kinds.V2_API, "", api["apiId"], api)
        await redeploy(tx, ctx, api["apiId"])
