"""``$context.requestOverride`` and ``$context.responseOverride`` end to end: a real ``frontgate
serve`` configured with boto3, HTTP (non-proxy) and MOCK integrations, a loopback upstream that
echoes what it received. AWS: overrides apply "after standard API Gateway mappings have been
applied", so an override wins over a ``requestParameters`` / ``responseParameters`` mapping."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from tests.support.gateway import Gateway
from tests.support.upstream import Upstream

# The developer guide's "Override the request header and create new headers" example.
GUIDE_EXAMPLE = """#set($header1Override = "pets")
#set($header3Value = "$input.params('header1')$input.params('header2')")
$input.json("$")
#set($context.requestOverride.header.header3 = $header3Value)
#set($context.requestOverride.header.header1 = $header1Override)
#set($context.requestOverride.header.multivalueheader=[$header1Override, $header3Value])"""
QUERY_AND_PATH = """#set($context.requestOverride.querystring.q = "from-template")
#set($context.requestOverride.querystring.multi = ["a", "b"])
#set($context.requestOverride.path.id = "$input.params('to')")
{}"""
TWICE = """#set($context.requestOverride.header.h = "one")
#set($context.requestOverride.header.h = "two")
{}"""
RESPONSE = """#set($context.responseOverride.status = 444)
#set($context.responseOverride.header.X-Mapped = "from-template")
#set($context.responseOverride.header.Content-Type = "text/plain")
#set($context.responseOverride.header.X-New = "$input.params('who')")
overridden"""


@pytest.fixture(scope="module")
def upstream() -> Iterator[Upstream]:
    with Upstream() as up:
        yield up


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with Gateway(Path(tmp_path_factory.mktemp("overrides"))) as g:
        yield g


class Api:
    def __init__(self, gw: Gateway) -> None:
        self.gw = gw
        self.c = gw.admin_client()
        self.id = str(self.c.create_rest_api(name="overrides")["id"])
        self.root = self.c.get_resources(restApiId=self.id)["items"][0]["id"]

    def method(
        self,
        parent: str,
        path: str,
        integ: dict[str, Any] | None,
        params: dict[str, bool] | None = None,
        **response: Any,
    ) -> str:
        c, api = self.c, self.id
        rid = str(c.create_resource(restApiId=api, parentId=parent, pathPart=path)["id"])
        if integ is None:
            return rid
        c.put_method(
            restApiId=api, resourceId=rid, httpMethod="POST", authorizationType="NONE",
            requestParameters=params or {},
        )  # fmt: skip
        c.put_integration(restApiId=api, resourceId=rid, httpMethod="POST", **integ)
        headers = response.get("responseParameters", {})
        c.put_method_response(
            restApiId=api, resourceId=rid, httpMethod="POST", statusCode="200",
            responseParameters={k: False for k in headers},
        )  # fmt: skip
        c.put_integration_response(
            restApiId=api, resourceId=rid, httpMethod="POST", statusCode="200", **response
        )
        return rid

    def call(
        self, path: str, body: bytes = b"{}", **headers: str
    ) -> tuple[int, dict[str, str], bytes]:
        deadline = time.monotonic() + 10
        while True:
            got = self.gw.request(
                "POST", f"/dev{path}", body=body, api_id=self.id,
                headers={"Content-Type": "application/json", **headers},
            )  # fmt: skip
            if got[0] != 403 or time.monotonic() > deadline:
                return got
            time.sleep(0.05)


@pytest.fixture(scope="module")
def api(gw: Gateway, upstream: Upstream) -> Api:
    a = Api(gw)
    base = f"http://127.0.0.1:{upstream.port}"

    def http(uri: str, template: str, **extra: Any) -> dict[str, Any]:
        return {
            "type": "HTTP", "integrationHttpMethod": "POST", "uri": base + uri,
            "requestTemplates": {"application/json": template}, **extra,
        }  # fmt: skip

    a.method(
        a.root, "guide",
        http("/guide", GUIDE_EXAMPLE, requestParameters={
            "integration.request.header.header2": "method.request.header.header2",
        }),
        params={"method.request.header.header2": False},
    )  # fmt: skip
    items = a.method(a.root, "items", None)
    a.method(
        items, "{id}",
        http("/things/{id}", QUERY_AND_PATH, requestParameters={
            "integration.request.path.id": "method.request.path.id",
            "integration.request.querystring.q": "method.request.querystring.q",
            "integration.request.querystring.keep": "'kept'",
        }),
        params={"method.request.path.id": True, "method.request.querystring.q": False},
    )  # fmt: skip
    a.method(a.root, "twice", http("/twice", TWICE))
    mock = {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}}
    a.method(
        a.root, "response", mock,
        responseParameters={"method.response.header.X-Mapped": "'from-mapping'"},
        responseTemplates={"application/json": RESPONSE},
    )  # fmt: skip
    a.c.create_deployment(restApiId=a.id, stageName="dev")
    return a


def headers_of(doc: dict[str, Any], name: str) -> list[str]:
    return [v for k, v in doc["headers"] if k.lower() == name.lower()]


def test_developer_guide_request_override_example(api: Api) -> None:
    status, _, body = api.call(
        "/guide", b'{"pet": "dog"}', header1="header1Val", header2="header2Val"
    )
    assert status == 200, body
    seen = json.loads(body)
    assert json.loads(seen["body"]) == {"pet": "dog"}  # $input.json("$")
    assert headers_of(seen, "header3") == ["header1Valheader2Val"]
    assert headers_of(seen, "header1") == ["pets"]
    assert headers_of(seen, "header2") == ["header2Val"]  # the mapping, untouched
    assert headers_of(seen, "multivalueheader") == ["pets", "header1Valheader2Val"]


def test_query_string_and_path_overrides(api: Api) -> None:
    status, _, body = api.call("/items/42?q=client&to=over%20there")
    assert status == 200, body
    seen = json.loads(body)
    # The path override fills the integration URI's {id} (percent-encoded), over the mapping.
    assert seen["path"] == "/things/over%20there"
    query = parse_qsl(seen["query"])
    assert ("q", "from-template") in query and ("q", "client") not in query
    assert [v for k, v in query if k == "multi"] == ["a", "b"]
    assert ("keep", "kept") in query  # mappings the template leaves alone stay


def test_an_override_set_twice_is_a_500(api: Api) -> None:
    status, _, body = api.call("/twice")
    assert status == 500
    assert json.loads(body) == {"message": "Internal server error"}


def test_response_override_status_and_headers(api: Api) -> None:
    status, headers, body = api.call("/response?who=me")
    assert status == 444
    assert body == b"overridden"
    assert headers["x-mapped"] == "from-template"  # over the responseParameters mapping
    assert headers["x-new"] == "me"
    assert headers["content-type"] == "text/plain"
