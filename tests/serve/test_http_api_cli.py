"""An HTTP API configured the way AWS's developer guide does it, with the AWS CLI, against a real
``frontgate serve``: a Lambda (payload 2.0) and an ``HTTP_PROXY`` integration with request and
response parameter mapping, a JWT authorizer with a scoped route, a Lambda REQUEST authorizer
with simple responses, CORS, and a named stage with per-route throttling and access logs; then
checked with plain HTTP requests as a browser or curl would send them."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from tests.functions.conftest import make_zip
from tests.support.awscli import run_aws
from tests.support.gateway import Gateway
from tests.support.oidc_issuer import Issuer
from tests.support.upstream import Upstream

ACCOUNT = "123456789012"
ORIGIN = "https://app.example.com"
ECHO = """
import json
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event)}
"""
AUTHORIZER = """
def handler(event, context):
    ok = event["headers"].get("x-token") == "good"
    return {"isAuthorized": ok, "context": {"user": "alice", "admin": True}}
"""


def _fn_arn(name: str) -> str:
    return f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"


class _Cli:
    """``aws apigatewayv2 ...`` against the gateway, run in ``cwd`` (for ``file://``)."""

    def __init__(self, gw: Gateway, cwd: Path) -> None:
        self.url = f"http://127.0.0.1:{gw.admin_port}"
        self.cwd = cwd

    def all(self, *commands: tuple[str, ...]) -> list[dict[str, Any]]:
        out = []
        for args in commands:
            proc = run_aws(self.url, "apigatewayv2", *args, "--output", "json", cwd=self.cwd)
            assert proc.returncode == 0, proc.stderr
            out.append(json.loads(proc.stdout))
        return out


def _send(
    gw: Gateway, api_id: str, method: str, path: str, headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=30)
    try:
        hdrs = {"Host": gw.host(api_id), **(headers or {})}
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("httpcli")
    issuer = Issuer()
    with Gateway(tmp / "data") as gw, Upstream() as up:
        lam = boto3.client(
            "lambda", endpoint_url=f"http://127.0.0.1:{gw.admin_port}", region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test",
        )  # fmt: skip
        for name, code in (("cliEcho", ECHO), ("cliAuth", AUTHORIZER)):
            lam.create_function(
                FunctionName=name, Runtime="python3.12", Handler="app.handler",
                Role=f"arn:aws:iam::{ACCOUNT}:role/r", Code={"ZipFile": make_zip({"app.py": code})},
            )  # fmt: skip
        cli = _Cli(gw, tmp)
        (api,) = cli.all((
            "create-api", "--name", "cli-api", "--protocol-type", "HTTP", "--cors-configuration",
            f"AllowOrigins={ORIGIN},AllowMethods=GET,POST,AllowHeaders=authorization,MaxAge=300",
        ))  # fmt: skip
        api_id = api["ApiId"]
        for name in ("cliEcho", "cliAuth"):
            lam.add_permission(
                FunctionName=name, StatementId="apigw", Action="lambda:InvokeFunction",
                Principal="apigateway.amazonaws.com",
                SourceArn=f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{api_id}/*",
            )  # fmt: skip
        (tmp / "req.json").write_text(json.dumps({
            "overwrite:header.x-rid": "$context.requestId",
            "overwrite:header.x-admin": "$context.authorizer.admin",
            "append:querystring.who": "$request.body.name",
            "overwrite:path": "/new/$request.path.proxy",
            "remove:header.x-drop": "''",
        }))  # fmt: skip
        (tmp / "resp.json").write_text(json.dumps({
            "200": {"overwrite:statuscode": "201", "append:header.x-extra": "hello"},
        }))  # fmt: skip
        authorizer_uri = (
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
            f"{_fn_arn('cliAuth')}/invocations"
        )
        lam_int, proxy_int, jwt, la = cli.all(
            ("create-integration", "--api-id", api_id, "--integration-type", "AWS_PROXY",
             "--integration-uri", _fn_arn("cliEcho"), "--payload-format-version", "2.0"),
            ("create-integration", "--api-id", api_id, "--integration-type", "HTTP_PROXY",
             "--integration-method", "ANY", "--integration-uri",
             f"http://127.0.0.1:{up.port}/base/{{proxy}}", "--payload-format-version", "1.0",
             "--request-parameters", "file://req.json", "--response-parameters",
             "file://resp.json"),
            ("create-authorizer", "--api-id", api_id, "--name", "jwt", "--authorizer-type", "JWT",
             "--identity-source", "$request.header.Authorization", "--jwt-configuration",
             f"Audience=client-1,Issuer={issuer.url}"),
            ("create-authorizer", "--api-id", api_id, "--name", "la", "--authorizer-type",
             "REQUEST", "--authorizer-uri", authorizer_uri, "--identity-source",
             "$request.header.x-token", "--authorizer-payload-format-version", "2.0",
             "--enable-simple-responses", "--authorizer-result-ttl-in-seconds", "300"),
        )  # fmt: skip
        target = f"integrations/{lam_int['IntegrationId']}"
        cli.all(
            ("create-route", "--api-id", api_id, "--route-key", "GET /items/{id}", "--target",
             target, "--authorization-type", "JWT", "--authorizer-id", jwt["AuthorizerId"],
             "--authorization-scopes", "orders/read"),
            ("create-route", "--api-id", api_id, "--route-key", "POST /up/{proxy+}", "--target",
             f"integrations/{proxy_int['IntegrationId']}", "--authorization-type", "CUSTOM",
             "--authorizer-id", la["AuthorizerId"]),
            ("create-route", "--api-id", api_id, "--route-key", "GET /secure", "--target",
             target, "--authorization-type", "CUSTOM", "--authorizer-id", la["AuthorizerId"]),
            ("create-route", "--api-id", api_id, "--route-key", "GET /limited", "--target",
             target),
        )  # fmt: skip
        log_format = json.dumps({
            "requestId": "$context.requestId", "routeKey": "$context.routeKey",
            "status": "$context.status", "admin": "$context.authorizer.admin",
            "user": "$context.authorizer.user", "bytes": "$context.dataProcessed",
        })  # fmt: skip
        (tmp / "logs.json").write_text(json.dumps({
            "DestinationArn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:cli-api",
            "Format": log_format,
        }))  # fmt: skip
        (tmp / "routes.json").write_text(json.dumps({
            "GET /limited": {"ThrottlingBurstLimit": 1, "ThrottlingRateLimit": 0.01},
        }))  # fmt: skip
        cli.all((
            "create-stage", "--api-id", api_id, "--stage-name", "prod", "--auto-deploy",
            "--access-log-settings", "file://logs.json", "--route-settings", "file://routes.json",
        ))  # fmt: skip
        yield {"gw": gw, "api": api_id, "issuer": issuer, "up": up, "data": tmp / "data"}
    issuer.close()


def test_jwt_authorizer_scopes_and_cors(served: dict[str, Any]) -> None:
    gw, api, issuer = served["gw"], served["api"], served["issuer"]
    cors = {"Origin": ORIGIN}
    status, headers, body = _send(gw, api, "GET", "/prod/items/7", cors)
    assert (status, json.loads(body)) == (401, {"message": "Unauthorized"})
    assert headers["access-control-allow-origin"] == ORIGIN  # errors carry CORS headers too
    assert "apigw-requestid" in headers and "x-amzn-errortype" not in headers
    token = issuer.token()
    status, headers, _ = _send(gw, api, "GET", "/prod/items/7", {"Authorization": token})
    assert status == 403 and "insufficient_scope" in headers["www-authenticate"]
    token = issuer.token(issuer.claims(scope="orders/read"))
    status, headers, body = _send(
        gw, api, "GET", "/prod/items/7?a=1&a=2", {"Authorization": f"Bearer {token}", **cors}
    )
    assert status == 200, body
    event = json.loads(body)
    assert event["routeKey"] == "GET /items/{id}" and event["pathParameters"] == {"id": "7"}
    assert event["requestContext"]["stage"] == "prod"
    assert event["queryStringParameters"] == {"a": "1,2"}
    assert event["requestContext"]["authorizer"]["jwt"]["scopes"] == ["orders/read"]
    assert event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] == "user-1"
    assert headers["access-control-allow-origin"] == ORIGIN
    # A preflight is answered by the gateway itself, before the authorizer.
    preflight = {**cors, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization"}  # fmt: skip
    status, headers, body = _send(gw, api, "OPTIONS", "/prod/items/7", preflight)
    assert (status, body) == (204, b"")
    assert headers["access-control-allow-methods"] == "GET,POST"
    assert headers["access-control-allow-headers"] == "authorization"
    assert headers["access-control-max-age"] == "300"
    # No route: HTTP API's 404.
    status, headers, body = _send(gw, api, "GET", "/prod/nowhere")
    assert (status, json.loads(body)) == (404, {"message": "Not Found"})
    assert "apigw-requestid" in headers


def test_http_proxy_parameter_mapping(served: dict[str, Any]) -> None:
    gw, api = served["gw"], served["api"]
    status, headers, body = _send(
        gw, api, "POST", "/prod/up/a/b?x=1",
        {"x-drop": "1", "Content-Type": "application/json", "x-token": "good"},
        b'{"name":"bob"}',
    )  # fmt: skip
    assert status == 201, body  # overwrite:statuscode
    assert headers["x-extra"] == "hello"
    seen = json.loads(body)
    assert seen["path"] == "/new/a/b" and seen["query"] == "x=1&who=bob"
    sent = {k.lower(): v for k, v in seen["headers"]}
    assert sent["x-rid"] == headers["apigw-requestid"] and "x-drop" not in sent
    assert sent["x-admin"] == "true"  # the Lambda authorizer's boolean context, as AWS maps it
    # Over 10 MB (as announced by Content-Length): refused before routing, and before the body
    # is read, in HTTP API's shape since the Host names an HTTP API.
    status, headers, body = _too_large(gw, api, "/prod/up/x")
    assert (status, json.loads(body)) == (413, {"message": "Request Entity Too Large"})
    assert "apigw-requestid" in headers and "x-amzn-errortype" not in headers
    assert _too_large(gw, "nosuchapi", "/x")[2].startswith(b"HTTP content length exceeded")


def _too_large(gw: Gateway, api_id: str, path: str) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", gw.port), timeout=30) as sock:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {gw.host(api_id)}\r\n"
            f"Content-Length: {10 * 2**20 + 1}\r\n\r\n"
        )
        sock.sendall(head.encode() + b"x" * 1024)
        resp = http.client.HTTPResponse(sock)
        resp.begin()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()


def test_lambda_authorizer_throttling_and_access_log(served: dict[str, Any]) -> None:
    gw, api = served["gw"], served["api"]
    assert _send(gw, api, "GET", "/prod/secure")[0] == 401  # no identity source
    status, _, body = _send(gw, api, "GET", "/prod/secure", {"x-token": "bad"})
    assert (status, json.loads(body)) == (403, {"message": "Forbidden"})
    status, headers, body = _send(gw, api, "GET", "/prod/secure", {"x-token": "good"})
    assert status == 200, body
    rid = headers["apigw-requestid"]
    context = json.loads(body)["requestContext"]["authorizer"]["lambda"]
    assert context == {"user": "alice", "admin": True}
    # Per-route throttling: burst 1, then 429 in HTTP API's shape.
    answers = [_send(gw, api, "GET", "/prod/limited") for _ in range(3)]
    assert [a[0] for a in answers] == [200, 429, 429]
    assert json.loads(answers[1][2]) == {"message": "Too Many Requests"}
    # The access log (the log group maps to {data-dir}/logs/{name}.log): booleans as AWS prints.
    log_file = served["data"] / "logs" / "cli-api.log"
    line = _wait_line(log_file, rid)
    assert line["admin"] == "true" and line["user"] == "alice"
    assert line["routeKey"] == "GET /secure" and line["status"] == "200"
    assert int(line["bytes"]) > 0  # an HTTP API variable REST does not have


def _wait_line(path: Path, rid: str) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if path.exists():
            for text in path.read_text().splitlines():
                doc = json.loads(text)
                if doc["requestId"] == rid:
                    return dict(doc)
        time.sleep(0.05)
    raise AssertionError(f"no access-log line for {rid}")
