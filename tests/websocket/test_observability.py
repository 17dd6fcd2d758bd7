"""Observability of WebSocket APIs on the real ``frontgate serve``: access logs with the WebSocket
``$context`` variables (set with the AWS CLI), execution logs, AWS's WebSocket metrics and the
open-connections gauge on ``/metrics`` (scraped over HTTP), and ``frontgate top``."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from tests.observe.conftest import Scrape, scrape, wait_for
from tests.observe.conftest import read_lines as lines_of
from tests.support.awscli import run_aws
from tests.support.gateway import Gateway
from tests.support.upstream import Upstream
from tests.websocket.conftest import deploy, make_ws_api, mock_route, wait_served, ws_connect
from websockets.exceptions import InvalidStatus

GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:"
FORMAT = (
    '{"requestId":"$context.requestId","extendedRequestId":"$context.extendedRequestId",'
    '"eventType":"$context.eventType","connectionId":"$context.connectionId",'
    '"messageId":"$context.messageId","routeKey":"$context.routeKey","apiId":"$context.apiId",'
    '"stage":"$context.stage","domainName":"$context.domainName",'
    '"connectedAt":$context.connectedAt,"requestTime":"$context.requestTime",'
    '"requestTimeEpoch":$context.requestTimeEpoch,"status":$context.status,'
    '"integrationStatus":"$context.integrationStatus",'
    '"integrationLatency":"$context.integrationLatency","error":"$context.error.message",'
    '"errorString":$context.error.messageString,"ip":"$context.identity.sourceIp",'
    '"ua":"$context.identity.userAgent","direction":"$context.messageDirection"}'
)
ECHO = '{"id": "$context.connectionId", "route": "$context.routeKey"}'


def aws(gw: Gateway, *args: str) -> subprocess.CompletedProcess[str]:
    return run_aws(f"http://127.0.0.1:{gw.admin_port}", "--output", "json", "apigatewayv2", *args)


def labels(**kw: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(kw.items()))


@pytest.fixture(scope="module")
def upstream() -> Iterator[Upstream]:
    with Upstream() as up:
        yield up


def _http_route(v2: Any, api_id: str, key: str, uri: str) -> None:
    integ = v2.create_integration(
        ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationMethod="POST", IntegrationUri=uri
    )
    route = v2.create_route(
        ApiId=api_id, RouteKey=key, Target=f"integrations/{integ['IntegrationId']}"
    )
    v2.create_route_response(ApiId=api_id, RouteId=route["RouteId"], RouteResponseKey="$default")


@pytest.fixture(scope="module")
def api(gw: Gateway, v2: Any, upstream: Upstream) -> str:
    """No $default (unrouted messages are answered Forbidden); MOCK routes, an HTTP_PROXY one to
    the loopback upstream, one answering 500 and one to a closed port."""
    api_id = make_ws_api(v2, "observed")
    mock_route(v2, api_id, "$connect")
    mock_route(v2, api_id, "$disconnect")
    mock_route(v2, api_id, "echo", response=ECHO)
    base = f"http://127.0.0.1:{upstream.port}"
    _http_route(v2, api_id, "proxy", f"{base}/pets")
    _http_route(v2, api_id, "fail", f"{base}/status/500")
    _http_route(v2, api_id, "down", "http://127.0.0.1:9/nothing")  # discard port: refused
    deploy(v2, api_id)
    wait_served(gw, api_id)
    return api_id


def _connection_id(ws: Any) -> str:
    ws.send(json.dumps({"action": "echo"}))
    return str(json.loads(ws.recv(timeout=5))["id"])


def test_access_log_line_per_connect_message_and_disconnect(gw: Gateway, api: str) -> None:
    settings = json.dumps({"DestinationArn": GROUP + "ws/access", "Format": FORMAT})
    done = aws(gw, "update-stage", "--api-id", api, "--stage-name", "dev",
               "--access-log-settings", settings)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["AccessLogSettings"]["Format"] == FORMAT
    log = gw.data_dir / "logs" / "ws" / "access.log"

    def logged() -> bool:
        with ws_connect(gw, api):
            pass
        return log.exists()

    wait_for(logged, what="the access log")  # the stage's new settings are served
    with ws_connect(gw, api, user_agent_header='tester "quoted"') as ws:
        conn_id = _connection_id(ws)
        ws.send("not routed")
        forbidden = json.loads(ws.recv(timeout=5))
        ws.send(json.dumps({"action": "proxy"}))
        ws.recv(timeout=5)

    def mine() -> list[dict[str, Any]]:
        found = [json.loads(x) for x in lines_of(log)]
        found = [d for d in found if d["connectionId"] == conn_id]
        return found if len(found) == 5 else []

    lines = wait_for(mine, what="five lines for the connection")
    connect, echo, unrouted, proxy, disconnect = lines
    assert [d["eventType"] for d in lines] == ["CONNECT", "MESSAGE", "MESSAGE", "MESSAGE",
                                                "DISCONNECT"]  # fmt: skip
    assert [d["routeKey"] for d in lines] == ["$connect", "echo", "-", "proxy", "$disconnect"]
    assert [d["status"] for d in lines] == [200, 200, 403, 200, 200]
    for d in lines:
        assert d["requestId"] == d["extendedRequestId"] and len(d["requestId"]) == 16
        assert d["apiId"] == api and d["stage"] == "dev"
        assert d["domainName"] == gw.host(api)
        assert d["ip"] == "127.0.0.1" and d["ua"] == 'tester "quoted"'  # escaped, valid JSON
        assert d["direction"] == "IN"
        assert re.fullmatch(r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000", d["requestTime"])
        assert d["connectedAt"] == connect["connectedAt"] <= d["requestTimeEpoch"]
    assert len({d["requestId"] for d in lines}) == 5
    # messageId: MESSAGE events that reached an integration only.
    assert connect["messageId"] == disconnect["messageId"] == unrouted["messageId"] == "-"
    assert len(echo["messageId"]) == 16 and echo["messageId"] != proxy["messageId"]
    # The Forbidden frame and its line tell the same request.
    assert unrouted["requestId"] == forbidden["requestId"]
    assert unrouted["error"] == "Forbidden" and unrouted["errorString"] == "Forbidden"
    assert echo["error"] == "-" and echo["errorString"] is None
    # MOCK: a status, no latency (AWS suppresses it); HTTP_PROXY: both.
    assert echo["integrationStatus"] == "200" and echo["integrationLatency"] == "-"
    assert proxy["integrationStatus"] == "200" and int(proxy["integrationLatency"]) >= 0
    assert unrouted["integrationStatus"] == "-"


def test_access_log_formats_are_checked_when_written(gw: Gateway, v2: Any, api: str) -> None:
    def refused(fmt: str) -> str:
        settings = json.dumps({"DestinationArn": GROUP + "ws/bad", "Format": fmt})
        out = aws(gw, "update-stage", "--api-id", api, "--stage-name", "dev",
                  "--access-log-settings", settings)  # fmt: skip
        assert out.returncode != 0
        assert "BadRequestException" in out.stderr
        return out.stderr

    # REST-only and HTTP-API-only variables, and names nobody has.
    assert "[$context.resourcePath]" in refused("$context.requestId $context.resourcePath")
    assert "[$context.httpMethod]" in refused("$context.requestId $context.httpMethod")
    assert "[$context.nope]" in refused("$context.requestId $context.nope")
    assert "must include either $context.requestId" in refused("$context.connectionId")
    assert "single line" in refused("$context.requestId\nx")
    assert "3072" in refused("$context.requestId " + "x" * 3100)
    # CreateStage checks the same way (boto3 this time).
    with pytest.raises(v2.exceptions.BadRequestException, match="messageDirections"):
        v2.create_stage(
            ApiId=api, StageName="other",
            AccessLogSettings={"DestinationArn": GROUP + "x", "Format":
                               "$context.requestId $context.messageDirections"},
        )  # fmt: skip
    # Every WebSocket variable (and an authorizer context key) is accepted.
    every = " ".join(f"$context.{n}" for n in (
        "connectionId", "connectedAt", "eventType", "messageId", "routeKey", "requestId",
        "extendedRequestId", "apiId", "stage", "domainName", "requestTime", "requestTimeEpoch",
        "status", "integrationStatus", "integrationLatency", "integration.latency",
        "integration.status", "integration.error", "error.message", "error.messageString",
        "error.responseType", "error.validationErrorString", "identity.sourceIp",
        "identity.userAgent", "identity.caller", "identity.userArn", "identity.apiKey",
        "authorizer.principalId", "authorizer.tenant", "authorizer.status", "authorize.latency",
        "waf.status", "messageDirection"))  # fmt: skip
    stage = v2.update_stage(
        ApiId=api, StageName="dev",
        AccessLogSettings={"DestinationArn": GROUP + "ws/every", "Format": every},
    )  # fmt: skip
    assert stage["AccessLogSettings"]["Format"] == every


def _ws_delta(before: Scrape, now: Scrape, name: str, **kw: str) -> float:
    key = (name, labels(**kw))
    return now.get(key, 0.0) - before.get(key, 0.0)


def test_metrics_count_connections_messages_and_errors(gw: Gateway, api: str) -> None:
    stage = {"api": api, "stage": "dev"}
    open_key = ("frontgate_websocket_connections_open", labels(**stage))
    before = scrape(gw)
    with ws_connect(gw, api) as a, ws_connect(gw, api) as b:
        assert wait_for(
            lambda: scrape(gw).get(open_key) == before.get(open_key, 0) + 2, what="open"
        )
        _connection_id(a)
        b.send("nothing takes this")  # Forbidden: a client error
        b.recv(timeout=5)
        a.send(json.dumps({"action": "proxy"}))
        a.recv(timeout=5)
        a.send(json.dumps({"action": "fail"}))  # the upstream answers 500
        a.recv(timeout=5)
        a.send(json.dumps({"action": "down"}))  # cannot be called: Internal server error
        assert json.loads(a.recv(timeout=5))["message"] == "Internal server error"
    now = wait_for(lambda: (s := scrape(gw)).get(open_key) == before.get(open_key, 0) and s,
                   what="connections closed")  # fmt: skip

    def delta(name: str, **kw: str) -> float:
        return _ws_delta(before, now, name, **stage, **kw)

    assert delta("frontgate_websocket_connect_total") == 2
    assert delta("frontgate_websocket_message_total", direction="in") == 5
    # Out: the echo, Forbidden, the proxy's and the failing upstream's answers, the error frame.
    assert delta("frontgate_websocket_message_total", direction="out") == 5
    assert delta("frontgate_websocket_client_error_total") == 1
    assert delta("frontgate_websocket_integration_error_total") == 1
    assert delta("frontgate_websocket_execution_error_total") == 1
    # HTTP_PROXY calls are timed (3, the unreachable one included); MOCK ones are not.
    assert delta("frontgate_websocket_integration_latency_seconds_count") == 3
    assert delta("frontgate_websocket_integration_latency_seconds_bucket", le="+Inf") == 3
    assert now[open_key] == before.get(open_key, 0)


def test_connect_refused_by_its_integration_counts_an_integration_error(
    gw: Gateway, v2: Any
) -> None:
    api_id = make_ws_api(v2, "refusing")
    mock_route(v2, api_id, "$connect", status=401)
    deploy(v2, api_id)

    def refused() -> bool:
        try:
            with ws_connect(gw, api_id):
                return False
        except InvalidStatus as exc:
            return bool(exc.response.status_code == 401)
        except OSError:
            return False

    wait_for(refused, what="the 401 handshake")
    now = scrape(gw)
    stage = labels(api=api_id, stage="dev")
    assert now[("frontgate_websocket_integration_error_total", stage)] >= 1
    assert now[("frontgate_websocket_connect_total", stage)] >= 1
    assert now[("frontgate_websocket_client_error_total", stage)] == 0
    assert now[("frontgate_websocket_connections_open", stage)] == 0


def test_detailed_metrics_add_per_route_series(gw: Gateway, v2: Any) -> None:
    api_id = make_ws_api(v2, "detailed")
    mock_route(v2, api_id, "echo", response=ECHO)
    mock_route(v2, api_id, "$default", response='"d"')
    v2.create_stage(ApiId=api_id, StageName="dev",
                    RouteSettings={"echo": {"DetailedMetricsEnabled": True}})  # fmt: skip
    v2.create_deployment(ApiId=api_id, StageName="dev")
    wait_served(gw, api_id)
    with ws_connect(gw, api_id) as ws:
        for _ in range(3):
            _connection_id(ws)
        ws.send("to the default route")
        ws.recv(timeout=5)
    route = ("frontgate_websocket_message_total",
             labels(api=api_id, stage="dev", route="echo", direction="in"))  # fmt: skip
    now = wait_for(lambda: (s := scrape(gw)).get(route) == 3 and s, what="the echo route's series")
    # The stage's series holds every message, the echo route's included; $default has none.
    assert now[("frontgate_websocket_message_total",
                labels(api=api_id, stage="dev", direction="in"))] == 4  # fmt: skip
    assert not [k for k in now if dict(k[1]).get("route") == "$default"]


def test_execution_logs_info_with_data_trace_then_error_only(gw: Gateway, api: str) -> None:
    settings = json.dumps({"LoggingLevel": "INFO", "DataTraceEnabled": True})
    done = aws(gw, "update-stage", "--api-id", api, "--stage-name", "dev",
               "--default-route-settings", settings)  # fmt: skip
    assert done.returncode == 0, done.stderr
    log = gw.data_dir / "logs" / f"API-Gateway-Execution-Logs_{api}" / "dev.log"

    def logging() -> bool:
        with ws_connect(gw, api):
            time.sleep(0.1)  # lines are flushed every 50 ms
        return log.exists()

    wait_for(logging, what="the execution log")  # the new settings are served
    secret = {"Authorization": "Bearer s3cr3t-token-1234"}
    with ws_connect(gw, api, additional_headers=secret) as ws:
        conn_id = _connection_id(ws)
        ws.send(json.dumps({"action": "proxy", "secret": "body"}))
        ws.recv(timeout=5)
    wait_for(lambda: f"Connection [{conn_id}] is disconnecting." in log.read_text(), what="lines")
    lines = lines_of(log)
    assert all(len(x.encode()) <= 1024 for x in lines)
    stamp = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \(([A-Za-z0-9_=-]{16})\) (.*)$")
    by_request: dict[str, list[str]] = {}
    for line in lines:
        m = stamp.match(line)
        assert m, line
        by_request.setdefault(m.group(1), []).append(m.group(2))
    routed = [ev for ev in by_request.values() if "WebSocket Request Route: [proxy]" in ev]
    proxy = next(ev for ev in routed if any(conn_id in x for x in ev))
    assert proxy[:2] == [f"Extended Request Id: {proxy[0].split(': ')[1]}",
                         f"Starting execution for request: {proxy[0].split(': ')[1]}"]  # fmt: skip
    assert any(x.startswith("Message body before transformations: ") and '"secret"' in x
               for x in proxy)  # fmt: skip
    assert any(x.startswith("Sending request to http://127.0.0.1:") for x in proxy)
    assert any(re.fullmatch(r"Received response\. Status: 200, Integration latency: \d+ ms", x)
               for x in proxy)  # fmt: skip
    assert proxy[-2:] == ["Successfully completed execution", "Method completed with status: 200"]
    connect = next(ev for ev in by_request.values()
                   if any(x.endswith(f"as connection [{conn_id}].") for x in ev))  # fmt: skip
    assert "WebSocket Request Route: [$connect]" in connect
    headers = next(x for x in connect if x.startswith("Connection request headers: "))
    assert "s3cr3t" not in headers and "Authorization=" in headers  # masked, as REST's

    # ERROR: successes write nothing, a failure its error lines only.
    done = aws(gw, "update-stage", "--api-id", api, "--stage-name", "dev",
               "--default-route-settings", json.dumps({"LoggingLevel": "ERROR"}))  # fmt: skip
    assert done.returncode == 0, done.stderr

    time.sleep(0.6)  # the worker recompiles (0.25 s store polling)
    with ws_connect(gw, api) as ws:
        ws.send(json.dumps({"action": "echo"}))
        ok = json.loads(ws.recv(timeout=5))
        ws.send(json.dumps({"action": "down"}))
        bad = json.loads(ws.recv(timeout=5))
    mine = wait_for(
        lambda: [x for x in lines_of(log) if f"({bad['requestId']})" in x], what="lines"
    )
    time.sleep(0.2)
    assert not [x for x in lines_of(log) if ok["id"] in x]  # that connection's events succeeded
    events = [x.split(") ", 1)[1] for x in mine]
    assert events[-1] == "Method completed with status: 500"
    assert all("failed" in x or x.startswith("Method completed") for x in events)


def test_frontgate_top_shows_open_connections_and_message_rates(gw: Gateway, api: str) -> None:
    import threading

    stop = threading.Event()

    def chat() -> None:
        with ws_connect(gw, api) as ws:
            while not stop.is_set():
                _connection_id(ws)

    worker = threading.Thread(target=chat, daemon=True)
    worker.start()
    try:
        out = subprocess.run(
            [sys.executable, "-m", "frontgate", "top", "--admin-url",
             f"http://127.0.0.1:{gw.admin_port}", "--iterations", "2", "--interval", "1"],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
    finally:
        stop.set()
        worker.join(5)
    assert out.returncode == 0, out.stderr
    frame = out.stdout.split("frontgate top — ")[-1].splitlines()
    at = next(i for i, line in enumerate(frame) if line.startswith("WEBSOCKET"))
    assert frame[at].split() == ["WEBSOCKET", "OPEN", "CONN/S", "MSG/S", "ERR/S"]
    rows = {line.split()[0]: line.split() for line in frame[at + 1 :] if line.strip()}
    row = rows[f"{api}/dev"]
    assert float(row[1]) >= 1  # the chatting client's connection is open
    assert float(row[3]) > 5  # messages in and out per second


AUTHORIZER = """
def handler(event, context):
    token = event["queryStringParameters"].get("token")
    effect = "Allow" if token == "good" else "Deny"
    return {
        "principalId": "user-7",
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]},
        "context": {"room": "blue", "vip": True},
    }
