"""The management API's seed flow, driven by boto3 against a real gateway's admin listener:
REST API, resource, key-required method with a MOCK integration, deployment, usage plan with
throttle and quota, API key, usage plan key."""

from __future__ import annotations

import json
import sqlite3
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

from tests.support.gateway import Gateway


@dataclass
class Seeded:
    client: Any
    api_id: str
    plan_id: str
    key_id: str
    key_value: str


def seed(
    gw: Gateway,
    *,
    rate: float,
    burst: int,
    quota: int | None = None,
    period: str = "DAY",
) -> Seeded:
    c = gw.admin_client()
    api_id = c.create_rest_api(name="traffic")["id"]
    root = c.get_resources(restApiId=api_id)["items"][0]["id"]
    res = c.create_resource(restApiId=api_id, parentId=root, pathPart="pets")["id"]
    c.put_method(restApiId=api_id, resourceId=res, httpMethod="GET",
                 authorizationType="NONE", apiKeyRequired=True)  # fmt: skip
    c.put_integration(restApiId=api_id, resourceId=res, httpMethod="GET", type="MOCK",
                      requestTemplates={"application/json": '{"statusCode": 200}'})  # fmt: skip
    c.put_method_response(
        restApiId=api_id,
        resourceId=res,
        httpMethod="GET",
        statusCode="200",
        responseParameters={"method.response.header.X-Key-Id": False},
    )
    c.put_integration_response(
        restApiId=api_id, resourceId=res, httpMethod="GET", statusCode="200",
        responseTemplates={"application/json": '{"ok": true}'},
        responseParameters={"method.response.header.X-Key-Id": "context.identity.apiKeyId"},
    )  # fmt: skip
    c.create_deployment(restApiId=api_id, stageName="dev")
    plan_args: dict[str, Any] = {"throttle": {"burstLimit": burst, "rateLimit": rate}}
    if quota is not None:
        plan_args["quota"] = {"limit": quota, "period": period}
    plan_id = c.create_usage_plan(name="plan", **plan_args)["id"]
    c.update_usage_plan(usagePlanId=plan_id, patchOperations=[
        {"op": "add", "path": "/apiStages", "value": f"{api_id}:dev"}])  # fmt: skip
    key = c.create_api_key(name="k", enabled=True)
    c.create_usage_plan_key(usagePlanId=plan_id, keyId=key["id"], keyType="API_KEY")
    return Seeded(c, api_id, plan_id, key["id"], key["value"])


def wait_for_status(gw: Gateway, s: Seeded, status: int, headers: dict[str, str],
                    timeout: float = 10.0) -> None:  # fmt: skip
    """Admin writes reach every worker within a reload interval: poll until they have."""
    deadline = time.monotonic() + timeout
    got = 0
    while time.monotonic() < deadline:
        got, _, _ = gw.request("GET", "/dev/pets", headers=headers, api_id=s.api_id)
        if got == status:
            return
        time.sleep(0.05)
    raise AssertionError(f"still {got}, expected {status}")


def caught_up(gw: Gateway, timeout: float = 30.0) -> None:
    """Wait until ``gw`` serves the snapshot of the store's latest generation (its admin status
    answers from the one worker of a ``--workers 1`` node), instead of sleeping and hoping."""
    with sqlite3.connect(gw.data_dir / "frontgate.db") as db:
        (want,) = db.execute("SELECT value FROM meta WHERE name = 'generation'").fetchone()
    url = f"http://127.0.0.1:{gw.admin_port}/_frontgate/status"
    deadline = time.monotonic() + timeout
    while True:
        with urllib.request.urlopen(url, timeout=10) as r:
            if int(json.load(r)["generation"]) >= int(want):
                return
        assert time.monotonic() < deadline, f"generation {want} not served"
        time.sleep(0.02)
