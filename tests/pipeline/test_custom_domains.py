"""Custom domain names on the data plane, end to end: a real ``frontgate serve`` configured
through boto3 (``apigateway`` domain + base path mappings, ``apigatewayv2`` API mapping), REST
APIs and an HTTP API proxying to a real loopback upstream, and requests with the custom Host."""

from __future__ import annotations

import http.client
import json
import socket
import ssl
from collections.abc import Iterator
from typing import Any

import pytest
import trustme
from tests.support.gateway import Gateway
from tests.support.upstream import Upstream

DOMAIN = "api.example.test"
HTTP_ONLY = "http.example.test"  # only an HTTP API mapped: unmapped paths answer 404
ECHO = """
import json

def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event)}
"""
FN_ARN = "arn:aws:lambda:us-east-1:123456789012:function:echo"


@pytest.fixture(scope="module")
def upstream() -> Iterator[Upstream]:
    with Upstream() as up:
        yield up


def _rest_api(rest: Any, name: str, path: str, target: str) -> str:
    """A REST API with ``GET /{path}`` proxied to ``target`` (the path and domain name the
    gateway saw travel as headers), deployed to ``prod``."""
    api = rest.create_rest_api(name=name, endpointConfiguration={"types": ["REGIONAL"]})["id"]
    root = rest.get_resources(restApiId=api)["items"][0]["id"]
    res = rest.create_resource(restApiId=api, parentId=root, pathPart=path)["id"]
    rest.put_method(restApiId=api, resourceId=res, httpMethod="GET", authorizationType="NONE")
    rest.put_integration(
        restApiId=api, resourceId=res, httpMethod="GET", type="HTTP_PROXY",
        integrationHttpMethod="GET", uri=target,
        requestParameters={
            "integration.request.header.x-context-path": "context.path",
            "integration.request.header.x-domain": "context.domainName",
            "integration.request.header.x-stage": "context.stage",
            "integration.request.header.x-base": "context.customDomain.basePathMatched",
        },
    )  # fmt: skip
    rest.create_deployment(restApiId=api, stageName="prod")
    return str(api)


@pytest.fixture(scope="module")
def gw(upstream: Upstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("domains")
    fn = tmp / "fns" / "echo"
    fn.mkdir(parents=True)
    (fn / "app.py").write_text(ECHO)
    grant = ["arn:aws:execute-api:us-east-1:123456789012:*"]
    (fn / "function.json").write_text(json.dumps({"Permissions": grant}))
    with Gateway(tmp / "data", "--functions-dir", str(tmp / "fns"), "--tls-port", "0") as gw:
        yield gw


def _lambda_rest_api(rest: Any) -> str:
    """A REST API whose ``ANY /{proxy+}`` is a Lambda proxy to the echo function."""
    api = rest.create_rest_api(name="fn")["id"]
    root = rest.get_resources(restApiId=api)["items"][0]["id"]
    res = rest.create_resource(restApiId=api, parentId=root, pathPart="{proxy+}")["id"]
    rest.put_method(restApiId=api, resourceId=res, httpMethod="ANY", authorizationType="NONE")
    uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FN_ARN}/invocations"
    rest.put_integration(
        restApiId=api, resourceId=res, httpMethod="ANY", type="AWS_PROXY",
        integrationHttpMethod="POST", uri=uri,
    )  # fmt: skip
    rest.create_deployment(restApiId=api, stageName="live")
    return str(api)


