"""A non-proxy Lambda integration set up with the real AWS CLI (create-function, put-integration
--type AWS, put-integration-response --selection-pattern, add-permission) and called with curl:
the function's error is mapped to 400 by its ``errorMessage``, success to 200 through templates."""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

from tests.functions.conftest import ACCOUNT, ROLE, aws, make_zip
from tests.support.gateway import Gateway

HANDLER = """
def handler(event, context):
    if event.get("amount", 0) < 0:
        raise ValueError("InvalidAmount: amount must not be negative")
    return {"id": "pay-" + str(event["amount"]), "amount": event["amount"]}
"""
REQUEST = '{"amount": $input.json(\'$.amount\'), "currency": "$input.params(\'currency\')"}'
OK = '{"paymentId": "$input.path(\'$.id\')"}'
ERROR = '{"error": "$util.escapeJavaScript($input.path(\'$.errorMessage\'))"}'


def curl(gw: Gateway, api: str, path: str, body: str) -> tuple[int, dict[str, str], str]:
    url = f"http://{api}.execute-api.localhost:{gw.port}/prod{path}"
    proc = subprocess.run(
        ["curl", "-s", "-i", "-X", "POST", "-H", "Content-Type: application/json",
         "--data", body, url],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    head, _, text = proc.stdout.replace("\r\n", "\n").partition("\n\n")
    lines = head.split("\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    return status, headers, text


def test_lambda_nonproxy_with_the_aws_cli(tmp_path: Path) -> None:
    (tmp_path / "fn.zip").write_bytes(make_zip({"app.py": HANDLER}))
    with Gateway(tmp_path / "data") as gw:
        port = gw.admin_port
        fn = json.loads(aws(
            port, "lambda", "create-function", "--function-name", "pay",
            "--runtime", "python3.12", "--handler", "app.handler", "--role", ROLE,
            "--zip-file", f"fileb://{tmp_path / 'fn.zip'}",
        ).stdout)  # fmt: skip
        arn = fn["FunctionArn"]
        assert arn == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:pay"
        api = json.loads(aws(port, "apigateway", "create-rest-api", "--name", "pay").stdout)["id"]
        items = json.loads(aws(port, "apigateway", "get-resources", "--rest-api-id", api).stdout)
        res = json.loads(aws(
            port, "apigateway", "create-resource", "--rest-api-id", api,
            "--parent-id", items["items"][0]["id"], "--path-part", "payments",
        ).stdout)["id"]  # fmt: skip
        method = ["--rest-api-id", api, "--resource-id", res, "--http-method", "POST"]
        aws(port, "apigateway", "put-method", *method, "--authorization-type", "NONE")
        integ = json.loads(aws(
            port, "apigateway", "put-integration", *method, "--type", "AWS",
            "--integration-http-method", "POST",
            "--uri", "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
            f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:pay/invocations",
            "--request-templates", json.dumps({"application/json": REQUEST}),
        ).stdout)  # fmt: skip
        assert integ["type"] == "AWS" and integ["passthroughBehavior"] == "WHEN_NO_MATCH"
        for status in ("200", "400"):
            aws(port, "apigateway", "put-method-response", *method, "--status-code", status)
        aws(
            port, "apigateway", "put-integration-response", *method, "--status-code", "200",
            "--response-templates", json.dumps({"application/json": OK}),
        )  # fmt: skip
        mapped = json.loads(aws(
            port, "apigateway", "put-integration-response", *method, "--status-code", "400",
            "--selection-pattern", "InvalidAmount:.*",
            "--response-templates", json.dumps({"application/json": ERROR}),
        ).stdout)  # fmt: skip
        assert mapped["selectionPattern"] == "InvalidAmount:.*"
        aws(port, "apigateway", "create-deployment", "--rest-api-id", api, "--stage-name", "prod")
        wait_deployed_prod(gw, api)

        # Before add-permission, API Gateway may not invoke the function: AWS's 500.
        status, headers, text = curl(gw, api, "/payments", '{"amount": 5}')
        assert (status, json.loads(text)) == (500, {"message": "Internal server error"})
        assert "x-amzn-trace-id" not in headers

        aws(
            port, "lambda", "add-permission", "--function-name", "pay",
            "--statement-id", "apigw", "--action", "lambda:InvokeFunction",
            "--principal", "apigateway.amazonaws.com",
            "--source-arn", f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{api}/*/POST/payments",
        )  # fmt: skip
        status, headers, text = curl(gw, api, "/payments", '{"amount": 5}')
        assert (status, json.loads(text)) == (200, {"paymentId": "pay-5"})
        assert re.fullmatch(
            r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Sampled=0", headers["x-amzn-trace-id"]
        )
        assert headers["content-type"] == "application/json"

        status, headers, text = curl(gw, api, "/payments", '{"amount": -1}')
        assert status == 400
        assert json.loads(text) == {"error": "InvalidAmount: amount must not be negative"}
        assert "x-amzn-errortype" not in headers


def wait_deployed_prod(gw: Gateway, api: str) -> None:
    """Until the data plane serves the ``prod`` stage (it recompiles asynchronously)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        headers = gw.request("OPTIONS", "/prod/", api_id=api)[1]
        if headers.get("x-amzn-errortype") != "ForbiddenException":
            return
        time.sleep(0.02)
    raise AssertionError(f"stage prod of {api} was not deployed in time")
