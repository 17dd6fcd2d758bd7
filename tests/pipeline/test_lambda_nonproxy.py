"""Non-proxy Lambda integrations (REST ``AWS`` type to a function's invocations path) on a real
``frontgate serve``: request templates make the event, integration responses are selected on
the function error's ``errorMessage``, ``X-Amz-Invocation-Type: Event`` answers at once, and
permission, timeout and remote functions behave as on AWS."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.functions.conftest import ROLE, client, make_zip, wait_deployed
from tests.support.gateway import Gateway

HANDLER = """
import json, time

def handler(event, context):
    action = event.get("action")
    if action == "fail":
        raise Exception("Error: bad input " + str(event.get("name")))
    if action == "other":
        raise ValueError("something else")
    if action == "sleep":
        time.sleep(1.5)
    if action == "record":
        with open(event["file"], "w") as f:
            json.dump(event, f)
    return {"greeting": "hello " + str(event.get("name")), "event": event}
"""

REQUEST = '{"name": "$input.params(\'name\')", "action": "$input.path(\'$.action\')"}'
OK_TEMPLATE = '{"message": "$input.path(\'$.greeting\')"}'
ERROR_TEMPLATE = '{"error": "$input.path(\'$.errorMessage\')"}'
TRACE = re.compile(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Sampled=0")


def lambda_uri(arn: str) -> str:
    return f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"


def create_function(lam: Any, name: str, *, permit: bool = True) -> str:
    arn = str(
        lam.create_function(
            FunctionName=name, Runtime="python3.11", Role=ROLE, Handler="app.handler",
            Code={"ZipFile": make_zip({"app.py": HANDLER})}, Timeout=5,
        )["FunctionArn"]
    )  # fmt: skip
    if permit:
        lam.add_permission(
            FunctionName=name, StatementId="apigw", Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn="arn:aws:execute-api:us-east-1:123456789012:*/*/*/*",
        )  # fmt: skip
    return arn


def add_method(
    apigw: Any,
    api: str,
    parent: str,
    path: str,
    arn: str,
    responses: list[tuple[str, str | None, dict[str, str] | None]],
    method_parameters: dict[str, bool] | None = None,
    **integration: Any,
) -> str:
    """``POST /{path}`` → the function (non-proxy), with (status, selectionPattern, templates)
    integration responses."""
    res = apigw.create_resource(restApiId=api, parentId=parent, pathPart=path)["id"]
    apigw.put_method(
        restApiId=api, resourceId=res, httpMethod="POST", authorizationType="NONE",
        requestParameters=method_parameters or {},
    )  # fmt: skip
    apigw.put_integration(
        restApiId=api, resourceId=res, httpMethod="POST", type="AWS",
        integrationHttpMethod="POST", uri=lambda_uri(arn), **integration,
    )  # fmt: skip
    for status, pattern, templates in responses:
        apigw.put_method_response(
            restApiId=api, resourceId=res, httpMethod="POST", statusCode=status
        )
        extra: dict[str, Any] = {}
        if pattern is not None:
            extra["selectionPattern"] = pattern
        if templates is not None:
            extra["responseTemplates"] = templates
        apigw.put_integration_response(
            restApiId=api, resourceId=res, httpMethod="POST", statusCode=status, **extra
        )
    return str(res)


class Api:
    def __init__(self, gw: Gateway, api: str, resources: dict[str, str], tmp: Path) -> None:
        self.gw = gw
        self.api = api
        self.resources = resources
        self.tmp = tmp

    def post(
        self, path: str, doc: Any, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        status, hdrs, body = self.gw.request(
            "POST", f"/dev/{path}", api_id=self.api, body=json.dumps(doc).encode(),
            headers={"Content-Type": "application/json", **(headers or {})},
        )  # fmt: skip
        return status, hdrs, json.loads(body) if body else None


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    tmp = tmp_path_factory.mktemp("nonproxy")
    with Gateway(tmp / "data") as gw:
        lam = client("lambda", gw.admin_port)
        apigw = client("apigateway", gw.admin_port)
        arn = create_function(lam, "greeter")
        closed = create_function(lam, "closed", permit=False)
        api_id = apigw.create_rest_api(name="nonproxy")["id"]
        root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
        res = {
            "greet": add_method(
                apigw, api_id, root, "greet", arn,
                [("200", None, {"application/json": OK_TEMPLATE}),
                 ("400", "Error: bad input.*", {"application/json": ERROR_TEMPLATE})],
                requestTemplates={"application/json": REQUEST},
            ),
            "plain": add_method(apigw, api_id, root, "plain", arn, [("200", None, None)]),
            "empty": add_method(
                apigw, api_id, root, "empty", arn, [("200", None, {"application/json": ""})]
            ),
            "strict": add_method(apigw, api_id, root, "strict", arn, [("502", ".+", None)]),
            "async": add_method(
                apigw, api_id, root, "async", arn,
                [("200", None, {"application/json": '{"queued": true}'})],
                requestParameters={"integration.request.header.X-Amz-Invocation-Type": "'Event'"},
            ),
            "either": add_method(
                apigw, api_id, root, "either", arn, [("200", None, None)],
                {"method.request.header.InvocationType": False},
                requestParameters={
                    "integration.request.header.X-Amz-Invocation-Type":
                        "method.request.header.InvocationType",
                },
            ),
            "closed": add_method(apigw, api_id, root, "closed", closed, [("200", None, None)]),
            "slow": add_method(
                apigw, api_id, root, "slow", arn, [("200", None, None)], timeoutInMillis=500
            ),
        }  # fmt: skip
        # The calculator tutorial's headers: method.response.header.X = integration.response.body.a
        rid = res["plain"]
        apigw.put_method_response(
            restApiId=api_id, resourceId=rid, httpMethod="POST", statusCode="200",
            responseParameters={
                f"method.response.header.{h}": False
                for h in ("Greeting", "Name", "Event", "Missing")
            },
        )  # fmt: skip
        apigw.put_integration_response(
            restApiId=api_id, resourceId=rid, httpMethod="POST", statusCode="200",
            responseParameters={
                "method.response.header.Greeting": "integration.response.body.greeting",
                "method.response.header.Name": "integration.response.body.event.name",
                "method.response.header.Event": "integration.response.body.event",
                "method.response.header.Missing": "integration.response.body.nope",
            },
        )  # fmt: skip
        apigw.create_deployment(restApiId=api_id, stageName="dev")
        wait_deployed(gw, api_id)
        yield Api(gw, api_id, res, tmp)


def test_success_renders_request_and_response_templates(api: Api) -> None:
    status, headers, body = api.post("greet?name=ada", {"action": "hi"})
    assert (status, body) == (200, {"message": "hello ada"})
    assert headers["content-type"] == "application/json"
    # AWS answers AWS integrations with the request's X-Ray trace.
    assert TRACE.fullmatch(headers["x-amzn-trace-id"]), headers


def test_client_trace_root_is_kept(api: Api) -> None:
    root = "Root=1-3152b799-8954dae64eda91bc9a23a7e8"
    status, headers, _ = api.post("greet?name=x", {}, {"X-Amzn-Trace-Id": root})
    assert status == 200
    trace = headers["x-amzn-trace-id"].split(";")
    assert trace[0] == root and re.fullmatch(r"Parent=[0-9a-f]{16}", trace[1]), trace
    full = root + ";Parent=7fa8c0f79203be72;Sampled=1"
    _, headers, _ = api.post("greet?name=x", {}, {"X-Amzn-Trace-Id": full})
    assert headers["x-amzn-trace-id"] == full


def test_function_error_selected_by_error_message(api: Api) -> None:
    status, headers, body = api.post("greet?name=bob", {"action": "fail"})
    assert (status, body) == (400, {"error": "Error: bad input bob"})
    assert "x-amzn-errortype" not in headers  # a mapped response, not a gateway error
    assert TRACE.fullmatch(headers["x-amzn-trace-id"])


def test_unmatched_error_takes_the_default_response(api: Api) -> None:
    # As on AWS: the default integration response answers 200 with Lambda's error document.
    status, _, body = api.post("plain", {"action": "other"})
    assert status == 200
    assert body["errorMessage"] == "something else" and body["errorType"] == "ValueError"
    # Passthrough on success: the function's answer is the body.
    status, _, body = api.post("plain", {"name": "eve"})
    assert (status, body["greeting"], body["event"]) == (200, "hello eve", {"name": "eve"})


def test_response_headers_mapped_from_the_body_by_json_path(api: Api) -> None:
    # AWS's integration.response.body.{JSONPath}: the value at $.greeting, not the whole body.
    status, headers, _ = api.post("plain", {"name": "eve"})
    assert status == 200
    assert headers["greeting"] == "hello eve"
    assert headers["name"] == "eve"
    assert json.loads(headers["event"]) == {"name": "eve"}
    assert "missing" not in headers


def test_no_default_response_and_no_match_is_a_500(api: Api) -> None:
    status, _, body = api.post("strict", {"action": "other"})
    assert (status, body["errorMessage"]) == (502, "something else")
    status, headers, body = api.post("strict", {"name": "ok"})  # "" matches no ".+"
    assert (status, body) == (500, {"message": "Internal server error"})
    assert "x-amzn-trace-id" not in headers  # never on a gateway error


def test_event_invocation_answers_at_once(api: Api) -> None:
    target = api.tmp / "event.json"
    status, _, body = api.post("async", {"action": "record", "file": str(target)})
    assert (status, body) == (200, {"queued": True})
    deadline = time.monotonic() + 15
    while not target.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.1)
    assert json.loads(target.read_text()) == {"action": "record", "file": str(target)}


def test_invocation_type_mapped_from_a_method_header(api: Api) -> None:
    target = api.tmp / "either.json"
    doc = {"action": "record", "file": str(target)}
    status, _, body = api.post("either", doc, {"InvocationType": "Event"})
    assert (status, body) == (200, None)  # 202 from Lambda, empty body, default response
    deadline = time.monotonic() + 15
    while not target.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert target.exists()
    status, _, body = api.post("either", {"name": "sync"})  # no header: RequestResponse
    assert (status, body["greeting"]) == (200, "hello sync")


def test_missing_permission_is_a_500(api: Api) -> None:
    status, headers, body = api.post("closed", {})
    assert (status, body) == (500, {"message": "Internal server error"})
    assert "x-amzn-trace-id" not in headers


def test_integration_timeout_is_a_504(api: Api) -> None:
    status, _, body = api.post("slow", {"action": "sleep"})
    assert (status, body) == (504, {"message": "Endpoint request timed out"})


def test_non_json_passthrough_is_a_500(api: Api) -> None:
    status, _, body = api.gw.request(
        "POST", "/dev/plain", api_id=api.api, body=b"not json",
        headers={"Content-Type": "text/plain"},
    )  # fmt: skip
    assert (status, json.loads(body)) == (500, {"message": "Internal server error"})


def test_test_invoke_method_shows_the_transformed_bodies(api: Api) -> None:
    apigw = client("apigateway", api.gw.admin_port)
    out = apigw.test_invoke_method(
        restApiId=api.api, resourceId=api.resources["greet"], httpMethod="POST",
        pathWithQueryString="/greet?name=tim", body='{"action": "fail"}',
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    assert out["status"] == 400 and json.loads(out["body"]) == {"error": "Error: bad input tim"}
    log = out["log"]
    assert 'Endpoint request body after transformations: {"name": "tim", "action": "fail"}' in log
    assert "Endpoint response body before transformations: {" in log
    assert '"errorMessage": "Error: bad input tim"' in log
    assert (
        "Lambda execution failed with status 200 due to customer function error: "
        "Error: bad input tim" in log
    )
    assert 'Method response body after transformations: {"error": "Error: bad input tim"}' in log
    assert "Method completed with status: 400" in log


def test_execution_log_lines(api: Api) -> None:
    apigw = client("apigateway", api.gw.admin_port)
    apigw.update_stage(restApiId=api.api, stageName="dev", patchOperations=[
        {"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"},
        {"op": "replace", "path": "/*/*/logging/dataTrace", "value": "true"}])  # fmt: skip
    log = api.gw.data_dir / "logs" / f"API-Gateway-Execution-Logs_{api.api}" / "dev.log"
    deadline = time.monotonic() + 10
    events: list[str] = []
    while time.monotonic() < deadline:
        status, headers, _ = api.post("greet?name=log", {})
        rid = headers["x-amzn-requestid"]
        time.sleep(0.2)
        lines = log.read_text().splitlines() if log.exists() else []
        events = [x.split(f"({rid}) ", 1)[1] for x in lines if f"({rid}) " in x]
        if events:
            break
    assert status == 200
    assert 'Endpoint request body after transformations: {"name": "log", "action": ""}' in events
    assert any(e.startswith("Received response. Status: 200, Integration latency: ")
               for e in events), events  # fmt: skip
    assert any(e.startswith("Endpoint response body before transformations: {") for e in events)
    assert 'Method response body after transformations: {"message": "hello log"}' in events


def test_remote_function(tmp_path: Path) -> None:
    """A function that is not on this gateway is invoked on the configured Lambda endpoint,
    errors and Event invocations included."""
    keys = {"AWS_ACCESS_KEY_ID": "AKIDREMOTE", "AWS_SECRET_ACCESS_KEY": "remote-secret"}
    admin_keys = {"FRONTGATE_ADMIN_ACCESS_KEYS": "AKIDREMOTE:remote-secret"}
    with Gateway(tmp_path / "b", env=admin_keys) as b:
        arn = create_function(client("lambda", b.admin_port, *keys.values()), "far", permit=False)
        endpoint = f"http://127.0.0.1:{b.admin_port}"
        with Gateway(tmp_path / "a", "--lambda-endpoint", endpoint, env=keys) as a:
            apigw = client("apigateway", a.admin_port)
            api_id = apigw.create_rest_api(name="remote")["id"]
            root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
            add_method(
                apigw, api_id, root, "greet", arn,
                [("200", None, {"application/json": OK_TEMPLATE}),
                 ("400", "Error: bad input.*", {"application/json": ERROR_TEMPLATE})],
                requestTemplates={"application/json": REQUEST},
            )  # fmt: skip
            add_method(
                apigw, api_id, root, "async", arn, [("200", None, None)],
                requestParameters={"integration.request.header.X-Amz-Invocation-Type": "'Event'"},
            )  # fmt: skip
            apigw.create_deployment(restApiId=api_id, stageName="dev")
            wait_deployed(a, api_id)
            remote = Api(a, api_id, {}, tmp_path)
            assert remote.post("greet?name=far", {})[::2] == (200, {"message": "hello far"})
            assert remote.post("greet?name=far", {"action": "fail"})[::2] == (
                400, {"error": "Error: bad input far"},
            )  # fmt: skip
            target = tmp_path / "remote-event.json"
            status, _, body = remote.post("async", {"action": "record", "file": str(target)})
            assert (status, body) == (200, None)
            deadline = time.monotonic() + 15
            while not target.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert target.exists()


def test_test_invoke_log_is_aws_shaped_once_and_not_written(api: Api) -> None:
    apigw = client("apigateway", api.gw.admin_port)
    out = apigw.test_invoke_method(
        restApiId=api.api, resourceId=api.resources["greet"], httpMethod="POST",
        pathWithQueryString="/greet?name=tim", body='{"action": "hi"}',
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    events = [line.split(" : ", 1)[1] for line in out["log"].splitlines()[1:]]
    # Java-style maps, the query string line, and each closing line once (no second copy).
    assert "Method request query string: {name=tim}" in events
    assert "Method request headers: {Content-Type=application/json}" in events
    for step in ("Method response headers: ", "Method completed with status: ",
                 "Endpoint response body before transformations: "):  # fmt: skip
        assert len([e for e in events if e.startswith(step)]) == 1, (step, events)
    assert events[-2:] == ["Successfully completed execution", "Method completed with status: 200"]
    assert "{'" not in out["log"]
    # TestInvokeMethod's log is the caller's: nothing lands in the execution-log files.
    assert not list((api.gw.data_dir / "logs").glob("*/test-invoke-stage.log"))


def test_an_empty_response_template_is_stored_as_null_and_passes_through(api: Api) -> None:
    # AWS's recording: PutIntegrationResponse stores "" as null; the body then passes through
    # (the calculator tutorial's POST /calc), it is not replaced by an empty one.
    apigw = client("apigateway", api.gw.admin_port)
    got = apigw.get_integration_response(
        restApiId=api.api, resourceId=api.resources["empty"], httpMethod="POST", statusCode="200"
    )
    assert got["responseTemplates"] == {"application/json": None}
    status, _, body = api.post("empty", {"name": "ann"})
    assert (status, body["greeting"]) == (200, "hello ann")
