"""``AwsClient.send``: SigV4 signing a service would accept (checked by recomputing the
signature over what a real loopback server received, and by moto), the caller's own key,
and AWS's gateway errors when a call cannot be made."""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

import pytest
from tests.support.moto import ACCESS_KEY, SECRET_KEY
from tests.support.upstream import Upstream

from frontgate.awscall.client import AwsClient
from frontgate.deferred import wait
from frontgate.gateway_errors import GatewayError
from frontgate.http.message import Request
from frontgate.iam import sigv4
from frontgate.iam.identities import IamIndex, Identity, KeyEntry
from frontgate.pipeline.context import Context
from frontgate.snapshot.snapshot import Snapshot
from frontgate.upstream.pool import UpstreamPool, UpstreamResponse

ROLE = "arn:aws:iam::123456789012:role/r"
KEYS = {ROLE: {"access_key_id": "AKIDROLE", "secret_access_key": "role-secret"}}


def context(identity: dict[str, str | None] | None = None, iam: Any = None) -> Context:
    snapshot = Snapshot(1, {}, frozenset(), iam=iam)
    ctx = Context(Request("POST", "/x", []), snapshot, "rid", "ext")
    ctx.identity = identity
    ctx.exec_log = []
    return ctx


def send(client: AwsClient, ctx: Context, **kw: Any) -> UpstreamResponse:
    args: dict[str, Any] = {
        "service": "dynamodb", "region": "eu-west-1", "method": "POST", "path": "/",
        "query": "", "headers": [], "body": b"", "credentials": ROLE, "timeout": 5.0,
    }  # fmt: skip
    args.update(kw)

    async def run() -> UpstreamResponse:
        pool = UpstreamPool()
        client.pool = pool
        try:
            return await wait(client.send(ctx, **args))
        finally:
            await pool.close()

    return asyncio.run(run())


def received(resp: UpstreamResponse) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(resp.body)
    return doc


def check_signature(seen: dict[str, Any], secret: str, region: str, service: str) -> None:
    """Recompute the signature the way AWS does over what the server received."""
    headers: dict[str, list[str]] = {}
    for k, v in seen["headers"]:
        headers.setdefault(k.lower(), []).append(v)
    signed = sigv4.parse_header(
        headers["authorization"][0], lambda n: (headers.get(n) or [None])[0]
    )
    assert (signed.region, signed.service) == (region, service)
    body = seen["body"].encode()
    sigv4.verify(
        signed, secret, seen["method"], seen["path"], seen["query"],
        lambda n: headers.get(n, []), body,
    )  # fmt: skip


def test_signed_for_the_service_and_region() -> None:
    with Upstream() as up:
        client = AwsClient(UpstreamPool(), {"dynamodb": f"http://127.0.0.1:{up.port}"}, KEYS)
        ctx = context()
        body = b'{"TableName": "t"}'
        headers = [("Content-Type", "application/x-amz-json-1.0"),
                   ("X-Amz-Target", "DynamoDB_20120810.DescribeTable")]  # fmt: skip
        seen = received(send(client, ctx, headers=headers, body=body))
        assert seen["method"] == "POST" and seen["body"] == body.decode()
        names = {k.lower() for k, _ in seen["headers"]}
        assert {"x-amz-date", "authorization", "x-amz-target"} <= names
        check_signature(seen, "role-secret", "eu-west-1", "dynamodb")
        assert f"Endpoint request URI: http://127.0.0.1:{up.port}/" in ctx.exec_log  # type: ignore[operator]


QUERY = "Action=ReceiveMessage&Version=2012-11-05&b=x%2By"


def test_path_and_query_signed_as_sent() -> None:
    with Upstream() as up:
        client = AwsClient(UpstreamPool(), {"sqs": f"http://127.0.0.1:{up.port}"}, KEYS)
        seen = received(send(
            client, context(), service="sqs", region="us-west-2", method="GET",
            path="/123456789012/my%20queue", query=QUERY,
        ))  # fmt: skip
        assert (
            seen["rawPath"]
            == "/123456789012/my%20queue?Action=ReceiveMessage&Version=2012-11-05&b=x%2By"
        )
        check_signature(seen, "role-secret", "us-west-2", "sqs")


