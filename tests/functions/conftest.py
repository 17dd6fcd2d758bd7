"""Fixtures for the functions tests: a real ``frontgate serve`` subprocess, zips of handler code,
and real AWS clients (boto3 and the AWS CLI) pointed at its admin listener."""

from __future__ import annotations

import io
import subprocess
import textwrap
import time
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from tests.support.awscli import run_aws
from tests.support.gateway import Gateway

ROLE = "arn:aws:iam::123456789012:role/x"
ACCOUNT = "123456789012"


def make_zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, textwrap.dedent(text))
    return buf.getvalue()


def client(service: str, port: int, key: str = "test", secret: str = "test", **kw: Any) -> Any:
    return boto3.client(
        service,
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 0}, read_timeout=60, **kw),
    )


def aws(port: int, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = run_aws(f"http://127.0.0.1:{port}", "--output", "json", *args)
    if check and proc.returncode != 0:
        raise AssertionError(f"aws {' '.join(args)} failed: {proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with Gateway(tmp_path_factory.mktemp("fg")) as gw:
        yield gw


@pytest.fixture(scope="module")
def lam(gateway: Gateway) -> Any:
    return client("lambda", gateway.admin_port)


@pytest.fixture(scope="module")
def apigw(gateway: Gateway) -> Any:
    return client("apigateway", gateway.admin_port)


def proxy_api(
    apigw: Any, function_arn: str, path: str = "hello", verb: str = "GET", gw: Gateway | None = None
) -> str:
    """A REST API with ``/{path}`` → AWS_PROXY to the function, deployed to ``dev``."""
    api = apigw.create_rest_api(name=f"fn-{path}")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    parent = root
    for part in path.split("/"):
        parent = apigw.create_resource(restApiId=api, parentId=parent, pathPart=part)["id"]
    apigw.put_method(restApiId=api, resourceId=parent, httpMethod=verb, authorizationType="NONE")
    apigw.put_integration(
        restApiId=api,
        resourceId=parent,
        httpMethod=verb,
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations",
    )
    apigw.create_deployment(restApiId=api, stageName="dev")
    if gw is not None:
        wait_deployed(gw, api)
    return str(api)


def wait_deployed(gw: Gateway, api: str) -> None:
    """Until the data plane serves the new stage (it recompiles asynchronously)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        # An unknown stage is ForbiddenException; a known one answers anything else.
        headers = gw.request("OPTIONS", "/dev/", api_id=api)[1]
        if headers.get("x-amzn-errortype") != "ForbiddenException":
            return
        time.sleep(0.02)
    raise AssertionError(f"stage dev of {api} was not deployed in time")