"""
HANDLER = """
def handler(event, context):
    if event["body"] == "boom":
        raise RuntimeError("boom")
    return {"statusCode": 200, "body": "ok"}
"""


def test_lambda_authorizer_context_and_function_errors(gw: Gateway, v2: Any) -> None:
    from tests.websocket.conftest import lambda_route, make_function

    auth_arn = make_function(gw, "wsObsAuthorizer", AUTHORIZER)
    arn = make_function(gw, "wsObsHandler", HANDLER)
    api_id = make_ws_api(v2, "observed-lambda")
    authorizer = v2.create_authorizer(
        ApiId=api_id, Name="tokens", AuthorizerType="REQUEST",
        AuthorizerUri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{auth_arn}/invocations",
        IdentitySource=["route.request.querystring.token"],
    )  # fmt: skip
    integ = v2.create_integration(
        ApiId=api_id, IntegrationType="MOCK",
        RequestTemplates={"$default": '{"statusCode": 200}'},
        TemplateSelectionExpression="\\$default",
    )  # fmt: skip
    v2.create_route(
        ApiId=api_id, RouteKey="$connect", Target=f"integrations/{integ['IntegrationId']}",
        AuthorizationType="CUSTOM", AuthorizerId=authorizer["AuthorizerId"],
    )  # fmt: skip
    lambda_route(v2, api_id, "$default", arn, respond=True)
    fmt = ("$context.requestId $context.eventType $context.status $context.authorizer.principalId "
           "$context.authorizer.room $context.authorizer.vip $context.integrationStatus "
           "$context.error.responseType $context.connectionId")  # fmt: skip
    v2.create_stage(
        ApiId=api_id, StageName="dev",
        AccessLogSettings={"DestinationArn": GROUP + "ws/lambda", "Format": fmt},
    )  # fmt: skip
    v2.create_deployment(ApiId=api_id, StageName="dev")
    wait_served(gw, api_id, "dev?token=good")
    log = gw.data_dir / "logs" / "ws" / "lambda.log"
    for token in ("bad", ""):
        with pytest.raises(InvalidStatus):
            ws_connect(gw, api_id, f"/dev?token={token}" if token else "/dev")
    with ws_connect(gw, api_id, "/dev?token=good") as ws:
        ws.send("hello")
        assert ws.recv(timeout=10) == "ok"
        ws.send("boom")
        frame = json.loads(ws.recv(timeout=10))
        assert frame["message"] == "Internal server error"
        conn_id = frame["connectionId"]

    def mine() -> list[list[str]]:
        found = [x.split() for x in lines_of(log) if x.endswith(conn_id)]
        return found if len(found) == 4 else []

    connect, hello, boom, _ = wait_for(mine, what="the connection's lines")
    assert connect[1:7] == ["CONNECT", "200", "user-7", "blue", "true", "200"]
    assert hello[1:7] == ["MESSAGE", "200", "user-7", "blue", "true", "200"]
    assert boom[1:3] == ["MESSAGE", "502"] and boom[6:8] == ["-", "INTEGRATION_FAILURE"]
    refused = [x.split() for x in lines_of(log) if " CONNECT 40" in x]
    assert sorted(x[2] for x in refused)[-2:] == ["401", "403"]
    assert {x[7] for x in refused if x[2] in ("401", "403")} == {"UNAUTHORIZED", "ACCESS_DENIED"}
    now = scrape(gw)
    stage = labels(api=api_id, stage="dev")
    assert now[("frontgate_websocket_client_error_total", stage)] >= 2  # 401 and 403
    assert now[("frontgate_websocket_integration_error_total", stage)] == 1  # the function raised
    assert now[("frontgate_websocket_execution_error_total", stage)] == 0
    assert now[("frontgate_websocket_integration_latency_seconds_count", stage)] == 2


def test_metrics_only_messages_count_as_observed_ones(gw: Gateway, v2: Any) -> None:
    """A stage without logs counts its messages without an event each (telemetry.quiet): fixed
    MOCK answers (plain templates), a MOCK status over 399, one whose template reads $context,
    and a Forbidden (API key) still count as when every message was an event."""
    api = make_ws_api(v2, name="quiet")
    mock_route(v2, api, "fixed", response='{"fixed":true}')
    mock_route(v2, api, "teapot", status=418, response="short and stout")
    mock_route(v2, api, "$default", response='"$context.routeKey"')
    keyed = mock_route(v2, api, "keyed", response="never")
    v2.update_route(ApiId=api, RouteId=keyed, ApiKeyRequired=True)
    deploy(v2, api)
    wait_served(gw, api)
    stage = {"api": api, "stage": "dev"}
    before = scrape(gw)
    with ws_connect(gw, api) as c:
        c.send(json.dumps({"action": "fixed"}))
        assert json.loads(c.recv(timeout=5)) == {"fixed": True}
        c.send(json.dumps({"action": "teapot"}))
        assert c.recv(timeout=5) == "short and stout"
        c.send("not json")
        assert json.loads(c.recv(timeout=5)) == "$default"
        c.send(json.dumps({"action": "keyed"}))
        assert json.loads(c.recv(timeout=5))["message"] == "Forbidden"
        c.send(json.dumps({"action": "fixed"}))
        assert json.loads(c.recv(timeout=5)) == {"fixed": True}
    key = ("frontgate_websocket_message_total", labels(**stage, direction="out"))
    now = wait_for(
        lambda: (s := scrape(gw)).get(key, 0) - before.get(key, 0) >= 5 and s, what="out"
    )

    def delta(name: str, **kw: str) -> float:
        return _ws_delta(before, now, name, **stage, **kw)

    assert delta("frontgate_websocket_message_total", direction="in") == 5
    assert delta("frontgate_websocket_message_total", direction="out") == 5
    assert delta("frontgate_websocket_integration_error_total") == 1  # the 418
    assert delta("frontgate_websocket_client_error_total") == 1  # Forbidden
    assert delta("frontgate_websocket_execution_error_total") == 0
