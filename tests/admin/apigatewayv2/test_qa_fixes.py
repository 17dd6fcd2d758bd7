"""What a demanding user of the apigatewayv2 API found, each through boto3 against the admin
server: HTTP API access-log formats checked against AWS's HTTP API ``$context`` table; DeleteApi,
DeleteStage (and REST's DeleteRestApi) refused while an API mapping targets them; imported
authorizers held to CreateAuthorizer's checks; Lambda integrations naming their function by a
stage variable; per-route stage settings only for routes that exist; quick create's managed
integration kept; private integrations only through an existing VPC link; UpdateStage and
UpdateRoute clearing members sent empty, as AWS does."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.admin.conftest import AdminServer, make_client

from frontgate.observe.context_vars import HTTP_API_VARIABLES, lookup

LOGS = "arn:aws:logs:us-east-1:123456789012:log-group:access"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:orders"
AUTH_URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:auth/invocations"
)


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    err = exc.value.response
    return err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"], err["Error"]["Message"]


@pytest.fixture
def api(v2: Any) -> str:
    api_id = str(v2.create_api(Name="qa", ProtocolType="HTTP")["ApiId"])
    iid = v2.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=LAMBDA,
        PayloadFormatVersion="2.0",
    )["IntegrationId"]  # fmt: skip
    v2.create_route(ApiId=api_id, RouteKey="GET /orders", Target=f"integrations/{iid}")
    return api_id


# --- access-log formats ----------------------------------------------------------------------


def test_every_http_api_variable_is_one_the_data_plane_renders() -> None:
    assert "routeKey" in HTTP_API_VARIABLES and "dataProcessed" in HTTP_API_VARIABLES
    assert [name for name in sorted(HTTP_API_VARIABLES) if lookup(name) is None] == []


def test_access_log_formats_use_http_api_variables(v2: Any, api: str) -> None:
    every = " ".join(f"$context.{name}" for name in sorted(HTTP_API_VARIABLES))
    fmt = every + " $context.authorizer.claims.sub $context.authorizer.tenant"
    stage = v2.create_stage(
        ApiId=api, StageName="logs", AccessLogSettings={"DestinationArn": LOGS, "Format": fmt}
    )
    assert stage["AccessLogSettings"]["Format"] == fmt
    # $context.extendedRequestId alone is enough, as AWS says.
    v2.update_stage(
        ApiId=api,
        StageName="logs",
        AccessLogSettings={"DestinationArn": LOGS, "Format": "$context.extendedRequestId\n"},
    )
    refused = [
        # REST-only variables mean nothing to an HTTP API.
        ("$context.requestId $context.resourcePath", "[$context.resourcePath]"),
        ("$context.requestId $context.identity.apiKey", "[$context.identity.apiKey]"),
        ("$context.requestId $context.wafResponseCode", "[$context.wafResponseCode]"),
        ("$context.requestId $context.nosuch", "[$context.nosuch]"),
        ("$context.status", "must include either $context.requestId or"),
        ("$context.requestId\n$context.status", "must be single line"),
        ("$context.requestId " + "x" * 3100, "3072"),
        ("$context.requestId " + "é" * 1600, "at most 3072 bytes"),
    ]
    for fmt, message in refused:
        with pytest.raises(ClientError) as exc:
            v2.update_stage(
                ApiId=api,
                StageName="logs",
                AccessLogSettings={"DestinationArn": LOGS, "Format": fmt},
            )
        status, code, text = _error(exc)
        assert (status, code) == (400, "BadRequestException"), fmt
        assert message in text, (fmt, text)


def test_websocket_access_logs_keep_their_own_variables(v2: Any) -> None:
    ws = v2.create_api(
        Name="ws", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action"
    )["ApiId"]
    fmt = "$context.requestId $context.connectionId $context.eventType"
    stage = v2.create_stage(
        ApiId=ws, StageName="s", AccessLogSettings={"DestinationArn": LOGS, "Format": fmt}
    )
    assert stage["AccessLogSettings"]["Format"] == fmt


# --- DeleteApi and API mappings -----------------------------------------------------------------


def test_delete_api_and_stage_are_refused_while_a_mapping_targets_them(v2: Any, api: str) -> None:
    v2.create_stage(ApiId=api, StageName="$default", AutoDeploy=True)
    domain = f"{api}.qa.example.com"
    v2.create_domain_name(DomainName=domain)
    mapping = v2.create_api_mapping(
        DomainName=domain, ApiId=api, Stage="$default", ApiMappingKey="orders"
    )
    with pytest.raises(ClientError) as exc:
        v2.delete_stage(ApiId=api, StageName="$default")
    assert _error(exc) == (
        400,
        "BadRequestException",
        "Deleting stage $default failed. Please remove all base path mappings related to the "
        f"stage in your domains: {domain}",
    )
    v2.create_stage(ApiId=api, StageName="unmapped")
    v2.delete_stage(ApiId=api, StageName="unmapped")  # a stage no mapping names goes
    with pytest.raises(ClientError) as exc:
        v2.delete_api(ApiId=api)
    assert _error(exc) == (
        400,
        "BadRequestException",
        f"Deleting API {api} failed. Please remove all API mappings for the API from your "
        "custom domain names.",
    )
    assert v2.get_api(ApiId=api)["ApiId"] == api  # nothing went
    assert v2.get_stage(ApiId=api, StageName="$default")["StageName"] == "$default"
    assert len(v2.get_api_mappings(DomainName=domain)["Items"]) == 1
    v2.delete_api_mapping(DomainName=domain, ApiMappingId=mapping["ApiMappingId"])
    v2.delete_api(ApiId=api)
    with pytest.raises(v2.exceptions.NotFoundException):
        v2.get_api(ApiId=api)


def test_delete_rest_api_is_refused_while_a_mapping_targets_it(admin: AdminServer, v2: Any) -> None:
    """The same record seen as a REST base path mapping: DeleteRestApi refuses too, as AWS."""
    rest = make_client(admin.url)
    api = rest.create_rest_api(name="mapped")["id"]
    domain = f"{api}.rest.example.com"
    rest.create_domain_name(
        domainName=domain,
        regionalCertificateArn="arn:aws:acm:us-east-1:123456789012:certificate/abc",
        endpointConfiguration={"types": ["REGIONAL"]},
    )
    rest.create_base_path_mapping(domainName=domain, restApiId=api, basePath="v1")
    with pytest.raises(ClientError) as exc:
        rest.delete_rest_api(restApiId=api)
    assert _error(exc) == (
        400,
        "BadRequestException",
        f"Deleting RestApi {api} failed. Please remove all base path mappings related to the "
        f"RestApi in your domains: {domain}",
    )
    assert v2.get_api_mappings(DomainName=domain)["Items"][0]["ApiId"] == api
    rest.delete_base_path_mapping(domainName=domain, basePath="v1")
    rest.delete_rest_api(restApiId=api)


# --- imported authorizers ---------------------------------------------------------------------


def _secured(ext: dict[str, Any]) -> str:
    return json.dumps(
        {
            "openapi": "3.0.1",
            "info": {"title": "secured", "version": "1"},
            "paths": {
                "/orders": {
                    "get": {
                        "security": [{"auth": []}],
                        "x-amazon-apigateway-integration": {
                            "type": "aws_proxy",
                            "httpMethod": "POST",
                            "uri": LAMBDA,
                            "payloadFormatVersion": "2.0",
                        },
                    }
                }
            },
            "components": {
                "securitySchemes": {
                    "auth": {
                        "type": "apiKey",
                        "name": "Authorization",
                        "in": "header",
                        "x-amazon-apigateway-authorizer": ext,
                    }
                }
            },
        }
    )


_REQUEST = {
    "type": "request",
    "authorizerUri": AUTH_URI,
    "authorizerPayloadFormatVersion": "2.0",
    "identitySource": "$request.header.Authorization",
}


@pytest.mark.parametrize(
    ("ext", "message"),
    [
        ({**_REQUEST, "authorizerUri": LAMBDA}, "Invalid Authorizer URI specified"),
        ({**_REQUEST, "authorizerUri": "https://example.com/auth"}, "Invalid Authorizer URI"),
        (
            {**_REQUEST, "authorizerCredentials": "arn:aws:s3:::bucket"},
            "Invalid authorizer credentials ARN specified",
        ),
        ({**_REQUEST, "identitySource": "$request.body.token"}, "Invalid identity source"),
    ],
)
def test_imported_authorizers_meet_create_authorizer_checks(
    v2: Any, ext: dict[str, Any], message: str
) -> None:
    before = {a["Name"] for a in v2.get_apis()["Items"]}
    with pytest.raises(ClientError) as exc:
        v2.import_api(Body=_secured(ext))
    status, code, text = _error(exc)
    assert (status, code) == (400, "BadRequestException")
    assert text.startswith("Errors found during import:\n\tcomponents.securitySchemes.auth: ")
    assert message in text
    assert {a["Name"] for a in v2.get_apis()["Items"]} == before  # nothing created
    # ReimportApi holds them to the same checks, and leaves the API as it was.
    api_id = v2.import_api(Body=_secured(_REQUEST))["ApiId"]
    with pytest.raises(ClientError) as exc:
        v2.reimport_api(ApiId=api_id, Body=_secured(ext))
    assert message in _error(exc)[2]
    assert v2.get_authorizers(ApiId=api_id)["Items"][0]["AuthorizerUri"] == AUTH_URI
    v2.delete_api(ApiId=api_id)


def test_a_valid_imported_authorizer_still_imports(v2: Any) -> None:
    out = v2.import_api(Body=_secured(_REQUEST))
    (auth,) = v2.get_authorizers(ApiId=out["ApiId"])["Items"]
    assert auth["AuthorizerType"] == "REQUEST"
    assert auth["IdentitySource"] == ["$request.header.Authorization"]


# --- integrations naming their function by a stage variable ------------------------------------


def test_lambda_function_named_by_a_stage_variable(v2: Any, api: str) -> None:
    for uri in (
        "arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}",
        "arn:aws:lambda:us-east-1:123456789012:function:orders-${stageVariables.env}",
        "arn:aws:lambda:us-east-1:123456789012:function:orders:${stageVariables.alias}",
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}/invocations",
    ):
        out = v2.create_integration(
            ApiId=api, IntegrationType="AWS_PROXY", IntegrationUri=uri, PayloadFormatVersion="2.0"
        )
        assert out["IntegrationUri"] == uri
    iid = out["IntegrationId"]
    assert (
        v2.update_integration(ApiId=api, IntegrationId=iid, IntegrationUri=LAMBDA)["IntegrationUri"]
        == LAMBDA
    )
    # Still a Lambda ARN around the variable: anything else is refused as before.
    for uri in ("${stageVariables.fn}", "arn:aws:s3:::${stageVariables.bucket}"):
        with pytest.raises(ClientError) as exc:
            v2.create_integration(
                ApiId=api, IntegrationType="AWS_PROXY", IntegrationUri=uri,
                PayloadFormatVersion="2.0",
            )  # fmt: skip
        assert _error(exc)[:2] == (400, "BadRequestException")


# --- per-route settings -----------------------------------------------------------------------


def test_route_settings_name_existing_routes(v2: Any, api: str) -> None:
    message = "Unable to find Route by key GET /nowhere within the provided RouteSettings"
    with pytest.raises(ClientError) as exc:
        v2.create_stage(
            ApiId=api, StageName="rs", RouteSettings={"GET /nowhere": {"ThrottlingBurstLimit": 1}}
        )
    assert _error(exc) == (404, "NotFoundException", message)
    v2.create_stage(
        ApiId=api, StageName="rs", RouteSettings={"GET /orders": {"ThrottlingBurstLimit": 1}}
    )
    with pytest.raises(ClientError) as exc:
        v2.update_stage(
            ApiId=api, StageName="rs", RouteSettings={"GET /nowhere": {"ThrottlingBurstLimit": 1}}
        )
    assert _error(exc) == (404, "NotFoundException", message)
    stage = v2.get_stage(ApiId=api, StageName="rs")
    assert (
        stage["RouteSettings"]
        == {"GET /orders": {"DetailedMetricsEnabled": False, "ThrottlingBurstLimit": 1}}
        or stage["RouteSettings"]["GET /orders"]["ThrottlingBurstLimit"] == 1
    )


# --- quick create's managed integration -------------------------------------------------------


def test_the_managed_integration_is_updated_not_deleted(v2: Any) -> None:
    api = v2.create_api(Name="quick", ProtocolType="HTTP", Target=LAMBDA)["ApiId"]
    (route,) = v2.get_routes(ApiId=api)["Items"]
    (integration,) = v2.get_integrations(ApiId=api)["Items"]
    assert integration["ApiGatewayManaged"] is True
    v2.delete_route(ApiId=api, RouteId=route["RouteId"])  # no route targets it any more
    with pytest.raises(ClientError) as exc:
        v2.delete_integration(ApiId=api, IntegrationId=integration["IntegrationId"])
    status, code, text = _error(exc)
    assert (status, code) == (400, "BadRequestException")
    assert "managed by API Gateway" in text
    updated = v2.update_integration(
        ApiId=api, IntegrationId=integration["IntegrationId"], TimeoutInMillis=5000
    )
    assert updated["TimeoutInMillis"] == 5000
    v2.delete_api(ApiId=api)  # the API takes it along


# --- private integrations --------------------------------------------------------------------


def test_private_integrations_name_an_existing_vpc_link(v2: Any, api: str) -> None:
    listener = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/my/abc/def"
    private = {
        "ApiId": api, "IntegrationType": "HTTP_PROXY", "ConnectionType": "VPC_LINK",
        "IntegrationUri": listener, "IntegrationMethod": "GET",
    }  # fmt: skip
    with pytest.raises(ClientError) as exc:
        v2.create_integration(ConnectionId="nolink1", **private)
    assert _error(exc) == (
        400,
        "BadRequestException",
        "Invalid connectionId 'nolink1': Invalid VpcLink identifier specified nolink1",
    )
    link = v2.create_vpc_link(Name="qa", SubnetIds=["subnet-1"])["VpcLinkId"]
    iid = v2.create_integration(ConnectionId=link, **private)["IntegrationId"]
    with pytest.raises(ClientError) as exc:
        v2.update_integration(ApiId=api, IntegrationId=iid, ConnectionId="nolink2")
    assert _error(exc)[:2] == (400, "BadRequestException")
    v2.delete_integration(ApiId=api, IntegrationId=iid)
    v2.delete_vpc_link(VpcLinkId=link)


# --- clearing members with UpdateStage and UpdateRoute ----------------------------------------


def test_update_stage_removes_a_variable_sent_empty_and_ignores_empty_log_settings(
    v2: Any, api: str
) -> None:
    v2.create_stage(
        ApiId=api, StageName="vars", StageVariables={"a": "1", "b": "2"},
        AccessLogSettings={"DestinationArn": LOGS, "Format": "$context.requestId"},
    )  # fmt: skip
    out = v2.update_stage(ApiId=api, StageName="vars", StageVariables={"a": "", "c": "3"})
    assert out["StageVariables"] == {"b": "2", "c": "3"}
    out = v2.update_stage(ApiId=api, StageName="vars", AccessLogSettings={})
    assert out["AccessLogSettings"] == {"DestinationArn": LOGS, "Format": "$context.requestId"}
    v2.delete_access_log_settings(ApiId=api, StageName="vars")
    out = v2.update_stage(ApiId=api, StageName="vars", AccessLogSettings={})
    assert "AccessLogSettings" not in out
    assert "AccessLogSettings" not in v2.get_stage(ApiId=api, StageName="vars")


def test_update_route_clears_members_sent_empty(v2: Any, api: str) -> None:
    auth = v2.create_authorizer(
        ApiId=api, AuthorizerType="JWT", Name="jwt",
        IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={"Audience": ["a"], "Issuer": "https://issuer.example.com"},
    )["AuthorizerId"]  # fmt: skip
    route = v2.create_route(
        ApiId=api, RouteKey="GET /secret", AuthorizationType="JWT", AuthorizerId=auth,
        AuthorizationScopes=["read"], OperationName="getSecret",
    )["RouteId"]  # fmt: skip
    out = v2.update_route(
        ApiId=api, RouteId=route, AuthorizationType="NONE", AuthorizerId="",
        AuthorizationScopes=[], OperationName="",
    )  # fmt: skip
    assert out["AuthorizationType"] == "NONE"
    for member in ("AuthorizerId", "AuthorizationScopes", "OperationName"):
        assert member not in out, member
    v2.delete_authorizer(ApiId=api, AuthorizerId=auth)  # no route uses it any more
