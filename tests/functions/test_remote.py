"""Remote functions: a function ARN that is not local is invoked with a SigV4-signed Invoke on
the configured Lambda endpoint — here a second Frontgate node that checks the signature."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.functions.conftest import ROLE, client, make_zip, proxy_api
from tests.support.gateway import Gateway

HANDLER = """
def handler(event, context):
    return {"statusCode": 200, "body": "remote " + context.function_name + " " + event["path"]}
"""


def test_remote_function_on_second_node(tmp_path: Path) -> None:
    keys = {"AWS_ACCESS_KEY_ID": "AKIDREMOTE", "AWS_SECRET_ACCESS_KEY": "remote-secret"}
    env_b = {"FRONTGATE_ADMIN_ACCESS_KEYS": "AKIDREMOTE:remote-secret"}
    with Gateway(tmp_path / "b", env=env_b) as node_b:
        lam_b = client("lambda", node_b.admin_port, "AKIDREMOTE", "remote-secret")
        arn = lam_b.create_function(
            FunctionName="far",
            Runtime="python3.11",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": make_zip({"app.py": HANDLER})},
        )["FunctionArn"]
        endpoint = f"http://127.0.0.1:{node_b.admin_port}"
        with Gateway(tmp_path / "a", "--lambda-endpoint", endpoint, env=keys) as node_a:
            api = proxy_api(client("apigateway", node_a.admin_port), arn, gw=node_a)
            status, _, body = node_a.request("GET", "/dev/hello", api_id=api)
            assert (status, body) == (200, b"remote far /hello")
            # The function lives on node B only.
            lam_a = client("lambda", node_a.admin_port)
            with pytest.raises(lam_a.exceptions.ResourceNotFoundException):
                lam_a.get_function(FunctionName="far")
        # Wrong credentials: node B refuses the signature, node A answers API Gateway's 500.
        bad = {"AWS_ACCESS_KEY_ID": "AKIDREMOTE", "AWS_SECRET_ACCESS_KEY": "wrong"}
        with Gateway(tmp_path / "c", "--lambda-endpoint", endpoint, env=bad) as node_c:
            api = proxy_api(client("apigateway", node_c.admin_port), arn, gw=node_c)
            status, _, body = node_c.request("GET", "/dev/hello", api_id=api)
            assert status == 500 and json.loads(body) == {"message": "Internal server error"}


def test_functions_declared_in_a_directory(tmp_path: Path) -> None:
    fn = tmp_path / "handlers" / "greet"
    fn.mkdir(parents=True)
    (fn / "app.py").write_text(HANDLER)
    (fn / "function.json").write_text(json.dumps({"Permissions": ["arn:aws:execute-api:*"]}))
    with Gateway(tmp_path / "d", "--functions-dir", str(tmp_path / "handlers")) as gw:
        lam = client("lambda", gw.admin_port)
        arn = lam.get_function(FunctionName="greet")["Configuration"]["FunctionArn"]
        api = proxy_api(client("apigateway", gw.admin_port), arn, gw=gw)
        status, _, body = gw.request("GET", "/dev/hello", api_id=api)
        assert (status, body) == (200, b"remote greet /hello")
