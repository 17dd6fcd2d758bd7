"""Through a real ``frontgate serve``, driven with boto3 as a user would: a Lambda integration
whose function is named by a stage variable is served per stage, and an HTTP API access-log
format with HTTP API variables (``routeKey``, ``dataProcessed``, ...) is rendered."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import boto3
from tests.functions.conftest import make_zip
from tests.support.gateway import Gateway

from frontgate.observe.context_vars import HTTP_API_VARIABLES

ACCOUNT_REGION = "us-east-1:123456789012"
LOGS = f"arn:aws:logs:{ACCOUNT_REGION}:log-group:qa/http"
HANDLER = """
import json

def handler(event, context):
    return {"fn": context.function_name, "stage": event["requestContext"]["stage"]}
"""


def _client(gw: Gateway, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=f"http://127.0.0.1:{gw.admin_port}",
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def _until(check: Any, what: str, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_stage_variable_function_and_http_access_log(tmp_path: Path) -> None:
    with Gateway(tmp_path / "data") as gw:
        lam, v2 = _client(gw, "lambda"), _client(gw, "apigatewayv2")
        for name in ("orders-blue", "orders-green"):
            lam.create_function(
                FunctionName=name, Runtime="python3.12", Handler="app.handler",
                Role="arn:aws:iam::123456789012:role/r",
                Code={"ZipFile": make_zip({"app.py": HANDLER})},
            )  # fmt: skip
            lam.add_permission(
                FunctionName=name, StatementId="apigw", Action="lambda:InvokeFunction",
                Principal="apigateway.amazonaws.com",
            )  # fmt: skip
        api = v2.create_api(Name="colours", ProtocolType="HTTP")["ApiId"]
        iid = v2.create_integration(
            ApiId=api, IntegrationType="AWS_PROXY", PayloadFormatVersion="2.0",
            IntegrationUri=f"arn:aws:lambda:{ACCOUNT_REGION}:function:orders-${{stageVariables.colour}}",
        )["IntegrationId"]  # fmt: skip
        v2.create_route(ApiId=api, RouteKey="GET /orders/{id}", Target=f"integrations/{iid}")
        # Every HTTP API variable UpdateStage accepts, each rendered by the data plane.
        every = [*sorted(HTTP_API_VARIABLES), "authorizer.claims.sub", "authorizer.tenant"]
        fmt = "{" + ",".join(f'"{name}":"$context.{name}"' for name in every) + "}"
        for stage, colour in (("blue", "blue"), ("green", "green")):
            v2.create_stage(
                ApiId=api, StageName=stage, AutoDeploy=True, StageVariables={"colour": colour},
                AccessLogSettings={"DestinationArn": LOGS, "Format": fmt},
            )  # fmt: skip
        v2.create_stage(ApiId=api, StageName="none", AutoDeploy=True)  # the variable unset

        def answer(stage: str) -> Any:
            status, headers, body = gw.request("GET", f"/{stage}/orders/7", api_id=api)
            return (status, json.loads(body), headers) if status != 404 else None

        for stage in ("blue", "green"):
            status, body, _headers = _until(lambda s=stage: answer(s), f"stage {stage}")
            assert status == 200, body
            assert body == {"fn": f"orders-{stage}", "stage": stage}
        status, body, _ = _until(lambda: answer("none"), "stage none")
        assert (status, body) == (500, {"message": "Internal Server Error"})

        log = gw.data_dir / "logs" / "qa" / "http.log"
        lines = _until(
            lambda: log.exists() and [json.loads(x) for x in log.read_text().splitlines()],
            "access log lines",
        )
        line = lines[-1]
        assert sorted(line) == sorted(every)
        assert line["routeKey"] == "GET /orders/{id}"
        assert line["status"] == "200"
        assert line["httpMethod"] == "GET"
        assert line["path"] == f"/{line['stage']}/orders/7"
        assert int(line["dataProcessed"]) > 0
        assert line["awsEndpointRequestId2"] == "-"
        assert line["stage"] in ("blue", "green")
        assert line["requestId"] == line["extendedRequestId"] != "-"
        assert "Traceback" not in "".join(gw.lines)