@pytest.fixture(scope="module")
def setup(gw: Gateway, upstream: Upstream) -> dict[str, str]:
    base = f"http://127.0.0.1:{upstream.port}"
    rest, v2 = gw.admin_client("apigateway"), gw.admin_client("apigatewayv2")
    shop = _rest_api(rest, "shop", "orders", f"{base}/shop/orders")
    items = _rest_api(rest, "items", "items", f"{base}/items")
    http_api = v2.create_api(Name="h", ProtocolType="HTTP", Target=f"{base}/http")["ApiId"]
    rest.create_domain_name(
        domainName=DOMAIN, regionalCertificateArn="arn:aws:acm:us-east-1:1:certificate/x",
        endpointConfiguration={"types": ["REGIONAL"]},
    )  # fmt: skip
    rest.create_base_path_mapping(domainName=DOMAIN, restApiId=shop, stage="prod")  # (none)
    rest.create_base_path_mapping(
        domainName=DOMAIN, basePath="orders/v2", restApiId=items, stage="prod"
    )
    rest.create_base_path_mapping(domainName=DOMAIN, basePath="bystage", restApiId=shop)
    v2.create_api_mapping(DomainName=DOMAIN, ApiId=http_api, Stage="$default", ApiMappingKey="v1")
    v2.create_domain_name(DomainName=HTTP_ONLY)
    v2.create_api_mapping(
        DomainName=HTTP_ONLY, ApiId=http_api, Stage="$default", ApiMappingKey="v1"
    )
    fn_api = _lambda_rest_api(rest)
    rest.create_base_path_mapping(
        domainName=DOMAIN, basePath="lambda/v1", restApiId=fn_api, stage="live"
    )
    fn_http = v2.create_api(Name="fh", ProtocolType="HTTP", Target=FN_ARN)["ApiId"]
    v2.create_api_mapping(DomainName=DOMAIN, ApiId=fn_http, Stage="$default", ApiMappingKey="fn2")
    return {"shop": shop, "items": items, "http": http_api, "fn": fn_api, "fn_http": fn_http}


def _get(gw: Gateway, host: str, path: str) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=20)
    try:
        conn.request("GET", path, headers={"Host": host})
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    try:
        return resp.status, json.loads(body)
    except ValueError:
        return resp.status, body


def _header(echo: dict[str, Any], name: str) -> str | None:
    return next((v for k, v in echo["headers"] if k.lower() == name), None)


def test_empty_key_serves_the_whole_path(gw: Gateway, setup: dict[str, str]) -> None:
    status, echo = _get(gw, f"{DOMAIN}:{gw.port}", "/orders")
    assert status == 200
    assert echo["path"] == "/shop/orders"
    # $context.path is the path as sent to the domain; $context.domainName the domain.
    assert _header(echo, "x-context-path") == "/orders"
    assert _header(echo, "x-domain") == f"{DOMAIN}:{gw.port}"
    assert _header(echo, "x-stage") == "prod"
    assert _header(echo, "x-base") == "(none)"


def test_host_is_case_insensitive_and_port_free(gw: Gateway, setup: dict[str, str]) -> None:
    assert _get(gw, "API.Example.TEST", "/orders")[0] == 200


def test_multi_level_key_wins_as_the_longest_prefix(gw: Gateway, setup: dict[str, str]) -> None:
    status, echo = _get(gw, DOMAIN, "/orders/v2/items")
    assert status == 200
    assert echo["path"] == "/items"
    assert _header(echo, "x-context-path") == "/orders/v2/items"
    assert _header(echo, "x-base") == "orders/v2"
    # Keys match whole segments: "orders/v2x" is no "orders/v2"; the empty key takes it.
    status, body = _get(gw, DOMAIN, "/orders/v2x/items")
    assert status == 403
    assert body == {"message": "Missing Authentication Token"}


def test_mapping_without_stage_takes_it_from_the_path(gw: Gateway, setup: dict[str, str]) -> None:
    status, echo = _get(gw, DOMAIN, "/bystage/prod/orders")
    assert status == 200
    assert echo["path"] == "/shop/orders"
    assert _get(gw, DOMAIN, "/bystage/nosuch/orders") == (403, {"message": "Forbidden"})


def test_http_api_mapping(gw: Gateway, setup: dict[str, str]) -> None:
    status, echo = _get(gw, DOMAIN, "/v1/anything")
    assert status == 200
    assert echo["path"] == "/http"


def test_unmapped_paths(gw: Gateway, setup: dict[str, str]) -> None:
    # An HTTP-API-only domain answers an unmapped path as HTTP APIs do.
    status, body = _get(gw, HTTP_ONLY, "/v2/x")
    assert (status, body) == (404, {"message": "Not Found"})
    assert _get(gw, HTTP_ONLY, "/v1/x")[0] == 200
    # An unknown host is still no API at all.
    assert _get(gw, "other.example.test", "/orders") == (403, {"message": "Forbidden"})


