"""A real ``frontgate serve`` node for the WebSocket tests, WebSocket APIs made through the
apigatewayv2 management API (boto3), and real WebSocket clients (the ``websockets`` package)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.gateway import Gateway
from websockets.sync.client import ClientConnection, connect


@pytest.fixture(scope="package")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with Gateway(tmp_path_factory.mktemp("ws")) as gateway:
        yield gateway


@pytest.fixture(scope="package")
def v2(gw: Gateway) -> Any:
    return gw.admin_client("apigatewayv2")


def ws_connect(gw: Gateway, api_id: str, path: str = "/dev", **kwargs: Any) -> ClientConnection:
    """A client connected to the API's invoke URL ``ws://{apiId}.execute-api.localhost:{port}``
    (the socket opened to loopback: Python's resolver does not map ``*.localhost``)."""
    sock = socket.create_connection(("127.0.0.1", gw.port))
    return connect(f"ws://{gw.host(api_id)}{path}", sock=sock, open_timeout=10, **kwargs)


def make_ws_api(v2: Any, name: str = "ws", rse: str = "$request.body.action") -> str:
    api: dict[str, Any] = v2.create_api(
        Name=name, ProtocolType="WEBSOCKET", RouteSelectionExpression=rse
    )
    return str(api["ApiId"])


def mock_route(
    v2: Any,
    api_id: str,
    key: str,
    *,
    status: int = 200,
    response: str | None = None,
) -> str:
    """A route to a MOCK integration answering ``status``; with ``response`` a route response
    and an integration response whose template is ``response``."""
    integ = v2.create_integration(
        ApiId=api_id,
        IntegrationType="MOCK",
        RequestTemplates={"$default": f'{{"statusCode": {status}}}'},
        TemplateSelectionExpression="\\$default",
    )
    route = v2.create_route(
        ApiId=api_id, RouteKey=key, Target=f"integrations/{integ['IntegrationId']}"
    )
    if response is not None:
        v2.create_integration_response(
            ApiId=api_id,
            IntegrationId=integ["IntegrationId"],
            IntegrationResponseKey="$default",
            ResponseTemplates={"$default": response},
            TemplateSelectionExpression="\\$default",
        )
        v2.create_route_response(
            ApiId=api_id, RouteId=route["RouteId"], RouteResponseKey="$default"
        )
    return str(route["RouteId"])


def deploy(v2: Any, api_id: str, stage: str = "dev") -> None:
    v2.create_stage(ApiId=api_id, StageName=stage)
    v2.create_deployment(ApiId=api_id, StageName=stage)


def wait_served(gw: Gateway, api_id: str, stage: str = "dev") -> None:
    """Until the workers serve the deployment (the snapshot reaches them asynchronously)."""
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with ws_connect(gw, api_id, f"/{stage}"):
                return
        except Exception:
            time.sleep(0.1)
    raise AssertionError("the WebSocket API was not served")


def data_dir(tmp: Path) -> Path:
    return tmp / "data"


ROLE = "arn:aws:iam::123456789012:role/lambda-role"


def make_function(gw: Gateway, name: str, code: str, env: dict[str, str] | None = None) -> str:
    """A Lambda function (``app.handler``) API Gateway may invoke; its ARN."""
    from tests.functions.conftest import make_zip

    lam = gw.admin_client("lambda")
    arn = lam.create_function(
        FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
        Code={"ZipFile": make_zip({"app.py": code})},
        Environment={"Variables": env or {}},
    )["FunctionArn"]  # fmt: skip
    lam.add_permission(
        FunctionName=name, StatementId="apigw", Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
    )  # fmt: skip
    return str(arn)


def lambda_route(v2: Any, api_id: str, key: str, arn: str, *, respond: bool = False) -> str:
    integ = v2.create_integration(
        ApiId=api_id,
        IntegrationType="AWS_PROXY",
        IntegrationUri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations",
    )
    route = v2.create_route(
        ApiId=api_id, RouteKey=key, Target=f"integrations/{integ['IntegrationId']}"
    )
    if respond:
        v2.create_route_response(
            ApiId=api_id, RouteId=route["RouteId"], RouteResponseKey="$default"
        )
    return str(route["RouteId"])
