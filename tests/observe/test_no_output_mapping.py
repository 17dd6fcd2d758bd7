"""A MOCK integration with no integration response for its status (the tutorial's OPTIONS method
before its PutIntegrationResponse): AWS's 500, and the execution log says why, as AWS's does."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.support.gateway import Gateway

NO_MATCH = (
    "Execution failed due to configuration error: No match for output mapping and no default "
    "output mapping specified for Endpoint Response"
)


def test_no_integration_response_is_a_500_the_execution_log_explains(tmp_path: Path) -> None:
    with Gateway(tmp_path / "data") as gw:
        apigw = gw.admin_client()
        api = apigw.create_rest_api(name="cors")["id"]
        root = apigw.get_resources(restApiId=api)["items"][0]["id"]
        apigw.put_method(restApiId=api, resourceId=root, httpMethod="OPTIONS",
                         authorizationType="NONE")  # fmt: skip
        template = {"application/json": '{"statusCode": 200}'}
        apigw.put_integration(restApiId=api, resourceId=root, httpMethod="OPTIONS", type="MOCK",
                              requestTemplates=template)  # fmt: skip
        apigw.put_method_response(restApiId=api, resourceId=root, httpMethod="OPTIONS",
                                  statusCode="200")  # fmt: skip
        apigw.create_deployment(restApiId=api, stageName="dev")
        apigw.update_stage(restApiId=api, stageName="dev", patchOperations=[
            {"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"}])  # fmt: skip
        log = gw.data_dir / "logs" / f"API-Gateway-Execution-Logs_{api}" / "dev.log"
        deadline = time.monotonic() + 10
        while True:
            status, headers, body = gw.request("OPTIONS", "/dev/", api_id=api)
            rid = headers["x-amzn-requestid"]
            time.sleep(0.2)
            lines = log.read_text().splitlines() if log.exists() else []
            events = [x.split(f"({rid}) ", 1)[1] for x in lines if f"({rid}) " in x]
            if (status == 500 and events) or time.monotonic() > deadline:
                break
        assert (status, json.loads(body)) == (500, {"message": "Internal server error"})
        assert events[-2:] == [NO_MATCH, "Method completed with status: 500"], events
