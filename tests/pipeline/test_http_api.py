"""HTTP APIs end to end through a real ``frontgate serve`` and a real loopback upstream: stage
and route selection (named stage, ``$default`` stage, most specific route, ``$default`` route),
the fixed error answers with ``apigw-requestid``, HTTP_PROXY with parameter mapping both ways,
timeouts, per-route throttling and the access log's HTTP API variables."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from tests.observe.conftest import scrape
from tests.support.gateway import Gateway
from tests.support.httpapis import http_proxy, route, stage, wait_for, write_http_api
from tests.support.upstream import Upstream

API = "httpapi001"
BARE = "httpapi002"  # no $default stage, no $default route
REQUEST_ID = re.compile(r"[A-Za-z0-9_-]{15}=")
ACCESS_FORMAT = (
    '{"requestId":"$context.requestId","routeKey":"$context.routeKey","status":"$context.status",'
    '"method":"$context.httpMethod","stage":"$context.stage","integrationStatus":'
    '"$context.integrationStatus","responseLength":"$context.responseLength",'
    '"path":"$context.path"}'
)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def upstream() -> Iterator[Upstream]:
    with Upstream() as up:
        yield up


@pytest.fixture(scope="module")
def gw(upstream: Upstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    data = tmp_path_factory.mktemp("http") / "data"
    base = f"http://127.0.0.1:{upstream.port}"
    integrations = [
        http_proxy("fixed", f"{base}/fixed"),
        http_proxy("greedy", base + "/{proxy}"),
        http_proxy("pathmap", f"{base}/x", requestParameters={
            "overwrite:path": "/rewritten/$request.path.id"}),
        http_proxy("whole", f"{base}/x", requestParameters={"overwrite:path": "$request.path"}),
        http_proxy("mapped", f"{base}/headers", requestParameters={
            "append:header.x-user": "$request.header.user",
            "overwrite:header.x-static": "static-${stageVariables.color}",
            "remove:header.x-drop": "''",
            "overwrite:querystring.X-Remove": "$request.querystring.from",
            "append:querystring.X-Body": "$request.body.pet.name",
            "append:header.x-route": "$context.routeKey",
        }, responseParameters={
            "200": {
                "append:header.x-echo": "$response.header.x-keep",
                "overwrite:header.x-api": "$context.apiId",
                "remove:header.x-remove": "''",
            },
        }),
        http_proxy("statusmap", f"{base}/status/404", responseParameters={
            "404": {"overwrite:statuscode": "200", "append:header.x-was": "404"}}),
        http_proxy("slow", f"{base}/slow/2000", timeoutInMillis=200),
        http_proxy("dead", f"http://127.0.0.1:{_closed_port()}/"),
        {"integrationId": "sqs", "integrationType": "AWS_PROXY",
         "integrationSubtype": "SQS-SendMessage", "payloadFormatVersion": "1.0",
         "requestParameters": {"QueueUrl": "q", "MessageBody": "$request.body.message"}},
    ]  # fmt: skip
    routes = [
        route("GET /pets", "fixed"),
        route("GET /pets/{id}", "pathmap"),
        route("ANY /pets/{proxy+}", "greedy"),
        route("POST /mapped", "mapped"),
        route("GET /status", "statusmap"),
        route("GET /slow", "slow"),
        route("GET /dead", "dead"),
        route("GET /throttled", "fixed"),
        route("POST /queue", "sqs"),
        route("$default", "whole"),
    ]
    log = data.parent / "access.log"
    write_http_api(data, API, routes, integrations, [
        stage("$default", stageVariables={"color": "blue"}),
        stage("prod", stageVariables={"color": "red"},
              routeSettings={"GET /throttled": {"throttlingBurstLimit": 1,
                                                "throttlingRateLimit": 0.01},
                             "GET /status": {"detailedMetricsEnabled": True}},
              accessLogSettings={"destinationArn": f"file://{log}", "format": ACCESS_FORMAT}),
    ])  # fmt: skip
    write_http_api(data, BARE, [route("GET /only", "fixed")], integrations[:1], [stage("dev")])
    with Gateway(data) as gateway:
        wait_for(lambda: gateway.request("GET", "/pets", api_id=API)[0] == 200, what="deploy")
        yield gateway


def _echo(gw: Gateway, method: str, path: str, **kw: Any) -> tuple[int, dict[str, str], Any]:
    status, headers, body = gw.request(method, path, api_id=kw.pop("api_id", API), **kw)
    return status, headers, json.loads(body) if body.startswith(b"{") else body


def test_default_stage_and_named_stage(gw: Gateway) -> None:
    status, headers, body = _echo(gw, "GET", "/pets")
    assert (status, body["path"]) == (200, "/fixed")
    assert REQUEST_ID.fullmatch(headers["apigw-requestid"])
    assert "x-amzn-requestid" not in headers and "x-amz-apigw-id" not in headers
    # The first segment names a stage: its routes serve the rest of the path.
    assert _echo(gw, "GET", "/prod/pets")[2]["path"] == "/fixed"
    # The path form works as for REST APIs.
    status, _, body = _echo(gw, "GET", f"/_aws/execute-api/{API}/prod/pets", api_id="nohost")
    assert (status, body["path"]) == (200, "/fixed")


def test_most_specific_route_wins(gw: Gateway) -> None:
    assert _echo(gw, "GET", "/pets/7")[2]["path"] == "/rewritten/7"
    # No GET route for two segments: the greedy ANY route, its {proxy} in the URL.
    _, _, body = _echo(gw, "GET", "/pets/7/toys?q=1")
    assert (body["path"], body["query"], body["method"]) == ("/7/toys", "q=1", "GET")
    # POST has no route of its own at /pets/7: ANY /pets/{proxy+} serves it.
    _, _, body = _echo(gw, "POST", "/pets/7", body=b"x")
    assert (body["path"], body["method"], body["body"]) == ("/7", "POST", "x")


def test_default_route_gets_the_whole_path(gw: Gateway) -> None:
    assert _echo(gw, "GET", "/nowhere/at/all")[2]["path"] == "/nowhere/at/all"
    # POST /pets has no route (only GET): the $default route, not a 404.
    assert _echo(gw, "POST", "/pets")[2]["path"] == "/pets"
    # $request.path is the path as sent, the stage segment of a named stage included.
    assert _echo(gw, "DELETE", "/prod/nowhere")[2]["path"] == "/prod/nowhere"


def test_not_found_without_default_stage_or_route(gw: Gateway) -> None:
    assert gw.request("GET", "/dev/only", api_id=BARE)[0] == 200
    for path in ("/dev/other", "/only", "/nostage/only", "/dev/only/x"):
        status, headers, body = gw.request("GET", path, api_id=BARE)
        assert (status, body) == (404, b'{"message":"Not Found"}'), path
        assert REQUEST_ID.fullmatch(headers["apigw-requestid"])
        assert headers["content-type"] == "application/json"
        assert "x-amzn-errortype" not in headers and "x-amzn-requestid" not in headers


def test_request_parameter_mapping(gw: Gateway, upstream: Upstream) -> None:
    status, headers, body = _echo(
        gw, "POST", "/prod/mapped?from=yes&keep=1",
        headers={"user": "ann", "x-drop": "gone", "x-user": "first", "Content-Type":
                 "application/json"},
        body=json.dumps({"pet": {"name": "rex"}}).encode(),
    )  # fmt: skip
    assert status == 200
    sent = {k.lower(): v for k, v in body["headers"]}
    assert sent["x-user"] == "first,ann"  # append: joined to the client's value
    assert sent["x-static"] == "static-red"  # the prod stage's variable
    assert sent["x-route"] == "POST /mapped"
    assert "x-drop" not in sent
    assert sent["forwarded"] == f"for=127.0.0.1;host={gw.host(API)};proto=http"
    assert sent["x-amzn-trace-id"].startswith("Root=1-")
    assert sent["host"] == f"127.0.0.1:{upstream.port}"
    # overwrite replaced nothing (no X-Remove sent) and added it; append added X-Body.
    assert sorted(body["query"].split("&")) == ["X-Body=rex", "X-Remove=yes", "from=yes", "keep=1"]
    # The upstream set X-Remove and X-Body (from the query): response mapping for 200.
    assert "x-remove" not in headers
    assert headers["x-body"] == "rex"
    assert headers["x-api"] == API
    assert REQUEST_ID.fullmatch(headers["apigw-requestid"])


def test_response_mapping_by_status_code(gw: Gateway) -> None:
    status, headers, _ = gw.request("GET", "/status", api_id=API)
    assert (status, headers["x-was"]) == (200, "404")


def test_integration_failures(gw: Gateway) -> None:
    status, headers, body = gw.request("GET", "/slow", api_id=API)
    assert (status, body) == (503, b'{"message":"Service Unavailable"}')
    assert REQUEST_ID.fullmatch(headers["apigw-requestid"])
    status, _, body = gw.request("GET", "/dead", api_id=API)
    assert (status, body) == (500, b'{"message":"Internal Server Error"}')
    # A subtype's required parameter whose source is absent (no "message" in the body).
    status, _, body = gw.request("POST", "/queue", api_id=API, body=b"{}")
    assert (status, body) == (500, b'{"message":"Internal Server Error"}')


def test_route_throttling(gw: Gateway) -> None:
    assert gw.request("GET", "/prod/throttled", api_id=API)[0] == 200
    status, headers, body = gw.request("GET", "/prod/throttled", api_id=API)
    assert (status, body) == (429, b'{"message":"Too Many Requests"}')
    assert REQUEST_ID.fullmatch(headers["apigw-requestid"])
    # Other routes and the same route on another stage have buckets of their own.
    assert gw.request("GET", "/prod/pets", api_id=API)[0] == 200
    assert gw.request("GET", "/throttled", api_id=API)[0] == 200


def test_access_log_line(gw: Gateway) -> None:
    log = gw.data_dir.parent / "access.log"
    status, headers, body = gw.request("GET", "/prod/pets/1/2", api_id=API)
    rid = headers["apigw-requestid"]

    def line() -> dict[str, Any] | None:
        if not log.exists():
            return None
        for text in log.read_text().splitlines():
            doc: dict[str, Any] = json.loads(text)
            if doc["requestId"] == rid:
                return doc
        return None

    doc = wait_for(line, what="access log line")
    assert doc == {
        "requestId": rid, "routeKey": "ANY /pets/{proxy+}", "status": "200", "method": "GET",
        "stage": "prod", "integrationStatus": "200", "responseLength": str(len(body)),
        "path": "/prod/pets/1/2",
    }  # fmt: skip
    assert status == 200


def test_metrics_per_stage_and_route(gw: Gateway) -> None:
    before = scrape(gw)
    for path in ("/prod/status", "/prod/status", "/prod/pets", "/pets"):
        gw.request("GET", path, api_id=API)
    now = scrape(gw)

    def delta(**labels: str) -> float:
        key = ("frontgate_count_total", tuple(sorted(labels.items())))
        return now.get(key, 0) - before.get(key, 0)

    # The route with detailed metrics has its own series (route path and verb as labels);
    # the stage's series counts every request of the stage.
    assert delta(api=API, stage="prod", resource="/status", method="GET") == 2
    assert delta(api=API, stage="prod") == 3
    assert delta(api=API, stage="$default") == 1
