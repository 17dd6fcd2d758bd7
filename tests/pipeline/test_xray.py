"""``X-Amzn-Trace-Id`` on REST responses, as AWS's recording has it: on AWS_PROXY successes (the
same root the function's event carries), not on MOCK, not on a gateway error."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.functions.conftest import ROLE, client, make_zip, proxy_api, wait_deployed
from tests.support.gateway import Gateway

HANDLER = """
import json

def handler(event, context):
    if event["path"] == "/boom":
        raise RuntimeError("boom")
    return {"statusCode": 200, "body": json.dumps(event["multiValueHeaders"])}
"""


def test_trace_header_on_aws_proxy_successes_only(tmp_path: Path) -> None:
    with Gateway(tmp_path / "data") as gw:
        lam = client("lambda", gw.admin_port)
        apigw = client("apigateway", gw.admin_port)
        arn = lam.create_function(
            FunctionName="echo", Runtime="python3.11", Role=ROLE, Handler="app.handler",
            Code={"ZipFile": make_zip({"app.py": HANDLER})},
        )["FunctionArn"]  # fmt: skip
        lam.add_permission(
            FunctionName="echo", StatementId="apigw", Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
        )  # fmt: skip
        api = proxy_api(apigw, arn, path="{item}", gw=gw)

        status, headers, body = gw.request("GET", "/dev/one", api_id=api)
        assert status == 200
        trace = headers["x-amzn-trace-id"]
        assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Sampled=0", trace), trace
        # The function saw the same root.
        assert json.loads(body)["X-Amzn-Trace-Id"] == [trace.split(";")[0]]

        full = "Root=1-3152b799-8954dae64eda91bc9a23a7e8;Parent=7fa8c0f79203be72;Sampled=1"
        _, headers, body = gw.request("GET", "/dev/one", api_id=api,
                                      headers={"X-Amzn-Trace-Id": full})  # fmt: skip
        assert headers["x-amzn-trace-id"] == full
        assert full in json.loads(body)["X-Amzn-Trace-Id"]

        # Text that is not a trace is not echoed: a new trace is answered.
        _, headers, _ = gw.request("GET", "/dev/one", api_id=api,
                                   headers={"X-Amzn-Trace-Id": "Root=evil"})  # fmt: skip
        assert re.fullmatch(
            r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Sampled=0", headers["x-amzn-trace-id"]
        )

        status, headers, _ = gw.request("GET", "/dev/boom", api_id=api)
        assert status == 502 and "x-amzn-trace-id" not in headers

        # MOCK: never.
        mock = apigw.create_rest_api(name="mock")["id"]
        root = apigw.get_resources(restApiId=mock)["items"][0]["id"]
        apigw.put_method(restApiId=mock, resourceId=root, httpMethod="GET",
                         authorizationType="NONE")  # fmt: skip
        templates = {"application/json": '{"statusCode": 200}'}
        apigw.put_integration(restApiId=mock, resourceId=root, httpMethod="GET", type="MOCK",
                              requestTemplates=templates)  # fmt: skip
        apigw.put_method_response(restApiId=mock, resourceId=root, httpMethod="GET",
                                  statusCode="200")  # fmt: skip
        apigw.put_integration_response(restApiId=mock, resourceId=root, httpMethod="GET",
                                       statusCode="200")  # fmt: skip
        apigw.create_deployment(restApiId=mock, stageName="dev")
        wait_deployed(gw, mock)
        status, headers, _ = gw.request("GET", "/dev/", api_id=mock)
        assert status == 200 and "x-amzn-trace-id" not in headers