def test_disable_execute_api_endpoint_keeps_the_domain(gw: Gateway, setup: dict[str, str]) -> None:
    rest = gw.admin_client("apigateway")
    items = setup["items"]
    assert gw.request("GET", "/prod/items", api_id=items)[0] == 200
    rest.update_rest_api(
        restApiId=items,
        patchOperations=[{"op": "replace", "path": "/disableExecuteApiEndpoint", "value": "True"}],
    )
    try:
        assert gw.request("GET", "/prod/items", api_id=items)[0] == 403
        assert _get(gw, DOMAIN, "/orders/v2/items")[0] == 200
    finally:
        rest.update_rest_api(
            restApiId=items,
            patchOperations=[
                {"op": "replace", "path": "/disableExecuteApiEndpoint", "value": "False"}
            ],
        )


def test_deleting_a_mapping_stops_serving_it(gw: Gateway, setup: dict[str, str]) -> None:
    rest = gw.admin_client("apigateway")
    rest.create_domain_name(domainName="gone.example.test", regionalCertificateArn="arn:x")
    rest.create_base_path_mapping(
        domainName="gone.example.test", basePath="shop", restApiId=setup["shop"], stage="prod"
    )
    assert _get(gw, "gone.example.test", "/shop/orders")[0] == 200
    assert _get(gw, "gone.example.test", "/other")[0] == 403
    rest.delete_base_path_mapping(domainName="gone.example.test", basePath="shop")
    assert _get(gw, "gone.example.test", "/shop/orders") == (403, {"message": "Forbidden"})
    rest.delete_domain_name(domainName="gone.example.test")
    assert _get(gw, "gone.example.test", "/shop/orders") == (403, {"message": "Forbidden"})


def test_lambda_proxy_event_shows_the_custom_domain(gw: Gateway, setup: dict[str, str]) -> None:
    status, event = _get(gw, DOMAIN, "/lambda/v1/pets/7?x=1")
    assert status == 200, event
    # REST (1.0): ``path`` and ``requestContext.path`` are the path as sent, base path kept;
    # ``resource`` the resource; the domain is the custom one.
    assert event["resource"] == "/{proxy+}"
    assert event["path"] == "/lambda/v1/pets/7"
    assert event["pathParameters"] == {"proxy": "pets/7"}
    rc = event["requestContext"]
    assert rc["path"] == "/lambda/v1/pets/7"
    assert rc["stage"] == "live"
    assert rc["domainName"] == DOMAIN
    assert rc["domainPrefix"] == "api"
    # HTTP API (2.0): rawPath keeps the mapping key.
    status, event = _get(gw, DOMAIN, "/fn2/a/b")
    assert status == 200, event
    assert event["rawPath"] == "/fn2/a/b"
    assert event["requestContext"]["http"]["path"] == "/fn2/a/b"
    assert event["requestContext"]["domainName"] == DOMAIN
    assert event["requestContext"]["stage"] == "$default"


def _tls_get(gw: Gateway, ca: trustme.CA, name: str, path: str) -> bytes:
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
    raw = socket.create_connection(("127.0.0.1", gw.tls_port), timeout=10)
    with ctx.wrap_socket(raw, server_hostname=name) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


def test_uploaded_certificate_is_served_for_its_name(gw: Gateway, setup: dict[str, str]) -> None:
    ca = trustme.CA()
    # Issued by an intermediate: the uploaded chain must reach the client too.
    leaf = ca.create_child_ca().issue_cert("tls.example.test")
    pems = [p.bytes().decode() for p in leaf.cert_chain_pems]
    rest = gw.admin_client("apigateway")
    rest.create_domain_name(
        domainName="tls.example.test", certificateName="uploaded",
        certificateBody=pems[0], certificateChain="".join(pems[1:]),
        certificatePrivateKey=leaf.private_key_pem.bytes().decode(),
    )  # fmt: skip
    # The private key is stored encrypted and never echoed.
    assert "certificatePrivateKey" not in rest.get_domain_name(domainName="tls.example.test")
    rest.create_base_path_mapping(
        domainName="tls.example.test", basePath="shop", restApiId=setup["shop"], stage="prod"
    )
    data = _tls_get(gw, ca, "tls.example.test", "/shop/orders")
    assert data.startswith(b"HTTP/1.1 200"), data[:200]
    # Another name gets the listener's own certificate, which this CA did not sign.
    with pytest.raises(ssl.SSLCertVerificationError):
        _tls_get(gw, ca, DOMAIN, "/orders")
    # Deleted: the name is served the listener's certificate again.
    rest.delete_domain_name(domainName="tls.example.test")
    with pytest.raises(ssl.SSLCertVerificationError):
        _tls_get(gw, ca, "tls.example.test", "/shop/orders")
