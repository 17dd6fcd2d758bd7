"""apigatewayv2 authorizers through boto3 and the AWS CLI: JWT and Lambda REQUEST authorizers,
AWS's write-time checks, the per-API limit, references from routes, auto-deploy."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from tests.admin.apigatewayv2.conftest import aws_v2, make_v2_client
from tests.admin.apigatewayv2.store_docs import error, get_doc, put_doc, quick_api
from tests.admin.conftest import AdminServer

from frontgate.definition import kinds

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc123"
FN = "arn:aws:lambda:us-east-1:123456789012:function:auth"
URI = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FN}/invocations"
JWT: dict[str, Any] = {
    "AuthorizerType": "JWT",
    "Name": "jwt",
    "IdentitySource": ["$request.header.Authorization"],
    "JwtConfiguration": {"Issuer": ISSUER, "Audience": ["client-1"]},
}
REQUEST: dict[str, Any] = {
    "AuthorizerType": "REQUEST",
    "Name": "lambda",
    "IdentitySource": ["$request.header.X-Token"],
    "AuthorizerUri": URI,
    "AuthorizerPayloadFormatVersion": "2.0",
}


@pytest.fixture(scope="module")
def api_id(v2: Any) -> str:
    return str(v2.create_api(Name="auth", ProtocolType="HTTP")["ApiId"])


def _clean(v2: Any, api_id: str) -> None:
    for item in v2.get_authorizers(ApiId=api_id)["Items"]:
        v2.delete_authorizer(ApiId=api_id, AuthorizerId=item["AuthorizerId"])


def test_jwt_authorizer_lifecycle(v2: Any, api_id: str) -> None:
    created = v2.create_authorizer(ApiId=api_id, **JWT)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    auth_id = created["AuthorizerId"]
    expected = {
        "AuthorizerId": auth_id,
        "AuthorizerType": "JWT",
        "Name": "jwt",
        "IdentitySource": ["$request.header.Authorization"],
        "JwtConfiguration": {"Issuer": ISSUER, "Audience": ["client-1"]},
    }
    assert {k: v for k, v in created.items() if k != "ResponseMetadata"} == expected
    got = v2.get_authorizer(ApiId=api_id, AuthorizerId=auth_id)
    assert {k: v for k, v in got.items() if k != "ResponseMetadata"} == expected
    assert [a["AuthorizerId"] for a in v2.get_authorizers(ApiId=api_id)["Items"]] == [auth_id]
    # A partial update: the audience alone changes, the issuer stays.
    updated = v2.update_authorizer(
        ApiId=api_id,
        AuthorizerId=auth_id,
        Name="renamed",
        JwtConfiguration={"Audience": ["client-1", "client-2"]},
    )
    assert updated["Name"] == "renamed"
    assert updated["JwtConfiguration"] == {"Issuer": ISSUER, "Audience": ["client-1", "client-2"]}
    deleted = v2.delete_authorizer(ApiId=api_id, AuthorizerId=auth_id)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as exc:
        v2.get_authorizer(ApiId=api_id, AuthorizerId=auth_id)
    assert error(exc) == (
        404,
        "NotFoundException",
        f"Invalid Authorizer identifier specified {auth_id}",
    )


def test_request_authorizer_with_the_cli_gets_aws_defaults(admin: AdminServer, api_id: str) -> None:
    out = aws_v2(
        admin.url,
        "create-authorizer",
        "--api-id",
        api_id,
        "--name",
        "lambda",
        "--authorizer-type",
        "REQUEST",
        "--authorizer-uri",
        URI,
        "--identity-source",
        "$request.header.X-Token",
        "$request.querystring.user",
        "--authorizer-payload-format-version",
        "2.0",
    )
    assert out.returncode == 0, out.stderr
    auth = json.loads(out.stdout)
    assert auth["AuthorizerResultTtlInSeconds"] == 300
    assert auth["EnableSimpleResponses"] is False
    assert auth["IdentitySource"] == ["$request.header.X-Token", "$request.querystring.user"]
    out = aws_v2(
        admin.url,
        "update-authorizer",
        "--api-id",
        api_id,
        "--authorizer-id",
        auth["AuthorizerId"],
        "--enable-simple-responses",
        "--authorizer-result-ttl-in-seconds",
        "0",
    )
    assert out.returncode == 0, out.stderr
    updated = json.loads(out.stdout)
    assert updated["EnableSimpleResponses"] is True
    assert updated["AuthorizerResultTtlInSeconds"] == 0
    make_v2_client(admin.url).delete_authorizer(ApiId=api_id, AuthorizerId=auth["AuthorizerId"])


BAD: list[tuple[dict[str, Any], str]] = [
    ({**JWT, "JwtConfiguration": None}, "JwtConfiguration is a required parameter"),
    (
        {**JWT, "JwtConfiguration": {"Audience": ["a"]}},
        "Issuer is a required parameter for JWT authorizer",
    ),
    (
        {**JWT, "JwtConfiguration": {"Issuer": ISSUER}},
        "Audience is a required parameter for JWT authorizer",
    ),
    (
        {**JWT, "JwtConfiguration": {"Issuer": ISSUER, "Audience": [str(i) for i in range(51)]}},
        "at most 50 audiences",
    ),
    ({**JWT, "JwtConfiguration": {"Issuer": "not a url", "Audience": ["a"]}}, "Invalid issuer"),
    (
        {**JWT, "IdentitySource": ["$request.header.A", "$request.header.B"]},
        "exactly one identity source",
    ),
    ({**JWT, "IdentitySource": ["$context.identity.sourceIp"]}, "exactly one identity source"),
    ({**JWT, "AuthorizerUri": URI}, "AuthorizerUri is not supported for JWT authorizers"),
    ({**REQUEST, "AuthorizerUri": None}, "AuthorizerUri is a required parameter"),
    ({**REQUEST, "AuthorizerUri": FN}, "Invalid Authorizer URI specified"),
    (
        {**REQUEST, "AuthorizerPayloadFormatVersion": None},
        "AuthorizerPayloadFormatVersion is a required parameter for REQUEST authorizer",
    ),
    ({**REQUEST, "AuthorizerPayloadFormatVersion": "3.0"}, "3.0 is not supported"),
    (
        {**REQUEST, "AuthorizerPayloadFormatVersion": "1.0", "EnableSimpleResponses": True},
        "EnableSimpleResponses is supported only with AuthorizerPayloadFormatVersion 2.0",
    ),
    ({**REQUEST, "IdentitySource": []}, "Identity source must be specified when"),
    ({**REQUEST, "IdentitySource": ["method.request.header.X"]}, "Invalid identity source"),
    ({**REQUEST, "IdentitySource": ["$request.body.x"]}, "Invalid identity source"),
    ({**REQUEST, "JwtConfiguration": {"Issuer": ISSUER}}, "supported only for JWT"),
    ({**REQUEST, "AuthorizerResultTtlInSeconds": 3601}, "less than or equal to 3600"),
    ({**REQUEST, "AuthorizerCredentialsArn": FN}, "Invalid authorizer credentials ARN"),
]


@pytest.mark.parametrize(("params", "message"), BAD)
def test_write_time_checks(v2: Any, api_id: str, params: dict[str, Any], message: str) -> None:
    args = {k: v for k, v in params.items() if v is not None}
    with pytest.raises(ClientError) as exc:
        v2.create_authorizer(ApiId=api_id, **args)
    status, code, text = error(exc)
    assert (status, code) == (400, "BadRequestException")
    assert message in text
    assert v2.get_authorizers(ApiId=api_id)["Items"] == []


def test_update_is_checked_as_a_create(v2: Any, api_id: str) -> None:
    auth_id = v2.create_authorizer(ApiId=api_id, **REQUEST)["AuthorizerId"]
    with pytest.raises(ClientError) as exc:
        v2.update_authorizer(
            ApiId=api_id,
            AuthorizerId=auth_id,
            AuthorizerPayloadFormatVersion="1.0",
            EnableSimpleResponses=True,
        )
    assert error(exc)[:2] == (400, "BadRequestException")
    # Switching to JWT drops the Lambda settings; the JWT ones are then required.
    switched = v2.update_authorizer(
        ApiId=api_id,
        AuthorizerId=auth_id,
        AuthorizerType="JWT",
        IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={"Issuer": ISSUER, "Audience": ["a"]},
    )
    assert "AuthorizerUri" not in switched
    assert "AuthorizerResultTtlInSeconds" not in switched
    _clean(v2, api_id)


def test_unknown_api_and_authorizer(admin: AdminServer, v2: Any, api_id: str) -> None:
    with pytest.raises(ClientError) as exc:
        v2.create_authorizer(ApiId="nope123", **JWT)
    assert error(exc) == (
        404,
        "NotFoundException",
        f"Invalid API identifier specified {admin.settings.account_id}:nope123",
    )
    with pytest.raises(ClientError) as exc:
        v2.get_authorizers(ApiId="nope123")
    assert error(exc)[:2] == (404, "NotFoundException")
    for call in (v2.get_authorizer, v2.delete_authorizer):
        with pytest.raises(ClientError) as exc:
            call(ApiId=api_id, AuthorizerId="zzz")
        assert error(exc) == (
            404,
            "NotFoundException",
            "Invalid Authorizer identifier specified zzz",
        )
    with pytest.raises(ClientError) as exc:
        v2.update_authorizer(ApiId=api_id, AuthorizerId="zzz", Name="x")
    assert error(exc)[:2] == (404, "NotFoundException")


def test_ten_authorizers_per_api(admin: AdminServer, v2: Any, api_id: str) -> None:
    for i in range(10):
        v2.create_authorizer(ApiId=api_id, **{**JWT, "Name": f"a{i}"})
    once = boto3.client(
        "apigatewayv2",
        endpoint_url=admin.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"total_max_attempts": 1}),
    )
    with pytest.raises(ClientError) as exc:
        once.create_authorizer(ApiId=api_id, **JWT)
    assert error(exc) == (
        429,
        "TooManyRequestsException",
        "Maximum number of Authorizers for this API has been reached. Please contact AWS if "
        "you need additional Authorizers.",
    )
    assert len(v2.get_authorizers(ApiId=api_id, MaxResults="5")["Items"]) == 5
    _clean(v2, api_id)


def test_an_authorizer_a_route_uses(admin: AdminServer, v2: Any, api_id: str) -> None:
    auth_id = v2.create_authorizer(ApiId=api_id, **JWT)["AuthorizerId"]
    route = {
        "routeId": "r1",
        "routeKey": "GET /pets",
        "authorizationType": "JWT",
        "authorizerId": auth_id,
        "apiKeyRequired": False,
    }
    put_doc(admin, kinds.V2_ROUTE, api_id, "r1", route)
    with pytest.raises(ClientError) as exc:
        v2.delete_authorizer(ApiId=api_id, AuthorizerId=auth_id)
    assert error(exc) == (
        409,
        "ConflictException",
        f"Cannot delete authorizer '{auth_id}', is referenced in route: GET /pets",
    )
    with pytest.raises(ClientError) as exc:
        v2.update_authorizer(ApiId=api_id, AuthorizerId=auth_id, **{**REQUEST, "Name": "x"})
    assert error(exc)[:2] == (409, "ConflictException")
    v2.update_authorizer(ApiId=api_id, AuthorizerId=auth_id, Name="still-jwt")
    put_doc(
        admin,
        kinds.V2_ROUTE,
        api_id,
        "r1",
        {**route, "authorizationType": "NONE", "authorizerId": None},
    )
    v2.delete_authorizer(ApiId=api_id, AuthorizerId=auth_id)


def test_websocket_apis_take_request_authorizers_only(v2: Any) -> None:
    ws = v2.create_api(
        Name="ws", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action"
    )["ApiId"]
    with pytest.raises(ClientError) as exc:
        v2.create_authorizer(ApiId=ws, **JWT)
    assert error(exc) == (
        400,
        "BadRequestException",
        "Only REQUEST authorizers are supported for WebSocket APIs",
    )
    created = v2.create_authorizer(
        ApiId=ws,
        AuthorizerType="REQUEST",
        Name="ws",
        AuthorizerUri=URI,
        IdentitySource=["route.request.header.Auth"],
    )
    assert "AuthorizerResultTtlInSeconds" not in created


def test_a_write_redeploys_auto_deploying_stages(admin: AdminServer, v2: Any) -> None:
    quick = quick_api(v2)
    before = get_doc(admin, kinds.V2_STAGE, quick, "$default")
    assert before is not None
    auth_id = v2.create_authorizer(ApiId=quick, **JWT)["AuthorizerId"]
    after = get_doc(admin, kinds.V2_STAGE, quick, "$default")
    assert after is not None and after["deploymentId"] != before["deploymentId"]
    snap = get_doc(admin, kinds.V2_SNAPSHOT, quick, after["deploymentId"])
    assert snap is not None
    assert [a["authorizerId"] for a in snap["authorizers"]] == [auth_id]
