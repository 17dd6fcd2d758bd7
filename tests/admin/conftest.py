"""Fixtures: an AdminApp served by ``frontgate.http.server`` on a loopback port (own thread, own
event loop) and real AWS clients (boto3, the AWS CLI).

The module-scoped ``admin`` server runs every test module twice: on SQLite and on PostgreSQL (a
fresh schema per module in the local ``test`` database, dropped afterwards)."""

from __future__ import annotations

import asyncio
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from tests.support.awscli import run_aws

from frontgate.admin.apigateway import AdminApp
from frontgate.admin.settings import AdminSettings
from frontgate.http.server import ServerState, make_server_factory
from frontgate.state.postgres import PostgresStore
from frontgate.state.sqlite import SqliteStore
from frontgate.state.store import ConfigStore


class AdminServer:
    """Runs an AdminApp in a background thread; ``url`` is its endpoint."""

    def __init__(self, db: Path | ConfigStore, **settings: Any) -> None:
        """``db``: a SQLite file path, or any unopened ConfigStore (opened on the server loop)."""
        self.loop = asyncio.new_event_loop()
        self.store: ConfigStore = SqliteStore(db) if isinstance(db, Path) else db
        self.changes = 0
        self.settings = AdminSettings(on_change=self._changed, **settings)
        self.app = AdminApp(self.store, self.settings)
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait(10)
        self.url = f"http://127.0.0.1:{self.port}"

    def _changed(self) -> None:
        self.changes += 1

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)

        async def start() -> asyncio.Server:
            await self.store.open()
            self.state = ServerState(self.app.handle)
            return await self.loop.create_server(make_server_factory(self.state), "127.0.0.1", 0)

        self.server = self.loop.run_until_complete(start())
        self.port = self.server.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()

    def call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    def stop(self) -> None:
        async def shutdown() -> None:
            self.server.close()
            await self.state.shutdown(1.0)
            await self.store.close()

        self.call(shutdown())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


async def _drop_schema(dsn: str, schema: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def admin(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AdminServer]:
    yield from serve_admin(request, tmp_path_factory, AdminServer, "fg_admin")


def serve_admin(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    make: Callable[[Path | ConfigStore], AdminServer],
    prefix: str,
) -> Iterator[AdminServer]:
    """The ``admin`` fixtures' body: a server made by ``make`` on SQLite, or on PostgreSQL in a
    fresh schema (named ``prefix_…``) dropped afterwards, as ``request.param`` says."""
    if request.param == "sqlite":
        server = make(tmp_path_factory.mktemp("admin") / "frontgate.db")
        yield server
        server.stop()
        return
    dsn: str = request.getfixturevalue("postgres_dsn")
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        server = make(PostgresStore(dsn, schema=schema, max_size=4))
        yield server
        server.stop()
    finally:
        asyncio.run(_drop_schema(dsn, schema))


def make_client(url: str, region: str = "us-east-1", **kw: Any) -> Any:
    return boto3.client(
        "apigateway",
        endpoint_url=url,
        region_name=region,
        aws_access_key_id=kw.pop("key", "test"),
        aws_secret_access_key=kw.pop("secret", "test"),
        **kw,
    )


@pytest.fixture(scope="module")
def apigw(admin: AdminServer) -> Any:
    return make_client(admin.url)


def aws_cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_aws(url, "--output", "json", "apigateway", *args)


def deployed_mock_api(apigw: Any, name: str, stage: str) -> Any:
    """A new REST API whose root answers GET from a MOCK integration, deployed to ``stage``
    (CreateDeployment needs an integration on every method, as on AWS)."""
    api = apigw.create_rest_api(name=name)
    root = api["rootResourceId"]
    apigw.put_method(
        restApiId=api["id"], resourceId=root, httpMethod="GET", authorizationType="NONE"
    )
    apigw.put_integration(restApiId=api["id"], resourceId=root, httpMethod="GET", type="MOCK")
    apigw.create_deployment(restApiId=api["id"], stageName=stage)
    return api
