"""HTTP APIs (apigatewayv2 documents as definition/httpapis.py stores them: routes,
integrations, authorizers, CORS, stages) written straight into a data directory's store and
deployed, for data-plane tests that need no apigatewayv2 management API.

``write_http_api`` runs before (or while) a ``frontgate serve`` uses the same directory;
``serve_http_api`` writes into a running gateway's store and waits until it serves the API."""

from __future__ import annotations

import asyncio
import hashlib
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


def route(key: str, integration: str | None, auth: str = "NONE", **extra: Any) -> dict[str, Any]:
    """A route document; its id is derived from the key, so it is stable across runs."""
    doc: dict[str, Any] = {
        "routeId": "r" + hashlib.sha1(key.encode()).hexdigest()[:6],
        "routeKey": key,
        "authorizationType": auth,
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
    """An AWS_PROXY integration; ``function`` is a function name or its ARN."""
    arn = function if function.startswith("arn:") else (
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}"
    )  # fmt: skip
    return {
        "integrationId": iid,
        "integrationType": "AWS_PROXY",
        "integrationUri": arn,
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
    stages: list[dict[str, Any]] | None = None,
    *,
    authorizers: list[dict[str, Any]] | None = None,
    cors: dict[str, Any] | None = None,
) -> None:
    """Store the API, its stages (default: the ``$default`` stage), and one deployment every
    stage points at."""
    stages = stages or [stage("$default")]

    async def run() -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
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


def wait_for(check: Any, timeout: float = 10.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")
