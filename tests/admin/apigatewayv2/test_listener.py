"""The apigatewayv2 API as ``frontgate serve`` mounts it on the admin listener: the tutorial's
quick create answers with this node's data-plane endpoint, and the write settles (the node
keeps serving and reports its status)."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import boto3
from tests.support.gateway import Gateway

LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:getOrders"


def test_served_on_the_admin_listener(tmp_path: Path) -> None:
    with Gateway(tmp_path) as gw:
        admin = f"http://127.0.0.1:{gw.admin_port}"
        v2 = boto3.client(
            "apigatewayv2",
            endpoint_url=admin,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        with urllib.request.urlopen(admin + "/_frontgate/status", timeout=10) as resp:
            status = json.loads(resp.read())
        api = v2.create_api(
            Name="orders-api", ProtocolType="HTTP", Target=LAMBDA_ARN, RouteKey="GET /orders"
        )
        assert api["ApiEndpoint"] == (
            f"http://{api['ApiId']}.execute-api.{status['domain']}:{status['dataPlanePort']}"
        )
        assert v2.get_stages(ApiId=api["ApiId"])["Items"][0]["StageName"] == "$default"
        # The REST API beside it still answers, and the node is still up after the write.
        rest = gw.admin_client()
        assert rest.get_rest_apis()["items"] is not None
        with urllib.request.urlopen(admin + "/_frontgate/status", timeout=10) as resp:
            assert json.loads(resp.read())["generation"] >= status["generation"]
