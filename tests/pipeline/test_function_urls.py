"""Lambda function URLs served by a real ``frontgate serve``: a real function made with the
Lambda API, real HTTP requests by Host (``{urlId}.lambda-url.{region}.{domain}``) and by the
path form (``/_aws/lambda-url/{urlId}/...``); AuthType NONE with and without the public
permission, AWS_IAM signed with botocore, the payload format 2.0 event, response inference,
CORS, and the failures' shapes."""

from __future__ import annotations

import http.client
import json
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from tests.functions.conftest import ROLE, client, make_zip
from tests.support.gateway import Gateway

HANDLER = """
import base64, json

def handler(event, context):
    path = event["rawPath"]
    if path == "/string":
        return "plain text"
    if path == "/object":
        return {"hello": "world"}
    if path == "/fail":
        raise RuntimeError("boom")
    if path == "/malformed":
        return {"statusCode": 200, "unexpected": 1}
    if path == "/binary":
        return {"statusCode": 201, "headers": {"Content-Type": "image/png"},
                "body": base64.b64encode(b"\\x89PNG").decode(), "isBase64Encoded": True,
                "cookies": ["a=1; Path=/", "b=2"]}
    return {"statusCode": 200,
            "headers": {"Content-Type": "application/json",
                        "Access-Control-Allow-Origin": "https://evil.example"},
            "body": json.dumps(event)}
"""
FORBIDDEN = b'{"Message":"Forbidden"}'


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with Gateway(tmp_path_factory.mktemp("fnurl")) as gateway:
        yield gateway


@pytest.fixture(scope="module")
def lam(gw: Gateway) -> Any:
    return client("lambda", gw.admin_port)


def _create(lam: Any, name: str, auth: str, **kw: Any) -> tuple[str, str]:
    """(URL id, function ARN) of a new function with a URL."""
    arn = lam.create_function(
        FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
        Code={"ZipFile": make_zip({"app.py": HANDLER})},
    )["FunctionArn"]  # fmt: skip
    url = lam.create_function_url_config(FunctionName=name, AuthType=auth, **kw)["FunctionUrl"]
    return url.split("//", 1)[1].split(".", 1)[0], str(arn)


def _public(lam: Any, name: str) -> None:
    lam.add_permission(
        FunctionName=name, StatementId="public", Action="lambda:InvokeFunctionUrl",
        Principal="*", FunctionUrlAuthType="NONE",
    )  # fmt: skip


def send(
    gw: Gateway,
    method: str,
    target: str,
    *,
    url_id: str | None = None,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> tuple[int, dict[str, str], bytes, list[tuple[str, str]]]:
    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=30)
    try:
        hdrs = dict(headers or {})
        if url_id is not None:
            hdrs["Host"] = f"{url_id}.lambda-url.us-east-1.localhost:{gw.port}"
        conn.request(method, target, body=body, headers=hdrs)
        resp = conn.getresponse()
        pairs = resp.getheaders()
        return resp.status, {k.lower(): v for k, v in pairs}, resp.read(), pairs
    finally:
        conn.close()


def test_public_url_needs_the_permission(gw: Gateway, lam: Any) -> None:
    url_id, _arn = _create(lam, "fu-public", "NONE")
    status, headers, body, _ = send(gw, "GET", "/object", url_id=url_id)
    assert (status, body) == (403, FORBIDDEN)
    assert headers["x-amzn-errortype"] == "AccessDeniedException"
    assert "x-amzn-requestid" in headers
    assert "x-amz-apigw-id" not in headers and "apigw-requestid" not in headers
    _public(lam, "fu-public")
    status, headers, body, _ = send(gw, "GET", "/object", url_id=url_id)
    assert (status, json.loads(body)) == (200, {"hello": "world"})
    # Lambda's own request id, as on AWS; none of API Gateway's ids (also once the gateway
    # remembers the routing).
    assert len(headers["x-amzn-requestid"]) == 36 and "x-amz-apigw-id" not in headers
    headers = send(gw, "GET", "/object", url_id=url_id)[1]
    assert len(headers["x-amzn-requestid"]) == 36 and "x-amz-apigw-id" not in headers
    assert headers["content-type"] == "application/json"
    # A permission for another auth type does not open the URL.
    lam.remove_permission(FunctionName="fu-public", StatementId="public")
    lam.add_permission(
        FunctionName="fu-public", StatementId="iam-only", Action="lambda:InvokeFunctionUrl",
        Principal="*", FunctionUrlAuthType="AWS_IAM",
    )  # fmt: skip
    assert send(gw, "GET", "/object", url_id=url_id)[:3:2] == (403, FORBIDDEN)
    # Unknown URL ids, and a deleted URL, are forbidden too.
    _public(lam, "fu-public")
    assert send(gw, "GET", "/object", url_id=url_id)[0] == 200
    lam.delete_function_url_config(FunctionName="fu-public")
    assert send(gw, "GET", "/object", url_id=url_id)[:3:2] == (403, FORBIDDEN)
    assert send(gw, "GET", f"/_aws/lambda-url/{url_id}/object")[:3:2] == (403, FORBIDDEN)


