"""The issue's acceptance flow with the real AWS CLI: create-function and add-permission, then
create-rest-api → create-resource → put-method → put-integration AWS_PROXY → create-deployment,
then the invoke URL returns the handler's response with the reference's event, and the log shows
START/END/REPORT (read with ``frontgate logs``)."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
from pathlib import Path

from tests.functions.conftest import ACCOUNT, ROLE, aws, make_zip, wait_deployed
from tests.support.gateway import Gateway

ECHO = """
import json

def handler(event, context):
    print("path is", event["path"])
    ctx = {k: getattr(context, k) for k in ("aws_request_id", "function_name",
           "function_version", "invoked_function_arn", "memory_limit_in_mb",
           "log_group_name", "log_stream_name")}
    ctx["remaining"] = context.get_remaining_time_in_millis()
    return {"statusCode": "201", "headers": {"X-Fn": "yes"},
            "multiValueHeaders": {"X-Multi": ["a", "b"]},
            "body": json.dumps({"event": event, "context": ctx})}
"""


def test_cli_flow(gateway: Gateway, tmp_path: Path) -> None:
    port = gateway.admin_port
    zip_path = tmp_path / "fn.zip"
    zip_path.write_bytes(make_zip({"app.py": ECHO}))
    created = json.loads(
        aws(
            port,
            "lambda",
            "create-function",
            "--function-name",
            "clifn",
            "--runtime",
            "python3.11",
            "--handler",
            "app.handler",
            "--zip-file",
            f"fileb://{zip_path}",
            "--role",
            ROLE,
        ).stdout
    )
    arn = created["FunctionArn"]
    assert arn == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:clifn"
    assert created["State"] == "Active" and created["Timeout"] == 3

    api = json.loads(aws(port, "apigateway", "create-rest-api", "--name", "cli").stdout)["id"]
    root = json.loads(aws(port, "apigateway", "get-resources", "--rest-api-id", api).stdout)
    root_id = root["items"][0]["id"]
    res = json.loads(
        aws(
            port,
            "apigateway",
            "create-resource",
            "--rest-api-id",
            api,
            "--parent-id",
            root_id,
            "--path-part",
            "{item}",
        ).stdout
    )["id"]
    aws(
        port,
        "apigateway",
        "put-method",
        "--rest-api-id",
        api,
        "--resource-id",
        res,
        "--http-method",
        "GET",
        "--authorization-type",
        "NONE",
    )
    uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"
    aws(
        port,
        "apigateway",
        "put-integration",
        "--rest-api-id",
        api,
        "--resource-id",
        res,
        "--http-method",
        "GET",
        "--type",
        "AWS_PROXY",
        "--integration-http-method",
        "POST",
        "--uri",
        uri,
    )
    aws(port, "apigateway", "create-deployment", "--rest-api-id", api, "--stage-name", "dev")
    wait_deployed(gateway, api)

    # No permission yet: AWS answers 500 and the execution log names the missing permission.
    status, _, body = _get(gateway, api, "/dev/thing%2Bx?q=1")
    assert status == 500
    assert json.loads(body) == {"message": "Internal server error"}

    source = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{api}/*/GET/*"
    aws(
        port,
        "lambda",
        "add-permission",
        "--function-name",
        "clifn",
        "--statement-id",
        "apigw",
        "--action",
        "lambda:InvokeFunction",
        "--principal",
        "apigateway.amazonaws.com",
        "--source-arn",
        source,
    )
    policy = json.loads(
        json.loads(aws(port, "lambda", "get-policy", "--function-name", "clifn").stdout)["Policy"]
    )
    assert policy["Statement"][0]["Condition"]["ArnLike"]["AWS:SourceArn"] == source

    status, headers, body = _get(
        gateway, api, "/dev/thing%2Bx?q=1&q=2&e=a+b", {"tEsT-HEADeR": "aValUE"}
    )
    assert status == 201, body
    assert headers["x-fn"] == "yes" and headers["x-multi"] == "a, b"  # one line per value
    assert headers["content-type"] == "application/json"
    doc = json.loads(body)
    event, ctx = doc["event"], doc["context"]
    assert event["resource"] == "/{item}"
    assert event["path"] == "/thing%2Bx"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"item": "thing%2Bx"}
    assert event["queryStringParameters"] == {"q": "2", "e": "a b"}
    assert event["multiValueQueryStringParameters"] == {"q": ["1", "2"], "e": ["a b"]}
    assert event["headers"]["tEsT-HEADeR"] == "aValUE"
    assert event["multiValueHeaders"]["tEsT-HEADeR"] == ["aValUE"]
    assert event["stageVariables"] is None and event["body"] is None
    assert event["isBase64Encoded"] is False
    rc = event["requestContext"]
    assert rc["path"] == "/dev/thing%2Bx" and rc["stage"] == "dev"
    assert rc["resourcePath"] == "/{item}" and rc["apiId"] == api
    assert rc["accountId"] == ACCOUNT and rc["httpMethod"] == "GET"
    assert rc["identity"]["sourceIp"] == "127.0.0.1" and rc["identity"]["caller"] is None
    assert "authorizer" not in rc
    assert rc["requestId"] == headers["x-amzn-requestid"]
    assert ctx["function_name"] == "clifn" and ctx["invoked_function_arn"] == arn
    assert ctx["function_version"] == "$LATEST" and ctx["memory_limit_in_mb"] == "128"
    assert ctx["log_group_name"] == "/aws/lambda/clifn"
    assert 0 < ctx["remaining"] <= 3000

    log = subprocess.run(
        [sys.executable, "-m", "frontgate", "logs", "clifn", "--data-dir", str(gateway.data_dir)],
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout
    rid = ctx["aws_request_id"]
    assert log.count(f"START RequestId: {rid} Version: $LATEST") == 1  # once: no duplicate writes
    assert "path is /thing%2Bx" in log
    assert f"END RequestId: {rid}" in log
    assert f"REPORT RequestId: {rid}\tDuration: " in log and "Memory Size: 128 MB" in log
    # In Lambda's order: the handler's output between START and END, then REPORT.
    start = log.index(f"START RequestId: {rid}")
    assert start < log.index("path is /thing%2Bx", start) < log.index(f"END RequestId: {rid}")
    assert log.index(f"END RequestId: {rid}") < log.index(f"REPORT RequestId: {rid}")


def _get(
    gw: Gateway, api: str, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """GET through the invoke URL; repeated response headers joined with ", " as clients do."""
    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": gw.host(api), **(headers or {})})
        resp = conn.getresponse()
        joined: dict[str, str] = {}
        for k, v in resp.getheaders():
            joined[k.lower()] = f"{joined[k.lower()]}, {v}" if k.lower() in joined else v
        return resp.status, joined, resp.read()
    finally:
        conn.close()
