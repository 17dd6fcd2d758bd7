"""SigV4 verification when admin keys are configured, and the TestInvokeMethod hook."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.admin.apigateway.test_restapis import code, raw
from tests.admin.conftest import AdminServer, make_client

from frontgate.http.message import Request

SECRET = "s3cr3t"


async def fake_invoke(region: str, inp: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": 200,
        "body": f"{region} {inp['httpMethod']} {inp.get('pathWithQueryString')}",
        "headers": {"a": "b"},
        "log": "",
        "latency": 1,
    }


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminServer]:
    server = AdminServer(
        tmp_path_factory.mktemp("auth") / "db",
        admin_keys={"AKIDADMIN": SECRET},
        test_invoke=fake_invoke,
        regions=frozenset({"eu-west-1"}),
    )
    yield server
    server.stop()


def test_signed_requests_pass(secured: AdminServer) -> None:
    client = make_client(secured.url, key="AKIDADMIN", secret=SECRET)
    api = client.create_rest_api(name="signed")
    arn = f"arn:aws:apigateway:us-east-1::/restapis/{api['id']}"
    client.tag_resource(resourceArn=arn, tags={"k": "v"})  # an ARN label: %2F in the path
    assert client.get_tags(resourceArn=arn)["tags"] == {"k": "v"}
    assert client.get_rest_apis(limit=5)["items"][0]["id"] == api["id"]  # a query string


def test_bad_signatures(secured: AdminServer) -> None:
    with pytest.raises(ClientError) as exc:
        make_client(secured.url, key="AKIDADMIN", secret="wrong").get_rest_apis()
    assert code(exc)[0] == "InvalidSignatureException"
    assert code(exc)[1].startswith("The request signature we calculated does not match")
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    with pytest.raises(ClientError) as exc:
        make_client(secured.url, key="AKIDOTHER", secret=SECRET).get_rest_apis()
    assert code(exc)[0] == "UnrecognizedClientException"
    status, headers, _ = raw(secured, "GET", "/restapis")
    assert status == 403 and headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"

    auth = (
        "AWS4-HMAC-SHA256 Credential=AKIDADMIN/20200101/us-east-1/apigateway/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=00"
    )
    old = Request(
        "GET",
        "/restapis",
        [("Host", "h"), ("X-Amz-Date", "20200101T000000Z"), ("Authorization", auth)],
    )
    resp = secured.call(secured.app.handle(old))
    assert resp.status == 403 and b"Signature expired: 20200101T000000Z" in resp.body
    partial = Request("GET", "/restapis", [("Authorization", "AWS4-HMAC-SHA256 Credential=x")])
    resp = secured.call(secured.app.handle(partial))
    assert ("x-amzn-ErrorType", "IncompleteSignatureException") in resp.headers


def test_the_admin_listener_answers_signature_errors_as_the_data_plane_does(
    secured: AdminServer,
) -> None:
    """One SigV4 verifier (iam/sigv4.py) for the management and data planes: the same AWS texts."""
    partial = Request(
        "GET",
        "/restapis",
        [
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDADMIN/20200101/us-east-1/apigateway/aws4_request",
            )
        ],
    )
    resp = secured.call(secured.app.handle(partial))
    assert resp.status == 403
    assert b"Authorization header requires 'Signature' parameter." in resp.body
    assert b"Authorization header requires 'SignedHeaders' parameter." in resp.body
    no_date = Request(
        "GET",
        "/restapis",
        [
            ("Host", "h"),
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDADMIN/20200101/us-east-1/apigateway/aws4_request"
                ", SignedHeaders=host, Signature=00",
            ),
        ],
    )
    resp = secured.call(secured.app.handle(no_date))
    assert resp.status == 403
    assert b"requires existence of either a 'X-Amz-Date' or a 'Date' header" in resp.body


def test_test_invoke_method(secured: AdminServer, apigw: Any) -> None:
    client = make_client(secured.url, key="AKIDADMIN", secret=SECRET, region="eu-west-1")
    api = client.create_rest_api(name="inv")
    client.put_method(
        restApiId=api["id"],
        resourceId=api["rootResourceId"],
        httpMethod="GET",
        authorizationType="NONE",
    )
    out = client.test_invoke_method(
        restApiId=api["id"],
        resourceId=api["rootResourceId"],
        httpMethod="GET",
        pathWithQueryString="/?a=1",
    )
    assert out["status"] == 200 and out["body"] == "eu-west-1 GET /?a=1"
    # Without the hook (the module-wide server) it is answered as an unknown operation.
    other = apigw.create_rest_api(name="noinv")
    apigw.put_method(
        restApiId=other["id"],
        resourceId=other["rootResourceId"],
        httpMethod="GET",
        authorizationType="NONE",
    )
    with pytest.raises(ClientError) as exc:
        apigw.test_invoke_method(
            restApiId=other["id"], resourceId=other["rootResourceId"], httpMethod="GET"
        )
    assert code(exc)[0] == "UnknownOperationException"