def test_event_payload_2_0(gw: Gateway, lam: Any) -> None:
    url_id, arn = _create(lam, "fu-event", "NONE")
    _public(lam, "fu-event")
    status, _, body, _ = send(
        gw, "POST", "/echo/a%20b/?x=1&x=2&y=",
        url_id=url_id,
        headers={"User-Agent": "curl/8.0", "Cookie": "c1=v1; c2=v2", "X-Multi": "one",
                 "Content-Type": "text/plain"},
        body=b"hello",
    )  # fmt: skip
    assert status == 200, body
    event = json.loads(body)
    assert event["version"] == "2.0"
    assert event["routeKey"] == "$default"
    assert event["rawPath"] == "/echo/a%20b/"
    assert event["rawQueryString"] == "x=1&x=2&y="
    assert event["queryStringParameters"] == {"x": "1,2", "y": ""}
    assert event["cookies"] == ["c1=v1", "c2=v2"]
    assert event["headers"]["x-multi"] == "one"
    assert event["headers"]["user-agent"] == "curl/8.0"
    assert (event["body"], event["isBase64Encoded"]) == ("hello", False)
    assert "pathParameters" not in event and "stageVariables" not in event
    rc = event["requestContext"]
    assert rc["domainName"] == f"{url_id}.lambda-url.us-east-1.localhost"
    assert rc["domainPrefix"] == url_id
    assert rc["apiId"] == url_id
    assert rc["stage"] == "$default"
    assert rc["routeKey"] == "$default"
    assert rc["accountId"] == "anonymous"
    assert rc["http"] == {
        "method": "POST", "path": "/echo/a%20b/", "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1", "userAgent": "curl/8.0",
    }  # fmt: skip
    assert "authorizer" not in rc
    assert isinstance(rc["timeEpoch"], int) and rc["requestId"]
    # The path form, for clients that cannot set Host; binary bodies arrive base64-encoded.
    status, _, body, _ = send(
        gw, "PUT", f"/_aws/lambda-url/{url_id}/up?z=9",
        headers={"Content-Type": "application/octet-stream"}, body=b"\x00\x01",
    )  # fmt: skip
    event = json.loads(body)
    assert status == 200
    assert (event["rawPath"], event["rawQueryString"]) == ("/up", "z=9")
    assert event["requestContext"]["http"]["method"] == "PUT"
    assert event["requestContext"]["domainPrefix"] == url_id
    assert (event["body"], event["isBase64Encoded"]) == ("AAE=", True)
    assert arn.endswith(":function:fu-event")


def test_response_inference_and_failures(gw: Gateway, lam: Any) -> None:
    url_id, _ = _create(lam, "fu-resp", "NONE")
    _public(lam, "fu-resp")
    status, headers, body, _ = send(gw, "GET", "/string", url_id=url_id)
    assert (status, body, headers["content-type"]) == (200, b"plain text", "application/json")
    status, headers, body, pairs = send(gw, "GET", "/binary", url_id=url_id)
    assert (status, body, headers["content-type"]) == (201, b"\x89PNG", "image/png")
    assert [v for k, v in pairs if k.lower() == "set-cookie"] == ["a=1; Path=/", "b=2"]
    for path in ("/fail", "/malformed"):
        status, headers, body, _ = send(gw, "GET", path, url_id=url_id)
        assert (status, body) == (502, b"Internal Server Error"), path
        assert headers["x-amzn-errortype"] == "InternalServerErrorException"


