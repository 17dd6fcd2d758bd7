"""Fixtures for the access-control tests (tests/iam, tests/auth, tests/pipeline/test_validation.py;
loaded by tests/conftest.py as a plugin): one real gateway (config file naming a local OIDC
issuer, config-file IAM users and the VPC endpoint header), boto3 clients on its admin port."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import yaml
from botocore.config import Config
from tests.support.gateway import Gateway
from tests.support.oidc_issuer import Issuer

POOL_ARN = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_local"
CONFIG_KEY = ("AKIACONFIGUSER000001", "config-secret-key")


@pytest.fixture(scope="session")
def issuer() -> Iterator[Issuer]:
    iss = Issuer()
    yield iss
    iss.close()


@pytest.fixture(scope="session")
def gw(tmp_path_factory: pytest.TempPathFactory, issuer: Issuer) -> Iterator[Gateway]:
    root = tmp_path_factory.mktemp("access")
    config = root / "frontgate.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "cognito_issuers": {POOL_ARN: {"issuer": issuer.url}},
                "iam_users": {
                    "carol": {
                        "access_keys": [{"id": CONFIG_KEY[0], "secret": CONFIG_KEY[1]}],
                        "policies": [
                            {
                                "Version": "2012-10-17",
                                "Statement": [
                                    {
                                        "Effect": "Allow",
                                        "Action": "execute-api:Invoke",
                                        "Resource": "*",
                                    }
                                ],
                            }
                        ],
                    }
                },
                "vpce_header": "x-test-vpce",
            }
        )
    )
    with Gateway(root / "data", "--config", str(config)) as g:
        yield g


def client(gw: Gateway, service: str = "apigateway", **kw: Any) -> Any:
    return boto3.client(
        service,
        endpoint_url=f"http://127.0.0.1:{gw.admin_port}",
        region_name="us-east-1",
        aws_access_key_id=kw.pop("key", "test"),
        aws_secret_access_key=kw.pop("secret", "test"),
        aws_session_token=kw.pop("token", None),
        config=Config(retries={"max_attempts": 0}),
        **kw,
    )


@pytest.fixture(scope="session")
def apigw(gw: Gateway) -> Any:
    return client(gw)


def authorizer_function(gw: Gateway, name: str, source: str) -> str:
    """A Python function ``name`` (its ``app.py``: ``source``) that API Gateway may invoke;
    the URI an authorizer names it by."""
    from tests.functions.conftest import ROLE, make_zip

    lam = client(gw, "lambda")
    arn = lam.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": make_zip({"app.py": source})},
    )["FunctionArn"]
    lam.add_permission(
        FunctionName=name,
        StatementId="apigw",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
    )
    return f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"


def create_authorizer(
    c: Any, api_id: str, name: str, type: str, identity_source: str, **kw: Any
) -> str:
    """CreateAuthorizer on ``api_id`` (``kw``: the rest of its input, e.g. ``authorizerUri``,
    ``providerARNs``); the new authorizer's id."""
    doc = c.create_authorizer(
        restApiId=api_id, name=name, type=type, identitySource=identity_source, **kw
    )
    return str(doc["id"])


def make_api(c: Any, *, policy: dict[str, Any] | None = None, name: str = "access") -> str:
    kw = {"policy": json.dumps(policy)} if policy is not None else {}
    return str(c.create_rest_api(name=name, **kw)["id"])


def add_method(
    c: Any,
    api_id: str,
    path: str,
    verb: str = "GET",
    *,
    status: int = 200,
    template: str = '{"ok": true}',
    headers: dict[str, str] | None = None,
    **method: Any,
) -> str:
    """A resource at ``path`` (parents created) with a MOCK integration answering ``template``."""
    resources = {r["path"]: r["id"] for r in c.get_resources(restApiId=api_id)["items"]}
    parent = "/"
    for part in [p for p in path.split("/") if p]:
        here = parent.rstrip("/") + "/" + part
        if here not in resources:
            resources[here] = c.create_resource(
                restApiId=api_id, parentId=resources[parent], pathPart=part
            )["id"]
        parent = here
    rid = resources[path]
    method.setdefault("authorizationType", "NONE")
    c.put_method(restApiId=api_id, resourceId=rid, httpMethod=verb, **method)
    c.put_integration(
        restApiId=api_id,
        resourceId=rid,
        httpMethod=verb,
        type="MOCK",
        requestTemplates={"application/json": f'{{"statusCode": {status}}}'},
    )
    c.put_method_response(
        restApiId=api_id,
        resourceId=rid,
        httpMethod=verb,
        statusCode=str(status),
        responseParameters={f"method.response.header.{h}": False for h in headers or {}},
    )
    c.put_integration_response(
        restApiId=api_id,
        resourceId=rid,
        httpMethod=verb,
        statusCode=str(status),
        responseTemplates={"application/json": template},
        responseParameters={f"method.response.header.{h}": v for h, v in (headers or {}).items()},
    )
    return str(rid)


def deploy(gw: Gateway, c: Any, api_id: str, stage: str = "dev") -> None:
    c.create_deployment(restApiId=api_id, stageName=stage)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        _, _, body = gw.request("GET", f"/{stage}/", api_id=api_id)
        if body != b'{"message":"Forbidden"}':
            return
        time.sleep(0.05)
    raise AssertionError("deployment never reached the data plane")


def call(
    gw: Gateway, api_id: str, method: str, path: str, **kw: Any
) -> tuple[int, dict[str, str], Any]:
    status, headers, body = gw.request(method, path, api_id=api_id, **kw)
    try:
        doc = json.loads(body) if body else None
    except ValueError:
        doc = body
    return status, headers, doc
