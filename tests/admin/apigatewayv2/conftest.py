"""Fixtures: both API Gateway management apps (``apigateway`` and ``apigatewayv2``) served on one
loopback port as the admin listener mounts them (``/v2/...`` to the v2 app), on SQLite and on
PostgreSQL, with real boto3 ``apigatewayv2`` clients and the AWS CLI."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from tests.admin.conftest import AdminServer, serve_admin
from tests.support.awscli import run_aws

from frontgate.admin.apigatewayv2 import AdminV2App, is_v2_request
from frontgate.http.message import Request, Response
from frontgate.state.store import ConfigStore


class BothServer(AdminServer):
    """An ``AdminServer`` whose handler sends ``/v2/`` requests to an ``AdminV2App``."""

    def __init__(self, db: Path | ConfigStore, **settings: Any) -> None:
        super().__init__(db, **settings)
        self.v2 = AdminV2App(self.store, self.settings)
        rest = self.state.handler

        async def handle(request: Request) -> Response:
            if is_v2_request(request):
                return await self.v2.handle(request)
            return await rest(request)

        self.state.handler = handle


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def admin(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AdminServer]:
    yield from serve_admin(request, tmp_path_factory, BothServer, "fg_v2")


def make_v2_client(url: str, region: str = "us-east-1", **kw: Any) -> Any:
    return boto3.client(
        "apigatewayv2",
        endpoint_url=url,
        region_name=region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        **kw,
    )


@pytest.fixture(scope="module")
def v2(admin: AdminServer) -> Any:
    return make_v2_client(admin.url)


def aws_v2(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_aws(url, "--output", "json", "apigatewayv2", *args)


def raw(url: str, method: str, path: str, body: Any = None) -> tuple[int, str, dict[str, Any]]:
    """An unsigned call with a body no SDK would send (the admin server takes unsigned calls
    when no admin keys are set): (status, x-amzn-ErrorType, JSON body)."""
    import json
    import urllib.error
    import urllib.request

    data = (
        None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    )
    req = urllib.request.Request(url + path, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            text = resp.read()
            return resp.status, "", json.loads(text) if text else {}
    except urllib.error.HTTPError as err:
        text = err.read()
        return err.code, err.headers.get("x-amzn-ErrorType", ""), json.loads(text) if text else {}