@pytest.fixture(scope="module")
def iam_users(gw: Gateway) -> dict[str, Credentials]:
    iam = client("iam", gw.admin_port)
    out: dict[str, Credentials] = {}
    for user, action in (("url-caller", "lambda:InvokeFunctionUrl"), ("other", "s3:GetObject")):
        iam.create_user(UserName=user)
        key = iam.create_access_key(UserName=user)["AccessKey"]
        allow = {"Effect": "Allow", "Action": action, "Resource": "*"}
        policy = {"Version": "2012-10-17", "Statement": [allow]}
        iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=json.dumps(policy))
        out[user] = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
    return out


def _signed(
    gw: Gateway, url_id: str, creds: Credentials, service: str = "lambda"
) -> tuple[int, dict[str, str], bytes, list[tuple[str, str]]]:
    host = f"{url_id}.lambda-url.us-east-1.localhost:{gw.port}"
    req = AWSRequest(method="GET", url=f"http://{host}/who?a=1", headers={"Host": host})
    SigV4Auth(creds, service, "us-east-1").add_auth(req)
    return send(gw, "GET", "/who?a=1", headers=dict(req.headers.items()))


def test_aws_iam(gw: Gateway, lam: Any, iam_users: dict[str, Credentials]) -> None:
    url_id, arn = _create(lam, "fu-iam", "AWS_IAM")
    assert send(gw, "GET", "/who", url_id=url_id)[:3:2] == (403, FORBIDDEN)
    status, _, body, _ = _signed(gw, url_id, iam_users["url-caller"])
    assert status == 200, body
    event = json.loads(body)
    iam = event["requestContext"]["authorizer"]["iam"]
    account = arn.split(":")[4]
    assert iam["userArn"] == f"arn:aws:iam::{account}:user/url-caller"
    assert iam["accessKey"] == iam_users["url-caller"].access_key
    assert iam["accountId"] == account == event["requestContext"]["accountId"]
    assert set(iam) >= {"callerId", "userId", "cognitoIdentity", "principalOrgId"}
    assert "authorization" in event["headers"]
    # An identity whose policies do not allow lambda:InvokeFunctionUrl is forbidden...
    assert _signed(gw, url_id, iam_users["other"])[:3:2] == (403, FORBIDDEN)
    # ...unless the function's resource policy allows it (same account).
    lam.add_permission(
        FunctionName="fu-iam", StatementId="acct", Action="lambda:InvokeFunctionUrl",
        Principal=account, FunctionUrlAuthType="AWS_IAM",
    )  # fmt: skip
    assert _signed(gw, url_id, iam_users["other"])[0] == 200
    # A signature for another service, or an unknown key, is refused.
    status, _, body, _ = _signed(gw, url_id, iam_users["url-caller"], service="execute-api")
    assert status == 403 and b"Credential should be scoped to correct service" in body
    fake = Credentials("AKIAFAKEFAKEFAKEFAKE", "x" * 40)
    assert _signed(gw, url_id, fake)[0] == 403
    # A NONE permission does not open an AWS_IAM URL to anonymous callers.
    _public(lam, "fu-iam")
    assert send(gw, "GET", "/who", url_id=url_id)[:3:2] == (403, FORBIDDEN)


