"""The REST API tutorial (shared/product/003: "Building a Secure API Gateway") run verbatim with
the AWS CLI in a shell, and a stored stage that no longer compiles: a deployment is reported as
served only if it is served."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from tests.functions.conftest import ROLE, client, make_zip
from tests.support.awscli import aws_line
from tests.support.gateway import Gateway, serve_command

from frontgate.definition import kinds
from frontgate.state.sqlite import SqliteStore

# Sections 2 and 3 of the tutorial, as printed (placeholders aside).
TUTORIAL_SETUP = """
aws apigateway create-rest-api --name 'MyAPI' --description 'My First API Gateway'
aws apigateway get-resources --rest-api-id <restApiId>
aws apigateway create-resource --rest-api-id <restApiId> --parent-id <rootResourceId> --path-part myresource
aws apigateway put-method --rest-api-id <restApiId> --resource-id <resourceId> --http-method GET --authorization-type NONE
aws apigateway put-integration --rest-api-id <restApiId> --resource-id <resourceId> --http-method GET --type AWS_PROXY --integration-http-method POST --uri 'arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<lambdaFunctionArn>/invocations'
aws apigateway create-deployment --rest-api-id <restApiId> --stage-name dev
aws apigateway put-method --rest-api-id <restApiId> --resource-id <resourceId> --http-method OPTIONS --authorization-type NONE --request-parameters method.request.header.Access-Control-Request-Headers=false,method.request.header.Access-Control-Request-Method=false
aws apigateway put-integration --rest-api-id <restApiId> --resource-id <resourceId> --http-method OPTIONS --type MOCK --request-templates '{"application/json": "{\\"statusCode\\": 200}" }'
aws apigateway put-method-response --rest-api-id <restApiId> --resource-id <resourceId> --http-method OPTIONS --status-code 200 --response-parameters method.response.header.Access-Control-Allow-Headers=false,method.response.header.Access-Control-Allow-Methods=false,method.response.header.Access-Control-Allow-Origin=false
"""  # noqa: E501
TUTORIAL_CORS = """aws apigateway put-integration-response --rest-api-id <restApiId> --resource-id <resourceId> --http-method OPTIONS --status-code 200 --response-templates '{"application/json": ""}' --response-parameters method.response.header.Access-Control-Allow-Headers="'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token'",method.response.header.Access-Control-Allow-Methods="'GET,POST,OPTIONS'",method.response.header.Access-Control-Allow-Origin="'*'"
"""  # noqa: E501
# The same step with the values quoted for the shell and the CLI's shorthand.
CORS_QUOTED = """aws apigateway put-integration-response --rest-api-id <restApiId> --resource-id <resourceId> --http-method OPTIONS --status-code 200 --response-templates '{"application/json": ""}' --response-parameters 'method.response.header.Access-Control-Allow-Headers="'"'"'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token'"'"'",method.response.header.Access-Control-Allow-Methods="'"'"'GET,POST,OPTIONS'"'"'",method.response.header.Access-Control-Allow-Origin="'"'"'*'"'"'"'
"""  # noqa: E501
DEPLOY = "aws apigateway create-deployment --rest-api-id <restApiId> --stage-name dev\n"
MAPPING_ERROR = "Invalid mapping expression specified: Validation Result: warnings : [], errors : ["


def _shell(gw: Gateway, line: str, values: dict[str, str]) -> subprocess.CompletedProcess[str]:
    for name, value in values.items():
        line = line.replace(f"<{name}>", value)
    assert "<" not in line, line
    line = line.replace("aws ", f"aws --endpoint-url http://127.0.0.1:{gw.admin_port} ", 1)
    return aws_line(line)


def _node_status(gw: Gateway) -> dict[str, Any]:
    url = f"http://127.0.0.1:{gw.admin_port}/_frontgate/status"
    with urllib.request.urlopen(url, timeout=5) as r:
        return dict(json.load(r))


def _preflight(gw: Gateway, api_id: str) -> tuple[int, dict[str, str]]:
    deadline = time.monotonic() + 10
    while True:
        status, headers, _ = gw.request(
            "OPTIONS",
            "/dev/myresource",
            api_id=api_id,
            headers={"Origin": "https://example.com", "Access-Control-Request-Method": "GET"},
        )
        if status == 200 or time.monotonic() > deadline:
            return status, headers
        time.sleep(0.05)


def test_tutorial_cors_step_verbatim_is_refused_and_quoted_works(tmp_path: Path) -> None:
    with Gateway(tmp_path / "data") as gw:
        lam = client("lambda", gw.admin_port)
        code = make_zip(
            {"app.py": "def handler(event, context):\n    return {'statusCode': 200}\n"}
        )
        fn = lam.create_function(
            FunctionName="tutorial",
            Runtime="python3.11",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": code},
        )
        values = {"region": "us-east-1", "lambdaFunctionArn": fn["FunctionArn"]}
        for line in TUTORIAL_SETUP.strip().splitlines():
            proc = _shell(gw, line, values)
            assert proc.returncode == 0, (line, proc.stderr)
            out = json.loads(proc.stdout or "{}")
            if "create-rest-api" in line:
                values["restApiId"] = out["id"]
            elif "get-resources" in line:
                values["rootResourceId"] = out["items"][0]["id"]
            elif "create-resource" in line:
                values["resourceId"] = out["id"]
        apigw = gw.admin_client()
        api_id = values["restApiId"]
        first = apigw.get_stage(restApiId=api_id, stageName="dev")["deploymentId"]

        # As printed, the shell and the CLI's shorthand strip the single quotes: AWS's 400.
        proc = _shell(gw, TUTORIAL_CORS, values)
        assert proc.returncode == 255
        assert "(BadRequestException) when calling the PutIntegrationResponse operation: " in (
            proc.stderr
        )
        assert MAPPING_ERROR in proc.stderr
        assert proc.stderr.strip().endswith("Invalid mapping expression specified: *]")
        # Nothing was stored, so the next deployment is servable.
        proc = _shell(gw, DEPLOY, values)
        assert proc.returncode == 0, proc.stderr
        stage = apigw.get_stage(restApiId=api_id, stageName="dev")
        assert stage["deploymentId"] != first
        status = _node_status(gw)
        assert status["unservable"] == []

        # Quoted for the shell and the shorthand, the same step works end to end.
        proc = _shell(gw, CORS_QUOTED, values)
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["responseParameters"] == {
            "method.response.header.Access-Control-Allow-Headers": (
                "'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token'"
            ),
            "method.response.header.Access-Control-Allow-Methods": "'GET,POST,OPTIONS'",
            "method.response.header.Access-Control-Allow-Origin": "'*'",
        }
        proc = _shell(gw, DEPLOY, values)
        assert proc.returncode == 0, proc.stderr
        status_code, headers = _preflight(gw, api_id)
        assert status_code == 200
        assert headers["access-control-allow-origin"] == "*"
        assert headers["access-control-allow-methods"] == "GET,POST,OPTIONS"
        assert headers["access-control-allow-headers"].startswith("Content-Type,X-Amz-Date")
        assert _node_status(gw)["unservable"] == []
    log = "".join(gw.lines)
    assert "Traceback" not in log and "does not compile" not in log


def _store_unservable_stage(db: Path) -> str:
    """Rows an older version accepted: a deployment whose integration response maps ``*``."""
    import asyncio

    from frontgate.definition.restapis import new_stage

    async def write() -> None:
        store = SqliteStore(db)
        await store.open()
        integ = {
            "type": "MOCK",
            "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "passthroughBehavior": "WHEN_NO_MATCH",
            "timeoutInMillis": 29000,
            "integrationResponses": {
                "200": {
                    "statusCode": "200",
                    "responseParameters": {
                        "method.response.header.Access-Control-Allow-Origin": "*"
                    },
                }
            },
        }
        method = {
            "httpMethod": "OPTIONS",
            "authorizationType": "NONE",
            "apiKeyRequired": False,
            "methodResponses": {"200": {"statusCode": "200"}},
            "methodIntegration": integ,
        }
        api = {"id": "oldapi0001", "name": "old", "rootResourceId": "root000001"}
        snap = {
            "restApi": api,
            "resources": [
                {"id": "root000001", "path": "/"},
                {
                    "id": "res0000001",
                    "parentId": "root000001",
                    "pathPart": "myresource",
                    "path": "/myresource",
                    "resourceMethods": {"OPTIONS": method},
                },
            ],
            "models": [],
            "authorizers": [],
            "requestValidators": [],
            "gatewayResponses": [],
        }
        async with store.transaction() as tx:
            await tx.put("us-east-1", kinds.REST_API, "", api["id"], api)
            for res in snap["resources"]:
                await tx.put("us-east-1", kinds.RESOURCE, api["id"], res["id"], res)
            await tx.put(
                "us-east-1", kinds.DEPLOYMENT, api["id"], "dep0000001", {"id": "dep0000001"}
            )
            await tx.put("us-east-1", kinds.SNAPSHOT, api["id"], "dep0000001", snap)
            await tx.put(
                "us-east-1", kinds.STAGE, api["id"], "dev", new_stage("dev", "dep0000001", 0)
            )
        await store.close()

    asyncio.run(write())
    return "oldapi0001"


def test_stored_stage_that_does_not_compile_is_reported_not_served(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    api_id = _store_unservable_stage(data / "frontgate.db")
    with Gateway(data) as gw:
        # The data plane does not serve it, and says so: status, metrics, GetStage.
        assert gw.request("OPTIONS", "/dev/myresource", api_id=api_id)[0] == 403
        status = _node_status(gw)
        [[sid, sname, reason]] = status["unservable"]
        assert (sid, sname) == (api_id, "dev")
        assert reason.startswith("OPTIONS /myresource: Invalid mapping expression specified")
        assert reason.endswith("errors : [Invalid mapping expression specified: *]")
        url = f"http://127.0.0.1:{gw.admin_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as r:
            metrics = r.read().decode()
        assert "frontgate_unservable_stages 1" in metrics
        assert f'frontgate_stage_unservable{{api_id="{api_id}",stage="dev"}} 1' in metrics
        req = urllib.request.Request(
            f"http://127.0.0.1:{gw.admin_port}/restapis/{api_id}/stages/dev",
            headers={"Authorization": "x"},
        )
        with urllib.request.urlopen(req, timeout=5) as r:
            assert r.headers["x-frontgate-unservable"] == reason
            body = json.loads(r.read())
        # ... and where `aws apigateway get-stage` shows it: a tag of the answer.
        assert body["tags"] == {"frontgate:unservable": reason[:256]}
        assert body["stageName"] == "dev" and body["deploymentId"]
        proc = subprocess.run(
            [sys.executable, "-m", "frontgate", "status", "--admin-url",
             f"http://127.0.0.1:{gw.admin_port}"],
            capture_output=True, text=True, timeout=60,
            env=dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test"),
        )  # fmt: skip
        assert proc.returncode == 1
        row = next(line for line in proc.stdout.splitlines() if line.startswith(api_id))
        assert "NOT SERVED, deployment does not compile: OPTIONS /myresource: " in row
        assert "execute-api" not in row
    log = "".join(gw.lines)
    banner = [line for line in gw.lines if line.startswith("frontgate: ")]
    assert f"frontgate: NOT SERVED {api_id}/dev (old): its deployment does not compile: " + (
        "OPTIONS /myresource: Invalid mapping expression specified"
    ) in "".join(banner)
    assert f"invoke URL http://{api_id}" not in log
    assert "Traceback" not in log
    assert "keeping its previous version" not in log
    # One line per worker that compiled it, naming the API, stage, method and reason.
    lines = [line for line in gw.lines if "does not compile" in line and "ERROR" in line]
    assert lines, log
    assert len({line.split(" ERROR ", 1)[1] for line in lines}) == 1
    assert f"stage {api_id}/dev (deployment dep0000001) does not compile, not served: " in lines[0]
    assert "OPTIONS /myresource: Invalid mapping expression specified" in lines[0]


BAD_CORS_YAML = """openapi: 3.0.1
info: {title: cors, version: '1'}
paths:
  /x:
    options:
      responses: {'200': {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default:
            statusCode: '200'
            responseParameters: {method.response.header.Access-Control-Allow-Origin: '*'}
"""
NO_INTEGRATION_YAML = """openapi: 3.0.1
info: {title: half, version: '1'}
paths:
  /x:
    get:
      responses: {'200': {description: ok}}
"""


def test_api_files_that_would_not_serve_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "cors.yaml"
    bad.write_text(BAD_CORS_YAML)
    half = tmp_path / "half.yaml"
    half.write_text(NO_INTEGRATION_YAML)
    for path, message in (
        (bad, "Unable to put integration response on 'OPTIONS' for resource at path '/x': "
              "Invalid mapping expression specified: Validation Result: warnings : [], "
              "errors : [Invalid mapping expression specified: *]"),
        (half, "No integration defined for method"),
    ):  # fmt: skip
        proc = subprocess.run(
            serve_command(tmp_path / "data", "--api", str(path)),
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert proc.returncode == 2
        assert path.name in proc.stderr and message in proc.stderr
        assert "Traceback" not in proc.stderr
    with Gateway(tmp_path / "data") as gw:
        assert gw.admin_client().get_rest_apis()["items"] == []
        env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
        url = f"http://127.0.0.1:{gw.admin_port}"
        cli = [sys.executable, "-m", "frontgate", "import", "--admin-url", url]
        proc = subprocess.run([*cli, str(bad)], capture_output=True, text=True, env=env)
        assert proc.returncode == 1
        assert "imported" not in proc.stdout and "deployed" not in proc.stdout
        assert "Invalid mapping expression specified: *]" in proc.stderr
        assert gw.admin_client().get_rest_apis()["items"] == []
        proc = subprocess.run([*cli, str(half)], capture_output=True, text=True, env=env)
        assert proc.returncode == 1 and proc.stdout == ""
        assert "but NOT deployed" in proc.stderr
        assert "No integration defined for method" in proc.stderr
        [api] = gw.admin_client().get_rest_apis()["items"]
        assert gw.admin_client().get_stages(restApiId=api["id"])["item"] == []
