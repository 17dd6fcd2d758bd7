"""apigatewayv2 writes of WebSocket APIs as a demanding user drives them (boto3 and the AWS CLI):
route response and integration response writes move ``autoDeploy`` stages; integration response
keys that are no regular expression are refused when written; deployments refuse integrations
that cannot be called (no URI, no Lambda function, no URL) and APIs without routes; route
selection expressions of several variables and the static ``\\$default`` are accepted."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.admin.apigatewayv2.conftest import aws_v2
from tests.admin.conftest import AdminServer

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:chat"


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    err = exc.value.response
    return err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"], err["Error"]["Message"]


def _ws(v2: Any, rse: str = "$request.body.action") -> str:
    return str(
        v2.create_api(Name="ws", ProtocolType="WEBSOCKET", RouteSelectionExpression=rse)["ApiId"]
    )


def _mock_route(v2: Any, api_id: str, key: str = "$default") -> tuple[str, str]:
    integ = v2.create_integration(
        ApiId=api_id,
        IntegrationType="MOCK",
        RequestTemplates={"$default": '{"statusCode": 200}'},
        TemplateSelectionExpression="\\$default",
    )["IntegrationId"]
    route = v2.create_route(ApiId=api_id, RouteKey=key, Target=f"integrations/{integ}")
    return str(integ), str(route["RouteId"])


def _deployment(v2: Any, api_id: str) -> str:
    return str(v2.get_stage(ApiId=api_id, StageName="live")["DeploymentId"])


def test_response_writes_move_auto_deploy_stages(v2: Any) -> None:
    api_id = _ws(v2)
    integ, route = _mock_route(v2, api_id)
    v2.create_stage(ApiId=api_id, StageName="live", AutoDeploy=True)
    seen = [_deployment(v2, api_id)]

    def moved() -> None:
        now = _deployment(v2, api_id)
        assert now not in seen
        seen.append(now)

    ir = v2.create_integration_response(
        ApiId=api_id, IntegrationId=integ, IntegrationResponseKey="$default",
        ResponseTemplates={"$default": '"hi"'},
    )["IntegrationResponseId"]  # fmt: skip
    moved()
    v2.update_integration_response(
        ApiId=api_id, IntegrationId=integ, IntegrationResponseId=ir,
        ResponseTemplates={"$default": '"hello"'},
    )  # fmt: skip
    moved()
    rr = v2.create_route_response(ApiId=api_id, RouteId=route, RouteResponseKey="$default")
    moved()
    v2.update_route_response(
        ApiId=api_id, RouteId=route, RouteResponseId=rr["RouteResponseId"],
        ModelSelectionExpression="$request.body.action",
    )  # fmt: skip
    moved()
    v2.delete_route_response(ApiId=api_id, RouteId=route, RouteResponseId=rr["RouteResponseId"])
    moved()
    v2.delete_integration_response(ApiId=api_id, IntegrationId=integ, IntegrationResponseId=ir)
    moved()
    assert v2.get_deployment(ApiId=api_id, DeploymentId=seen[-1])["AutoDeployed"] is True


def test_integration_response_key_must_be_a_regular_expression(admin: AdminServer, v2: Any) -> None:
    api_id = _ws(v2)
    integ, _ = _mock_route(v2, api_id)
    with pytest.raises(ClientError) as exc:
        v2.create_integration_response(
            ApiId=api_id, IntegrationId=integ, IntegrationResponseKey="/5\\d(/"
        )
    status, code, message = _error(exc)
    assert (status, code) == (400, "BadRequestException")
    assert "/5\\d(/" in message and "not a valid regular expression" in message
    ok = v2.create_integration_response(
        ApiId=api_id, IntegrationId=integ, IntegrationResponseKey="/4\\d{2}|5\\d\\d/"
    )
    with pytest.raises(ClientError) as exc:
        v2.update_integration_response(
            ApiId=api_id, IntegrationId=integ,
            IntegrationResponseId=ok["IntegrationResponseId"], IntegrationResponseKey="/[a-/",
        )  # fmt: skip
    assert _error(exc)[0] == 400
    # The AWS CLI sees the same refusal.
    out = aws_v2(admin.url, "create-integration-response", "--api-id", api_id,
                 "--integration-id", integ, "--integration-response-key", "/(/")  # fmt: skip
    assert out.returncode != 0 and "BadRequestException" in out.stderr


@pytest.mark.parametrize(
    ("kind", "uri", "method", "message"),
    [
        ("AWS_PROXY", None, None, "Integration URI must be specified for integration type "
         "AWS_PROXY"),
        ("AWS", None, None, "Integration URI must be specified for integration type AWS"),
        ("HTTP_PROXY", None, "POST", "Integration URI must be specified for integration type "
         "HTTP_PROXY"),
        ("HTTP", None, "POST", "Integration URI must be specified for integration type HTTP"),
        ("AWS", "arn:aws:apigateway:us-east-1:sqs:path/123456789012/q", None,
         "AWS integrations of WebSocket APIs invoke a Lambda function"),
    ],
)  # fmt: skip
def test_deployment_refuses_integrations_that_cannot_be_called(
    v2: Any, kind: str, uri: str | None, method: str | None, message: str
) -> None:
    api_id = _ws(v2)
    fields = {"IntegrationUri": uri} if uri else {}
    if method:
        fields["IntegrationMethod"] = method
    integ = v2.create_integration(ApiId=api_id, IntegrationType=kind, **fields)["IntegrationId"]
    v2.create_route(ApiId=api_id, RouteKey="$default", Target=f"integrations/{integ}")
    v2.create_stage(ApiId=api_id, StageName="dev")
    with pytest.raises(ClientError) as exc:
        v2.create_deployment(ApiId=api_id, StageName="dev")
    status, code, text = _error(exc)
    assert (status, code) == (400, "BadRequestException")
    assert text.startswith(f"Integration {integ}: ") and message in text, text
    # An autoDeploy stage stays where it was and says why.
    v2.create_stage(ApiId=api_id, StageName="auto", AutoDeploy=True)
    stage = v2.get_stage(ApiId=api_id, StageName="auto")
    assert "DeploymentId" not in stage
    assert message in stage["LastDeploymentStatusMessage"]
    # Given a callable URI, it deploys.
    good = LAMBDA if kind.startswith("AWS") else "https://example.com/chat"
    v2.update_integration(ApiId=api_id, IntegrationId=integ, IntegrationUri=good)
    assert v2.create_deployment(ApiId=api_id, StageName="dev")["DeploymentStatus"] == "DEPLOYED"


def test_integration_uris_are_checked_when_given(v2: Any) -> None:
    api_id = _ws(v2)
    with pytest.raises(ClientError) as exc:
        v2.create_integration(
            ApiId=api_id, IntegrationType="HTTP", IntegrationUri="ftp://x", IntegrationMethod="GET"
        )
    assert _error(exc) == (400, "BadRequestException", "Invalid HTTP endpoint specified for URI")
    with pytest.raises(ClientError) as exc:
        v2.create_integration(
            ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri="arn:aws:sqs:us-east-1:1:q"
        )
    assert _error(exc)[0] == 400
    # Stage variables may stand for the host or the function.
    v2.create_integration(
        ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationMethod="POST",
        IntegrationUri="http://${stageVariables.host}/chat",
    )  # fmt: skip
    v2.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY",
        IntegrationUri="arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}",
    )  # fmt: skip


def test_deployment_needs_a_route(v2: Any) -> None:
    api_id = _ws(v2)
    v2.create_stage(ApiId=api_id, StageName="dev")
    with pytest.raises(ClientError) as exc:
        v2.create_deployment(ApiId=api_id, StageName="dev")
    assert _error(exc) == (
        400,
        "BadRequestException",
        "At least one route is required before deploying the Api",
    )


@pytest.mark.parametrize(
    "rse",
    [
        "$request.body.action",
        "${request.body.action}",
        "${request.body.service}/${request.body.action}",
        "$request.body.data.kind",
        "\\$default",
        "$default",
    ],
)
def test_route_selection_expressions_accepted(v2: Any, rse: str) -> None:
    api_id = _ws(v2, rse)
    assert v2.get_api(ApiId=api_id)["RouteSelectionExpression"] == rse


@pytest.mark.parametrize("rse", ["$request.header.x", "action", "${context.connectionId}"])
def test_route_selection_expressions_refused(v2: Any, rse: str) -> None:
    with pytest.raises(ClientError) as exc:
        _ws(v2, rse)
    assert _error(exc)[:2] == (400, "BadRequestException")


def test_authorization_only_on_connect(v2: Any) -> None:
    api_id = _ws(v2)
    with pytest.raises(ClientError) as exc:
        v2.create_route(ApiId=api_id, RouteKey="sendmessage", AuthorizationType="AWS_IAM")
    assert _error(exc) == (
        400,
        "BadRequestException",
        "Currently, authorization is restricted to the $connect route only",
    )
    with pytest.raises(ClientError) as exc:
        v2.create_route(ApiId=api_id, RouteKey="$connect", AuthorizationType="JWT")
    assert _error(exc)[:2] == (400, "BadRequestException")
    connect = v2.create_route(ApiId=api_id, RouteKey="$connect", AuthorizationType="AWS_IAM")
    # Renaming the route away from $connect keeps the check.
    with pytest.raises(ClientError) as exc:
        v2.update_route(ApiId=api_id, RouteId=connect["RouteId"], RouteKey="other")
    assert _error(exc)[0] == 400


@pytest.mark.parametrize(
    ("key", "hint"), [("\\$default", "(did you mean $default?)"), ("$custom", "reserved")]
)
def test_dollar_prefix_is_reserved_for_predefined_route_keys(v2: Any, key: str, hint: str) -> None:
    api_id = _ws(v2)
    with pytest.raises(ClientError) as exc:
        v2.create_route(ApiId=api_id, RouteKey=key)
    status, code, message = _error(exc)
    assert (status, code) == (400, "BadRequestException") and hint in message
    for predefined in ("$connect", "$disconnect", "$default", "send$money"):
        v2.create_route(ApiId=api_id, RouteKey=predefined)
