"""A stored stage whose deployment does not compile (rows written before the write-time checks
existed): the compiler reports it in the snapshot, logs one line naming the method and the reason
(no traceback, not again on every reload), and keeps serving a previous version only if it had
one."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest

from frontgate.compile.compiler import Compiler
from frontgate.definition import kinds
from frontgate.definition.restapis import new_stage
from frontgate.state.sqlite import SqliteStore

REGION = "us-east-1"
API = {"id": "api0000001", "name": "old", "rootResourceId": "root000001"}


def _snapshot(origin: str) -> dict[str, Any]:
    integration = {
        "type": "MOCK",
        "requestTemplates": {"application/json": '{"statusCode": 200}'},
        "integrationResponses": {
            "200": {
                "statusCode": "200",
                "responseParameters": {
                    "method.response.header.Access-Control-Allow-Origin": origin
                },
            }
        },
    }
    method = {
        "httpMethod": "OPTIONS",
        "authorizationType": "NONE",
        "methodIntegration": integration,
    }
    return {
        "restApi": API,
        "resources": [{"id": "root000001", "path": "/", "resourceMethods": {"OPTIONS": method}}],
        "models": [],
        "authorizers": [],
        "requestValidators": [],
        "gatewayResponses": [],
    }


async def _deploy(store: SqliteStore, dep: str, origin: str) -> None:
    async with store.transaction() as tx:
        await tx.put(REGION, kinds.REST_API, "", API["id"], API)
        await tx.put(REGION, kinds.DEPLOYMENT, API["id"], dep, {"id": dep})
        await tx.put(REGION, kinds.SNAPSHOT, API["id"], dep, _snapshot(origin))
        await tx.put(REGION, kinds.STAGE, API["id"], "dev", new_stage("dev", dep, 0))


def test_unservable_stage_is_reported_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def run() -> None:
        store = SqliteStore(tmp_path / "s.db")
        await store.open()
        compiler = Compiler(store, "123456789012")
        caplog.set_level(logging.INFO, "frontgate.compile")

        # Never compiled: not served, and no claim of a previous version.
        await _deploy(store, "dep1", "*")
        snap = await compiler.build(1)
        assert ("api0000001", "dev") not in snap.stages
        reason = snap.unservable[("api0000001", "dev")]
        assert reason == (
            "OPTIONS /: Invalid mapping expression specified: Validation Result: warnings : [], "
            "errors : [Invalid mapping expression specified: *]"
        )
        [record] = caplog.records
        assert record.levelno == logging.ERROR and record.exc_info is None
        assert record.getMessage() == (
            f"stage api0000001/dev (deployment dep1) does not compile, not served: {reason}"
        )
        snap = await compiler.build(2)  # a reload: same answer, no second line
        assert ("api0000001", "dev") in snap.unservable and len(caplog.records) == 1

        # Fixed: served, nothing reported.
        await _deploy(store, "dep2", "'*'")
        snap = await compiler.build(3)
        assert snap.stages[("api0000001", "dev")].deployment_id == "dep2"
        assert snap.unservable == {}

        # Broken again: the previous version keeps serving, and that is what is said.
        await _deploy(store, "dep3", "GET,POST")
        snap = await compiler.build(4)
        assert snap.stages[("api0000001", "dev")].deployment_id == "dep2"
        assert snap.unservable[("api0000001", "dev")].endswith("specified: GET,POST]")
        assert (
            caplog.records[-1]
            .getMessage()
            .startswith(
                "stage api0000001/dev (deployment dep3) does not compile, still serving its "
                "previous deployment dep2: OPTIONS /: "
            )
        )
        snap = await compiler.build(5)
        assert snap.stages[("api0000001", "dev")].deployment_id == "dep2"
        assert len(caplog.records) == 2
        assert "keeping its previous version" not in caplog.text
        await store.close()

    asyncio.run(run())
