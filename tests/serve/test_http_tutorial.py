"""The HTTP API tutorial (shared/product/004: "Creating a simple HTTP API") run verbatim with the
AWS CLI in a shell against a real node, then ``curl {ApiEndpoint}/orders``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.functions.conftest import make_zip
from tests.support.awscli import aws_line
from tests.support.gateway import Gateway

# The tutorial's commands as printed, apart from the API id it could not know in advance.
CREATE_API = (
    "aws apigatewayv2 create-api --name orders-api --protocol-type HTTP "
    "--target arn:aws:lambda:us-east-1:123456789012:function:getOrders "
    '--route-key "GET /orders"'
)
ADD_PERMISSION = (
    "aws lambda add-permission --function-name getOrders --statement-id apigw-invoke "
    "--action lambda:InvokeFunction --principal apigateway.amazonaws.com "
    '--source-arn "arn:aws:execute-api:us-east-1:123456789012:<apiId>/*/*/orders"'
)
# The function the tutorial assumes: it answers the order list it prints.
HANDLER = """
def handler(event, context):
    return [{"id": "ord-001", "total": 42.50}, {"id": "ord-002", "total": 18.00}]
"""
CREATE_FUNCTION = (
    "aws lambda create-function --function-name getOrders --runtime python3.12 "
    "--role arn:aws:iam::123456789012:role/lambda-role --handler app.handler "
    "--zip-file fileb://function.zip"
)


def _shell(gw: Gateway, line: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    line = line.replace("aws ", f"aws --endpoint-url http://127.0.0.1:{gw.admin_port} ", 1)
    return aws_line(line, cwd=cwd)


def test_http_api_tutorial_verbatim(tmp_path: Path) -> None:
    (tmp_path / "function.zip").write_bytes(make_zip({"app.py": HANDLER}))
    with Gateway(tmp_path / "data") as gw:
        proc = _shell(gw, CREATE_FUNCTION, tmp_path)
        assert proc.returncode == 0, proc.stderr
        proc = _shell(gw, CREATE_API, tmp_path)
        assert proc.returncode == 0, proc.stderr
        api = json.loads(proc.stdout)
        api_id = api["ApiId"]
        assert api["Name"] == "orders-api"
        assert api["ProtocolType"] == "HTTP"
        assert api["RouteSelectionExpression"] == "$request.method $request.path"
        assert api["ApiKeySelectionExpression"] == "$request.header.x-api-key"
        assert api["DisableExecuteApiEndpoint"] is False
        assert api["ApiEndpoint"] == f"http://{api_id}.execute-api.localhost:{gw.port}"
        assert "CreatedDate" in api

        # Before the permission, API Gateway may not invoke the function.
        status, _, body = gw.request("GET", "/orders", api_id=api_id)
        assert status == 500, body
        assert json.loads(body) == {"message": "Internal Server Error"}

        proc = _shell(gw, ADD_PERMISSION.replace("<apiId>", api_id), tmp_path)
        assert proc.returncode == 0, proc.stderr

        curl = subprocess.run(
            ["curl", "-s", "-i", f"{api['ApiEndpoint']}/orders"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert curl.returncode == 0, curl.stderr
        head, _, body = curl.stdout.replace("\r\n", "\n").partition("\n\n")
        assert head.startswith("HTTP/1.1 200"), curl.stdout
        assert "apigw-requestid:" in head.lower()
        assert "content-type: application/json" in head.lower()
        assert json.loads(body) == [
            {"id": "ord-001", "total": 42.5},
            {"id": "ord-002", "total": 18.0},
        ]
        # A route the API does not have: HTTP APIs answer 404 Not Found.
        status, headers, body = gw.request("GET", "/customers", api_id=api_id)
        assert status == 404
        assert json.loads(body) == {"message": "Not Found"}
        assert "apigw-requestid" in headers
    log = "".join(gw.lines)
    assert "Traceback" not in log
