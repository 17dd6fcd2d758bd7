"""HTTP APIs (apigatewayv2) written straight to a data directory's store, as the management API
stores them (definition/httpapis.py), then deployed: for data-plane tests that need no admin
API. ``write_http_api`` runs before (or while) a ``frontgate serve`` uses the same directory."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from frontgate.compile.httpapi import check_compiles
from frontgate.definition import kinds
from frontgate.definition.httpapis import HttpApiDefinition, create_deployment, save_http_api
from frontgate.state.sqlite import SqliteStore

REGION = "us-east-1"
ACCOUNT = "000000000000"


def route(key: str, integration: str | None, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "routeId": "r" + str(abs(hash(key)) % 10**6),
        "routeKey": key,
        "authorizationType": "NONE",
        "apiKeyRequired": False,
        **extra,
    }
    if integration is not None:
        doc["target"] = f"integrations/{integration}"
    return doc


def http_proxy(iid: str, uri: str, **extra: Any) -> dict[str, Any]:
    return {
        "integrationId": iid,
        "integrationType": "HTTP_PROXY",
        "integrationUri": uri,
        "integrationMethod": "ANY",
        "payloadFormatVersion": "1.0",
        "timeoutInMillis": 30000,
        "connectionType": "INTERNET",
        **extra,
    }


def lambda_proxy(iid: str, function: str, fmt: str = "2.0", **extra: Any) -> dict[str, Any]:
    return {
        "integrationId": iid,
        "integrationType": "AWS_PROXY",
        "integrationUri": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}",
        "integrationMethod": "POST",
        "payloadFormatVersion": fmt,
        "timeoutInMillis": 30000,
        "connectionType": "INTERNET",
        **extra,
    }


def stage(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "stageName": name,
        "autoDeploy": False,
        "defaultRouteSettings": {},
        "routeSettings": {},
        "stageVariables": {},
        "createdDate": "2026-01-01T00:00:00Z",
        "lastUpdatedDate": "2026-01-01T00:00:00Z",
        **extra,
    }


def write_http_api(
    data_dir: Path,
    api_id: str,
    routes: list[dict[str, Any]],
    integrations: list[dict[str, Any]],
    stages: list[dict[str, Any]],
) -> None:
    """Store the API, its stages, and one deployment every stage points at."""

    async def run() -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        store = SqliteStore(data_dir / "frontgate.db")
        await store.open()
        try:
            api = {
                "apiId": api_id,
                "name": api_id,
                "protocolType": "HTTP",
                "routeSelectionExpression": "$request.method $request.path",
                "apiEndpoint": f"https://{api_id}.execute-api.{REGION}.amazonaws.com",
                "createdDate": "2026-01-01T00:00:00Z",
                "disableExecuteApiEndpoint": False,
            }
            defn = HttpApiDefinition(api, routes=routes, integrations=integrations)
            async with store.transaction() as tx:
                await save_http_api(tx, REGION, defn, replace=True)
                for doc in stages:
                    await tx.put(REGION, kinds.V2_STAGE, api_id, doc["stageName"], doc)
                first = stages[0]["stageName"]
                dep = await create_deployment(
                    tx, REGION, api_id, check=lambda d: check_compiles(d, REGION, ACCOUNT),
                    stage_name=first,
                )  # fmt: skip
                for doc in stages[1:]:
                    doc = {**doc, "deploymentId": dep["deploymentId"]}
                    await tx.put(REGION, kinds.V2_STAGE, api_id, doc["stageName"], doc)
        finally:
            await store.close()

    asyncio.run(run())


def wait_for(check: Any, timeout: float = 10.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")