def test_cors(gw: Gateway, lam: Any) -> None:
    cors = {
        "AllowOrigins": ["https://app.example"], "AllowMethods": ["GET", "POST"],
        "AllowHeaders": ["x-token"], "ExposeHeaders": ["x-trace"], "MaxAge": 600,
    }  # fmt: skip
    url_id, _ = _create(lam, "fu-cors", "AWS_IAM", Cors=cors)
    preflight = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
    # Preflight is answered by the URL itself, unsigned, even for an AWS_IAM URL.
    status, headers, body, _ = send(gw, "OPTIONS", "/any", url_id=url_id, headers=preflight)
    assert status == 200 and body == b""
    assert headers["access-control-allow-origin"] == "https://app.example"
    assert headers["access-control-allow-methods"] == "GET,POST"
    assert headers["access-control-allow-headers"] == "x-token"
    assert headers["access-control-max-age"] == "600"
    other = {**preflight, "Origin": "https://other.example"}
    headers = send(gw, "OPTIONS", "/any", url_id=url_id, headers=other)[1]
    assert "access-control-allow-origin" not in headers
    # Actual requests: the URL's headers replace the function's.
    lam.update_function_url_config(FunctionName="fu-cors", AuthType="NONE")
    _public(lam, "fu-cors")
    status, headers, _, pairs = send(
        gw, "GET", "/x", url_id=url_id, headers={"Origin": "https://app.example"}
    )
    assert status == 200
    assert [v for k, v in pairs if k.lower() == "access-control-allow-origin"] == [
        "https://app.example"
    ]
    assert headers["access-control-expose-headers"] == "x-trace"
    status, headers, _, _ = send(gw, "GET", "/x", url_id=url_id)
    # No Origin: not a CORS request; the URL's configuration still owns the CORS headers, so the
    # function's are dropped (pipeline.cors, as HTTP APIs do).
    assert "access-control-allow-origin" not in headers
    # Wildcard origin patterns follow the same rules as HTTP APIs' CORS.
    lam.update_function_url_config(
        FunctionName="fu-cors", Cors={**cors, "AllowOrigins": ["https://*.example"]}
    )
    wild = {**preflight, "Origin": "https://www.example"}
    status, headers, _, _ = send(gw, "OPTIONS", "/any", url_id=url_id, headers=wild)
    assert status == 200 and headers["access-control-allow-origin"] == "https://www.example"
    # Without a Cors configuration an OPTIONS request reaches the function.
    lam.update_function_url_config(FunctionName="fu-cors", Cors={})
    status, _, body, _ = send(gw, "OPTIONS", "/any", url_id=url_id, headers=preflight)
    assert status == 200 and json.loads(body)["requestContext"]["http"]["method"] == "OPTIONS"


def test_throttled_function(gw: Gateway, lam: Any) -> None:
    url_id, _ = _create(lam, "fu-throttle", "NONE")
    _public(lam, "fu-throttle")
    lam.put_function_concurrency(FunctionName="fu-throttle", ReservedConcurrentExecutions=0)
    status, headers, body, _ = send(gw, "GET", "/object", url_id=url_id)
    assert (status, body) == (429, b'{"Message":"Rate Exceeded."}')
    assert headers["x-amzn-errortype"] == "TooManyRequestsException"
    lam.delete_function_concurrency(FunctionName="fu-throttle")
    assert send(gw, "GET", "/object", url_id=url_id)[0] == 200


def test_declared_function_keeps_its_url_across_restart(tmp_path: Path) -> None:
    """A ``--functions-dir`` function's URL and public permission are the Lambda API's: they
    survive a restart that declares the directory again, at the same URL."""
    handlers = tmp_path / "handlers"
    (handlers / "declared").mkdir(parents=True)
    (handlers / "declared" / "app.py").write_text(textwrap.dedent(HANDLER))
    data = tmp_path / "data"
    with Gateway(data, "--functions-dir", str(handlers)) as first:
        lam = client("lambda", first.admin_port)
        url = lam.create_function_url_config(FunctionName="declared", AuthType="NONE")
        _public(lam, "declared")
        url_id = url["FunctionUrl"].split("//", 1)[1].split(".", 1)[0]
        assert send(first, "GET", "/object", url_id=url_id)[0] == 200
    with Gateway(data, "--functions-dir", str(handlers)) as second:
        lam = client("lambda", second.admin_port)
        again = lam.get_function_url_config(FunctionName="declared")["FunctionUrl"]
        assert again.split(":")[:2] == url["FunctionUrl"].split(":")[:2]  # same host
        status, _, body, _ = send(second, "GET", "/object", url_id=url_id)
        assert (status, json.loads(body)) == (200, {"hello": "world"})
