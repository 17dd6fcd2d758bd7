"""Stages and deployments through boto3, UpdateApi and DeleteApi: AWS's checks and shapes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.admin.apigatewayv2.conftest import BothServer, make_v2_client
from tests.admin.conftest import AdminServer

LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:getOrders"
LOGS = "arn:aws:logs:us-east-1:123456789012:log-group:access"


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    err = exc.value.response
    return err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"], err["Error"]["Message"]


@pytest.fixture
def api(v2: Any) -> str:
    api_id = str(v2.create_api(Name="stages", ProtocolType="HTTP")["ApiId"])
    iid = v2.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=LAMBDA_ARN,
        PayloadFormatVersion="2.0",
    )["IntegrationId"]  # fmt: skip
    v2.create_route(ApiId=api_id, RouteKey="GET /orders", Target=f"integrations/{iid}")
    return api_id


def test_stage_crud(v2: Any, api: str) -> None:
    deployment = v2.create_deployment(ApiId=api, Description="first")
    assert deployment["DeploymentStatus"] == "DEPLOYED"
    assert deployment["AutoDeployed"] is False
    stage = v2.create_stage(
        ApiId=api,
        StageName="prod",
        DeploymentId=deployment["DeploymentId"],
        StageVariables={"v": "1"},
        DefaultRouteSettings={"ThrottlingBurstLimit": 10, "ThrottlingRateLimit": 5.5},
        RouteSettings={"GET /orders": {"ThrottlingBurstLimit": 1, "DetailedMetricsEnabled": True}},
        AccessLogSettings={"DestinationArn": LOGS, "Format": '{"id":"$context.requestId"}'},
        Tags={"t": "1"},
    )
    assert stage["AutoDeploy"] is False
    assert stage["DeploymentId"] == deployment["DeploymentId"]
    assert stage["DefaultRouteSettings"] == {
        "DetailedMetricsEnabled": False,
        "ThrottlingBurstLimit": 10,
        "ThrottlingRateLimit": 5.5,
    }
    got = v2.get_stage(ApiId=api, StageName="prod")
    assert got["StageVariables"] == {"v": "1"}
    assert got["RouteSettings"]["GET /orders"]["DetailedMetricsEnabled"] is True
    assert got["AccessLogSettings"]["DestinationArn"] == LOGS
    assert got["Tags"] == {"t": "1"}
    updated = v2.update_stage(
        ApiId=api,
        StageName="prod",
        StageVariables={"w": "2"},
        RouteSettings={"GET /orders": {"ThrottlingRateLimit": 3.0}},
    )
    assert updated["StageVariables"] == {"v": "1", "w": "2"}
    assert updated["RouteSettings"]["GET /orders"] == {
        "DetailedMetricsEnabled": True,
        "ThrottlingBurstLimit": 1,
        "ThrottlingRateLimit": 3.0,
    }
    v2.delete_route_settings(ApiId=api, StageName="prod", RouteKey="GET /orders")
    assert v2.get_stage(ApiId=api, StageName="prod")["RouteSettings"] == {}
    with pytest.raises(ClientError) as exc:
        v2.delete_route_settings(ApiId=api, StageName="prod", RouteKey="GET /orders")
    assert _error(exc)[:2] == (404, "NotFoundException")
    v2.delete_access_log_settings(ApiId=api, StageName="prod")
    assert "AccessLogSettings" not in v2.get_stage(ApiId=api, StageName="prod")
    v2.reset_authorizers_cache(ApiId=api, StageName="prod")
    assert [s["StageName"] for s in v2.get_stages(ApiId=api)["Items"]] == ["prod"]
    # A deployment a stage points at cannot go.
    with pytest.raises(ClientError) as exc:
        v2.delete_deployment(ApiId=api, DeploymentId=deployment["DeploymentId"])
    status, code, text = _error(exc)
    assert (status, code) == (400, "BadRequestException")
    assert "Active stages pointing to this deployment" in text
    v2.delete_stage(ApiId=api, StageName="prod")
    with pytest.raises(ClientError) as exc:
        v2.get_stage(ApiId=api, StageName="prod")
    assert _error(exc) == (404, "NotFoundException", "Invalid stage identifier specified prod")
    v2.delete_deployment(ApiId=api, DeploymentId=deployment["DeploymentId"])
    with pytest.raises(ClientError) as exc:
        v2.get_deployment(ApiId=api, DeploymentId=deployment["DeploymentId"])
    assert _error(exc)[:2] == (404, "NotFoundException")


def test_stage_refusals(v2: Any, api: str) -> None:
    v2.create_stage(ApiId=api, StageName="dup")
    with pytest.raises(ClientError) as exc:
        v2.create_stage(ApiId=api, StageName="dup")
    assert _error(exc)[:2] == (409, "ConflictException")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"StageName": "bad name"}, "Invalid stage name"),
        ({"StageName": "s", "DeploymentId": "nope123"}, "Invalid Deployment identifier"),
        ({"StageName": "s", "StageVariables": {"bad-name": "x"}}, "Invalid stage variable name"),
        ({"StageName": "s", "StageVariables": {"v": "a b"}}, "Invalid stage variable value"),
        ({"StageName": "s", "DefaultRouteSettings": {"ThrottlingBurstLimit": -1}},
         "throttlingBurstLimit must be 0 or more"),
        ({"StageName": "s", "DefaultRouteSettings": {"ThrottlingRateLimit": -1.0}},
         "throttlingRateLimit must be 0 or more"),
        ({"StageName": "s", "DefaultRouteSettings": {"LoggingLevel": "INFO"}},
         "supported only for WebSocket APIs"),
        ({"StageName": "s", "RouteSettings": {"FETCH /x": {}}}, "Invalid route key"),
        ({"StageName": "s", "AccessLogSettings": {"DestinationArn": LOGS}},
         "both a destinationArn and a format"),
        ({"StageName": "s", "AccessLogSettings": {"DestinationArn": "arn:aws:s3:::b",
          "Format": "$context.requestId"}}, "Invalid destination ARN"),
        ({"StageName": "s", "AccessLogSettings": {"DestinationArn": LOGS,
          "Format": "$context.status"}}, "must include either $context.requestId"),
        ({"StageName": "s", "AccessLogSettings": {"DestinationArn": LOGS,
          "Format": "$context.requestId\n$context.status"}}, "must be single line"),
        ({"StageName": "s", "AutoDeploy": True, "DeploymentId": "x"}, "autoDeploy"),
    ]  # fmt: skip
    for kw, message in cases:
        with pytest.raises(ClientError) as exc:
            v2.create_stage(ApiId=api, **kw)
        status, code, text = _error(exc)
        assert (status, code) in ((400, "BadRequestException"), (404, "NotFoundException")), kw
        assert message in text, (kw, text)


def test_auto_deploy_stage_and_create_deployment(v2: Any, api: str) -> None:
    stage = v2.create_stage(ApiId=api, StageName="$default", AutoDeploy=True)
    assert stage["DeploymentId"]  # deployed at once
    with pytest.raises(ClientError) as exc:
        v2.create_deployment(ApiId=api, StageName="$default")
    status, code, text = _error(exc)
    assert (status, code) == (400, "BadRequestException")
    assert "autoDeploy" in text
    with pytest.raises(ClientError) as exc:
        v2.create_deployment(ApiId=api, StageName="missing")
    assert _error(exc)[:2] == (404, "NotFoundException")
    v2.create_stage(ApiId=api, StageName="manual")
    deployment = v2.create_deployment(ApiId=api, StageName="manual")
    assert v2.get_stage(ApiId=api, StageName="manual")["DeploymentId"] == deployment["DeploymentId"]
    updated = v2.update_deployment(
        ApiId=api, DeploymentId=deployment["DeploymentId"], Description="d"
    )
    assert updated["Description"] == "d"
    assert (
        v2.get_deployment(ApiId=api, DeploymentId=deployment["DeploymentId"])["Description"] == "d"
    )
    # Switching autoDeploy on deploys at once.
    moved = v2.update_stage(ApiId=api, StageName="manual", AutoDeploy=True)
    assert moved["DeploymentId"] != deployment["DeploymentId"]


def test_undeployable_definition(v2: Any, admin: AdminServer, api: str) -> None:
    """A route whose target integration is gone (written straight to the store, as only a
    bug or a hand edit could leave it) does not deploy: CreateDeployment refuses it, and an
    auto-deploy stage keeps its deployment and says why."""
    from frontgate.definition import kinds

    v2.create_stage(ApiId=api, StageName="auto", AutoDeploy=True)
    before = v2.get_stage(ApiId=api, StageName="auto")["DeploymentId"]
    (route,) = v2.get_routes(ApiId=api)["Items"]
    iid = route["Target"].split("/")[1]

    async def drop() -> None:
        async with admin.store.transaction() as tx:
            await tx.delete("us-east-1", kinds.V2_INTEGRATION, api, iid)

    admin.call(drop())
    with pytest.raises(ClientError) as exc:
        v2.create_deployment(ApiId=api)
    status, code, text = _error(exc)
    assert (status, code) == (400, "BadRequestException")
    assert "GET /orders" in text and iid in text
    v2.update_api(ApiId=api, Description="touch")  # an API write triggers auto-deploy
    stage = v2.get_stage(ApiId=api, StageName="auto")
    assert stage["DeploymentId"] == before
    assert stage["LastDeploymentStatusMessage"].startswith("Deployment failed:")


def test_update_and_delete_api(v2: Any, admin: AdminServer) -> None:
    api = v2.create_api(
        Name="orders", ProtocolType="HTTP", Target=LAMBDA_ARN, RouteKey="GET /orders"
    )
    api_id = api["ApiId"]
    updated = v2.update_api(
        ApiId=api_id,
        Name="renamed",
        Description="d",
        CorsConfiguration={"AllowOrigins": ["https://a.example"], "AllowCredentials": True},
    )
    assert updated["Name"] == "renamed"
    assert updated["CorsConfiguration"]["AllowCredentials"] is True
    v2.delete_cors_configuration(ApiId=api_id)
    assert "CorsConfiguration" not in v2.get_api(ApiId=api_id)
    # Quick-create members retarget the managed integration and re-key the managed route.
    v2.update_api(ApiId=api_id, Target="https://example.com", RouteKey="ANY /{proxy+}")
    (integration,) = v2.get_integrations(ApiId=api_id)["Items"]
    assert integration["IntegrationType"] == "HTTP_PROXY"
    (route,) = v2.get_routes(ApiId=api_id)["Items"]
    assert route["RouteKey"] == "ANY /{proxy+}"
    with pytest.raises(ClientError) as exc:
        v2.update_route(ApiId=api_id, RouteId=route["RouteId"], RouteKey="GET /x")
    assert "managed by API Gateway" in _error(exc)[2]
    with pytest.raises(ClientError) as exc:
        v2.update_api(ApiId=api_id, RouteSelectionExpression="$request.body.x")
    assert _error(exc)[:2] == (400, "BadRequestException")
    v2.delete_api(ApiId=api_id)
    with pytest.raises(ClientError) as exc:
        v2.get_api(ApiId=api_id)
    assert _error(exc)[:2] == (404, "NotFoundException")
    with pytest.raises(ClientError) as exc:
        v2.get_routes(ApiId=api_id)
    assert _error(exc)[:2] == (404, "NotFoundException")
    # Nothing of it is left in the store.
    from frontgate.definition import kinds

    for kind in (kinds.V2_ROUTE, kinds.V2_INTEGRATION, kinds.V2_STAGE, kinds.V2_DEPLOYMENT,
                 kinds.V2_SNAPSHOT):  # fmt: skip
        assert admin.call(admin.store.list("us-east-1", kind, api_id)) == []


def test_reset_authorizers_cache_reaches_the_flush_hook(tmp_path: Path) -> None:
    """ResetAuthorizersCache goes through the same hook as REST's FlushStageAuthorizersCache
    (the listener's records a runtime change every worker applies)."""
    flushed: list[tuple[str, str, str, str]] = []
    server = BothServer(tmp_path / "f.db", on_flush_cache=lambda *args: flushed.append(args))
    try:
        v2 = make_v2_client(server.url)
        api_id = v2.create_api(Name="f", ProtocolType="HTTP")["ApiId"]
        v2.create_stage(ApiId=api_id, StageName="dev")
        v2.reset_authorizers_cache(ApiId=api_id, StageName="dev")
        assert flushed == [("us-east-1", api_id, "dev", "authorizers")]
        with pytest.raises(ClientError) as exc:
            v2.reset_authorizers_cache(ApiId=api_id, StageName="nope")
        assert _error(exc)[:2] == (404, "NotFoundException")
    finally:
        server.stop()


def test_stage_quota(admin: AdminServer) -> None:
    from botocore.config import Config

    # One attempt: SDKs retry a 429 (TooManyRequestsException) with back-off.
    v2 = make_v2_client(admin.url, config=Config(retries={"total_max_attempts": 1}))
    api_id = v2.create_api(Name="quota", ProtocolType="HTTP")["ApiId"]
    for i in range(10):
        v2.create_stage(ApiId=api_id, StageName=f"s{i}")
    with pytest.raises(ClientError) as exc:
        v2.create_stage(ApiId=api_id, StageName="s10")
    status, code, text = _error(exc)
    assert (status, code) == (429, "TooManyRequestsException")
    assert "at most 10 stages" in text
