"""An HTTP API (apigatewayv2 documents as definition/httpapis.py stores them: routes,
integrations, authorizers, CORS) written straight into a running gateway's store and deployed,
for data-plane tests that need no apigatewayv2 management API; ``serve_http_api`` waits until
the gateway serves it."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from tests.support.gateway import Gateway

from frontgate.compile.httpapi import check_compiles
from frontgate.definition import kinds
from frontgate.definition.httpapis import HttpApiDefinition, create_deployment, save_http_api
from frontgate.state.sqlite import SqliteStore

REGION = "us-east-1"
ACCOUNT = "123456789012"


def lambda_integration(iid: str, function_arn: str, fmt: str = "2.0") -> dict[str, Any]:
    return {
        "integrationId": iid,
        "integrationType": "AWS_PROXY",
        "integrationUri": function_arn,
        "integrationMethod": "POST",
        "payloadFormatVersion": fmt,
        "timeoutInMillis": 30000,
        "connectionType": "INTERNET",
    }


def http_route(key: str, integration: str, auth: str = "NONE", **extra: Any) -> dict[str, Any]:
    return {
        "routeId": "r" + "".join(c for c in key if c.isalnum())[:12].lower(),
        "routeKey": key,
        "target": f"integrations/{integration}",
        "authorizationType": auth,
        "apiKeyRequired": False,
        **extra,
    }


def write_http_api(
    data_dir: Path,
    api_id: str,
    *,
    routes: list[dict[str, Any]],
    integrations: list[dict[str, Any]],
    authorizers: list[dict[str, Any]] | None = None,
    cors: dict[str, Any] | None = None,
    stage_name: str = "$default",
) -> None:
    """Store the API with one stage and deploy it there."""

    async def run() -> None:
        store = SqliteStore(data_dir / "frontgate.db")
        await store.open()
        try:
            api: dict[str, Any] = {
                "apiId": api_id,
                "name": api_id,
                "protocolType": "HTTP",
                "routeSelectionExpression": "$request.method $request.path",
                "apiEndpoint": f"https://{api_id}.execute-api.{REGION}.amazonaws.com",
                "createdDate": "2026-01-01T00:00:00Z",
                "disableExecuteApiEndpoint": False,
            }
            if cors is not None:
                api["corsConfiguration"] = cors
            defn = HttpApiDefinition(
                api, routes=routes, integrations=integrations, authorizers=authorizers or []
            )
            stage = {
                "stageName": stage_name,
                "autoDeploy": False,
                "defaultRouteSettings": {},
                "routeSettings": {},
                "stageVariables": {},
                "createdDate": "2026-01-01T00:00:00Z",
                "lastUpdatedDate": "2026-01-01T00:00:00Z",
            }
            async with store.transaction() as tx:
                await save_http_api(tx, REGION, defn, replace=True)
                await tx.put(REGION, kinds.V2_STAGE, api_id, stage_name, stage)
                await create_deployment(
                    tx, REGION, api_id, check=lambda d: check_compiles(d, REGION, ACCOUNT),
                    stage_name=stage_name,
                )  # fmt: skip
        finally:
            await store.close()

    asyncio.run(run())


def serve_http_api(gw: Gateway, api_id: str, probe: str, **kw: Any) -> None:
    """``write_http_api`` into ``gw``'s store, then wait until ``GET probe`` is routed (any
    answer but a 404 or the REST-style 403 of an API the gateway does not know yet)."""
    write_http_api(gw.data_dir, api_id, **kw)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        status, headers, _ = gw.request("GET", probe, api_id=api_id)
        if "apigw-requestid" in headers and status != 404:
            return
        time.sleep(0.05)
    raise AssertionError(f"{api_id} was never served")
