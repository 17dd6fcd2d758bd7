"""The AWS CLI (``aws apigatewayv2 …``) against the admin listener: a whole HTTP API built
command by command, and what the CLI prints for AWS's errors."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from tests.admin.apigatewayv2.conftest import BothServer, aws_v2
from tests.admin.conftest import AdminServer


@pytest.fixture(scope="module")
def admin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminServer]:
    """SQLite only: the CLI takes seconds per call, and the store is what the boto3 tests run
    on both databases."""
    server = BothServer(tmp_path_factory.mktemp("admin") / "frontgate.db")
    yield server
    server.stop()


LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:getOrders"


def test_tutorial_quick_create_with_the_cli(admin: AdminServer) -> None:
    out = aws_v2(
        admin.url,
        "create-api",
        "--name",
        "orders-api",
        "--protocol-type",
        "HTTP",
        "--target",
        LAMBDA_ARN,
        "--route-key",
        "GET /orders",
    )
    assert out.returncode == 0, out.stderr
    api = json.loads(out.stdout)
    api_id = api["ApiId"]
    port = admin.settings.data_plane_port
    domain = admin.settings.data_plane_domain
    assert api["ApiEndpoint"] == f"http://{api_id}.execute-api.{domain}:{port}"
    assert api["Name"] == "orders-api"
    assert api["ProtocolType"] == "HTTP"
    assert api["RouteSelectionExpression"] == "$request.method $request.path"
    assert api["ApiKeySelectionExpression"] == "$request.header.x-api-key"
    assert api["DisableExecuteApiEndpoint"] is False
    assert api["Tags"] == {}
    assert api["CreatedDate"].startswith("20")
    assert len(api_id) == 10
    # What quick create made: the managed integration, route and auto-deploying $default stage.
    routes = json.loads(aws_v2(admin.url, "get-routes", "--api-id", api_id).stdout)["Items"]
    assert [(r["RouteKey"], r["ApiGatewayManaged"]) for r in routes] == [("GET /orders", True)]
    integrations = json.loads(aws_v2(admin.url, "get-integrations", "--api-id", api_id).stdout)[
        "Items"
    ]
    (integration,) = integrations
    assert routes[0]["Target"] == f"integrations/{integration['IntegrationId']}"
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["IntegrationUri"] == LAMBDA_ARN
    assert integration["PayloadFormatVersion"] == "2.0"
    assert integration["TimeoutInMillis"] == 30000
    assert integration["ApiGatewayManaged"] is True
    stages = json.loads(aws_v2(admin.url, "get-stages", "--api-id", api_id).stdout)["Items"]
    (stage,) = stages
    assert stage["StageName"] == "$default"
    assert stage["AutoDeploy"] is True
    assert stage["ApiGatewayManaged"] is True
    assert stage["DeploymentId"]
    deployments = json.loads(aws_v2(admin.url, "get-deployments", "--api-id", api_id).stdout)[
        "Items"
    ]
    assert [d["DeploymentId"] for d in deployments] == [stage["DeploymentId"]]
    assert deployments[0]["AutoDeployed"] is True


def _ok(admin: AdminServer, *args: str) -> dict[str, object]:
    out = aws_v2(admin.url, *args)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout) if out.stdout.strip() else {}


def test_http_api_step_by_step(admin: AdminServer) -> None:
    api_id = str(_ok(admin, "create-api", "--name", "steps", "--protocol-type", "HTTP")["ApiId"])
    integration = _ok(
        admin, "create-integration", "--api-id", api_id, "--integration-type", "AWS_PROXY",
        "--integration-uri", LAMBDA_ARN, "--payload-format-version", "2.0",
    )  # fmt: skip
    route = _ok(
        admin, "create-route", "--api-id", api_id, "--route-key", "GET /orders/{id}",
        "--target", f"integrations/{integration['IntegrationId']}",
    )  # fmt: skip
    assert route["RouteKey"] == "GET /orders/{id}"
    stage = _ok(admin, "create-stage", "--api-id", api_id, "--stage-name", "$default",
                "--auto-deploy")  # fmt: skip
    assert stage["AutoDeploy"] is True and stage["DeploymentId"]
    _ok(admin, "update-stage", "--api-id", api_id, "--stage-name", "$default",
        "--default-route-settings", "ThrottlingBurstLimit=5,ThrottlingRateLimit=2")  # fmt: skip
    got = _ok(admin, "get-stage", "--api-id", api_id, "--stage-name", "$default")
    assert got["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 5
    listed = _ok(admin, "get-apis")
    assert api_id in [a["ApiId"] for a in listed["Items"]]  # type: ignore[attr-defined]
    _ok(admin, "delete-api", "--api-id", api_id)


def test_cli_prints_aws_errors(admin: AdminServer) -> None:
    out = aws_v2(admin.url, "get-api", "--api-id", "missing123")
    assert out.returncode != 0
    assert (
        "An error occurred (NotFoundException) when calling the GetApi operation: "
        f"Invalid API identifier specified {admin.settings.account_id}:missing123"
    ) in out.stderr
    api_id = str(_ok(admin, "create-api", "--name", "e", "--protocol-type", "HTTP")["ApiId"])
    out = aws_v2(admin.url, "create-route", "--api-id", api_id, "--route-key", "FETCH /x")
    assert "An error occurred (BadRequestException) when calling the CreateRoute operation: " \
        "Invalid route key 'FETCH /x'" in out.stderr  # fmt: skip
    out = aws_v2(admin.url, "list-portals")
    assert (
        "An error occurred (UnknownOperationException) when calling the ListPortals operation: "
        "Frontgate does not implement the apigatewayv2 operation ListPortals."
    ) in out.stderr
