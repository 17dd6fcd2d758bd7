"""``frontgate import / export / status`` against a running node, through its admin API."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml
from tests.support.gateway import Gateway

FIXTURE = Path(__file__).parents[1] / "fixtures" / "petstore-oas30.yaml"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_DEFAULT_REGION", "AWS_REGION")}
    return subprocess.run(
        [sys.executable, "-m", "frontgate", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_import_status_export_round_trip(tmp_path: Path) -> None:
    api_file = tmp_path / "pets.yaml"
    api_file.write_text(FIXTURE.read_text().replace("UPSTREAM", "http://127.0.0.1:9"))
    with Gateway(tmp_path / "data") as gw:
        admin = f"http://127.0.0.1:{gw.admin_port}"
        out = _cli("import", str(api_file), "--stage", "prod", "--admin-url", admin)
        assert out.returncode == 0, out.stderr
        api_id = out.stdout.split(" as ")[1].split()[0]
        assert f"http://{api_id}.execute-api.localhost:{gw.port}/prod/" in out.stdout
        status = _cli("status", "--admin-url", admin)
        assert status.returncode == 0, status.stderr
        assert api_id in status.stdout and "prod" in status.stdout
        # The imported API serves at once through the data plane.
        assert gw.request("GET", "/prod/pets/mine", api_id=api_id)[0] == 200
        exported = _cli("export", api_id, "--stage", "prod", "--admin-url", admin)
        assert exported.returncode == 0, exported.stderr
        doc = yaml.safe_load(exported.stdout)
        assert "/pets/{petId}" in doc["paths"]
        assert doc["paths"]["/pets"]["get"]["x-amazon-apigateway-integration"]["type"] == (
            "http_proxy"
        )


def test_cli_reports_unreachable_node() -> None:
    out = _cli("status", "--admin-url", "http://127.0.0.1:9")
    assert out.returncode == 1
    assert "frontgate:" in out.stderr


def test_cli_uses_the_nodes_region(tmp_path: Path) -> None:
    api_file = tmp_path / "pets.yaml"
    api_file.write_text(FIXTURE.read_text().replace("UPSTREAM", "http://127.0.0.1:9"))
    with Gateway(tmp_path / "data", "--region", "eu-west-1") as gw:
        admin = f"http://127.0.0.1:{gw.admin_port}"
        out = _cli("import", str(api_file), "--admin-url", admin)
        assert out.returncode == 0, out.stderr
        status = _cli("status", "--admin-url", admin)
        assert status.returncode == 0 and "region eu-west-1" in status.stdout, status
        # A region the node does not serve is refused, not created.
        other = _cli("status", "--admin-url", admin, "--region", "us-west-1")
        assert other.returncode == 1
        assert "Credential should be scoped to a valid region" in other.stderr


def test_status_lists_http_and_websocket_apis(tmp_path: Path) -> None:
    with Gateway(tmp_path / "data") as gw:
        v2 = gw.admin_client("apigatewayv2")
        http_id = v2.create_api(Name="orders", ProtocolType="HTTP", Target="https://example.com")[
            "ApiId"
        ]  # quick create: a $default stage, auto-deployed
        ws_id = v2.create_api(
            Name="chat", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action"
        )["ApiId"]
        integ = v2.create_integration(ApiId=ws_id, IntegrationType="MOCK")["IntegrationId"]
        v2.create_route(ApiId=ws_id, RouteKey="$default", Target=f"integrations/{integ}")
        v2.create_stage(ApiId=ws_id, StageName="prod")
        v2.create_deployment(ApiId=ws_id, StageName="prod")
        v2.create_stage(ApiId=ws_id, StageName="later")  # never deployed
        status = _cli("status", "--admin-url", f"http://127.0.0.1:{gw.admin_port}")
    assert status.returncode == 0, status.stderr
    lines = status.stdout.splitlines()
    host = f"execute-api.localhost:{gw.port}"

    def line(api_id: str, stage: str) -> str:
        [found] = [x for x in lines if x.startswith(api_id) and f" {stage} " in x]
        return found

    assert "HTTP" in line(http_id, "$default")
    assert line(http_id, "$default").endswith(f"http://{http_id}.{host}/")
    assert "WEBSOCKET" in line(ws_id, "prod")
    assert line(ws_id, "prod").endswith(f"ws://{ws_id}.{host}/prod")
    assert line(ws_id, "later").endswith("NOT DEPLOYED")