def test_signing_name_from_the_model() -> None:
    # Step Functions is "states" in URIs and signatures; EventBridge signs as "events".
    with Upstream() as up:
        url = f"http://127.0.0.1:{up.port}"
        client = AwsClient(UpstreamPool(), {"states": url, "events": url}, KEYS)
        check_signature(
            received(send(client, context(), service="states")),
            "role-secret",
            "eu-west-1",
            "states",
        )
        check_signature(
            received(send(client, context(), service="events")),
            "role-secret",
            "eu-west-1",
            "events",
        )


def test_caller_identity_signs_with_the_callers_key() -> None:
    ident = Identity(
        "alice", "AIDALICE", "arn:aws:iam::123456789012:user/alice", "123456789012", ()
    )
    index = IamIndex({"AKIDALICE": KeyEntry("AKIDALICE", "alice-secret", ident)})
    with Upstream() as up:
        client = AwsClient(UpstreamPool(), {"dynamodb": f"http://127.0.0.1:{up.port}"}, KEYS)
        ctx = context({"accessKey": "AKIDALICE"}, index)
        seen = received(send(client, ctx, credentials="arn:aws:iam::*:user/*"))
        check_signature(seen, "alice-secret", "eu-west-1", "dynamodb")
        auth = dict((k.lower(), v) for k, v in seen["headers"])["authorization"]
        assert "Credential=AKIDALICE/" in auth
    # A config-file user's key (not in the snapshot's index) is found too.
    with Upstream() as up:
        client = AwsClient(UpstreamPool(), {"dynamodb": f"http://127.0.0.1:{up.port}"}, KEYS, index)
        seen = received(
            send(client, context({"accessKey": "AKIDALICE"}), credentials="arn:aws:iam::*:user/*")
        )
        check_signature(seen, "alice-secret", "eu-west-1", "dynamodb")


def test_moto_accepts_the_signed_call(aws_endpoint: str) -> None:
    keys = {ROLE: {"access_key_id": ACCESS_KEY, "secret_access_key": SECRET_KEY}}
    client = AwsClient(UpstreamPool(), {"sqs": aws_endpoint}, keys)
    resp = send(
        client, context(), service="sqs", region="us-east-1", path="/",
        headers=[("Content-Type", "application/x-www-form-urlencoded")],
        body=b"Action=CreateQueue&Version=2012-11-05&QueueName=signed-by-awscall",
    )  # fmt: skip
    assert resp.status == 200, resp.body
    assert b"/signed-by-awscall</QueueUrl>" in resp.body


def _failure(client: AwsClient, ctx: Context, **kw: Any) -> GatewayError:
    with pytest.raises(GatewayError) as err:
        send(client, ctx, **kw)
    return err.value


def test_errors_are_aws_gateway_errors() -> None:
    # Nothing listens: AWS's 500 for a network error, and the reason in the execution log.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = AwsClient(UpstreamPool(), {"dynamodb": f"http://127.0.0.1:{port}"}, KEYS)
    ctx = context()
    err = _failure(client, ctx)
    assert err.response_type == "INTEGRATION_FAILURE"
    assert ctx.error is not None and ctx.error.startswith(
        "Execution failed due to a network error communicating with endpoint"
    )
    # The caller's identity without an AWS_IAM caller: a configuration error.
    ctx = context()
    err = _failure(client, ctx, credentials="arn:aws:iam::*:user/*")
    assert err.response_type == "API_CONFIGURATION_ERROR"
    assert ctx.error == (
        "Execution failed due to configuration error: Integration credentials "
        "arn:aws:iam::*:user/* need the caller's credentials, but the method does not use "
        "AWS_IAM authorization"
    )
    # An unknown service.
    ctx = context()
    err = _failure(client, ctx, service="no-such-service")
    assert err.response_type == "API_CONFIGURATION_ERROR"
    assert ctx.error == (
        "Execution failed due to configuration error: Unknown AWS service no-such-service"
    )


def test_timeout() -> None:
    with Upstream() as up:
        client = AwsClient(UpstreamPool(), {"dynamodb": f"http://127.0.0.1:{up.port}"}, KEYS)
        ctx = context()
        err = _failure(client, ctx, path="/slow/500", timeout=0.1)
        assert err.response_type == "INTEGRATION_TIMEOUT"
        assert ctx.error == "Execution failed due to a timeout error"
