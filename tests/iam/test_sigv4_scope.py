"""SigV4 credential scopes are checked as AWS checks them: the data plane wants service
``execute-api`` in the API's region; the admin listener wants ``apigateway``, ``lambda``,
``iam`` or ``sts`` for each API it serves, and a region the gateway serves (``region`` plus
``regions``). A region outside that set is refused (403), never given a new namespace — with or
without admin keys."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from tests.iam.test_iam import send
from tests.support.access import add_method, client, deploy, make_api
from tests.support.awscli import run_aws
from tests.support.gateway import Gateway

REGION_TEXT = "Credential should be scoped to a valid region. "


def service_text(service: str) -> str:
    return f"Credential should be scoped to correct service: '{service}'. "


def data_request(
    gw: Gateway,
    api_id: str,
    creds: Credentials,
    *,
    region: str = "us-east-1",
    service: str = "execute-api",
    presign: bool = False,
) -> AWSRequest:
    from botocore.auth import SigV4QueryAuth

    host = gw.host(api_id)
    req = AWSRequest(method="GET", url=f"http://{host}/dev/pets", headers={"Host": host})
    if presign:
        SigV4QueryAuth(creds, service, region, expires=60).add_auth(req)
    else:
        SigV4Auth(creds, service, region).add_auth(req)
    return req


@pytest.fixture(scope="module")
def iam_api(gw: Gateway, apigw: Any) -> dict[str, Any]:
    iam = client(gw, "iam")
    iam.create_user(UserName="scoped")
    key = iam.create_access_key(UserName="scoped")["AccessKey"]
    iam.put_user_policy(
        UserName="scoped",
        PolicyName="all",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}],
            }
        ),
    )
    api_id = make_api(apigw, name="scope")
    add_method(apigw, api_id, "/pets", authorizationType="AWS_IAM")
    deploy(gw, apigw, api_id)
    return {"api": api_id, "creds": Credentials(key["AccessKeyId"], key["SecretAccessKey"])}


@pytest.mark.parametrize(
    ("region", "service", "message"),
    [
        ("eu-west-1", "execute-api", REGION_TEXT),
        ("us-east-1", "apigateway", service_text("execute-api")),
        ("us-east-1", "lambda", service_text("execute-api")),
        ("us-west-2", "apigateway", REGION_TEXT + service_text("execute-api")),
    ],
)
@pytest.mark.parametrize("presign", [False, True], ids=["header", "presigned"])
def test_data_plane_scope(
    gw: Gateway, iam_api: dict[str, Any], region: str, service: str, message: str, presign: bool
) -> None:
    api, creds = iam_api["api"], iam_api["creds"]
    assert send(gw, data_request(gw, api, creds, presign=presign))[0] == 200
    req = data_request(gw, api, creds, region=region, service=service, presign=presign)
    status, headers, doc = send(gw, req)
    assert (status, doc) == (403, {"message": message})
    assert headers["x-amzn-errortype"] == "InvalidSignatureException"


def _raw(gw: Gateway, method: str, path: str, body: bytes, service: str, region: str) -> Any:
    """A request to the admin listener signed for ``service`` in ``region`` (test keys)."""
    url = f"http://127.0.0.1:{gw.admin_port}{path}"
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    req = AWSRequest(method=method, url=url, data=body, headers=headers)
    SigV4Auth(Credentials("test", "test"), service, region).add_auth(req)
    conn = http.client.HTTPConnection("127.0.0.1", gw.admin_port, timeout=30)
    conn.request(method, path, body=body, headers=dict(req.headers.items()))
    resp = conn.getresponse()
    out = (resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    conn.close()
    return out


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    r = exc.value.response
    return r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Code"], r["Error"]["Message"]


def test_admin_services_check_their_signing_service(gw: Gateway) -> None:
    status, headers, body = _raw(gw, "GET", "/restapis", b"", "lambda", "us-east-1")
    assert (status, json.loads(body)) == (403, {"message": service_text("apigateway")})
    assert headers["x-amzn-errortype"] == "InvalidSignatureException"
    assert _raw(gw, "GET", "/restapis", b"", "apigateway", "us-east-1")[0] == 200

    functions = "/2015-03-31/functions/"
    status, headers, body = _raw(gw, "GET", functions, b"", "apigateway", "us-east-1")
    assert status == 403 and json.loads(body)["message"] == service_text("lambda")
    assert headers["x-amzn-errortype"] == "InvalidSignatureException"
    assert _raw(gw, "GET", functions, b"", "lambda", "us-east-1")[0] == 200

    iam_body = b"Action=ListUsers&Version=2010-05-08"
    status, _, body = _raw(gw, "POST", "/", iam_body, "sts", "us-east-1")
    assert status == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in body
    assert service_text("iam").encode() in body
    assert _raw(gw, "POST", "/", iam_body, "iam", "us-east-1")[0] == 200
    sts_body = b"Action=GetCallerIdentity&Version=2011-06-15"
    status, _, body = _raw(gw, "POST", "/", sts_body, "iam", "us-east-1")
    assert status == 403 and service_text("sts").encode() in body


def test_unknown_region_refused_not_created(gw: Gateway, apigw: Any) -> None:
    def other(service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=f"http://127.0.0.1:{gw.admin_port}",
            region_name="eu-north-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 0}),
        )

    with pytest.raises(ClientError) as exc:
        other("apigateway").create_rest_api(name="nowhere")
    assert _error(exc) == (403, "InvalidSignatureException", REGION_TEXT)
    with pytest.raises(ClientError) as exc:
        other("apigateway").get_rest_apis()
    assert _error(exc) == (403, "InvalidSignatureException", REGION_TEXT)
    assert "nowhere" not in [a["name"] for a in apigw.get_rest_apis(limit=500)["items"]]
    with pytest.raises(ClientError) as exc:
        other("lambda").list_functions()
    assert _error(exc) == (403, "InvalidSignatureException", REGION_TEXT)
    for service, call in (("iam", "list_users"), ("sts", "get_caller_identity")):
        with pytest.raises(ClientError) as exc:
            getattr(other(service), call)()
        assert _error(exc) == (403, "SignatureDoesNotMatch", REGION_TEXT)
    # The AWS CLI, configured for another region, gets the same answer.
    url = f"http://127.0.0.1:{gw.admin_port}"
    proc = run_aws(url, "apigateway", "get-rest-apis", "--region", "ap-south-2")
    assert proc.returncode != 0
    assert "(InvalidSignatureException)" in proc.stderr and REGION_TEXT.strip() in proc.stderr


ADMIN = ("AKIDSCOPEADMIN", "scope-admin-secret")
USER = ("AKIASCOPEUSER0000001", "scope-user-secret")


@pytest.fixture(scope="module")
def regional(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """A gateway serving us-east-1 and eu-west-1 (config file), with admin keys."""
    root: Path = tmp_path_factory.mktemp("regions")
    config = root / "frontgate.yaml"
    allow = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}
    config.write_text(
        yaml.safe_dump(
            {
                "regions": ["eu-west-1"],
                "admin_access_keys": {ADMIN[0]: ADMIN[1]},
                "iam_users": {
                    "erin": {
                        "access_keys": [{"id": USER[0], "secret": USER[1]}],
                        "policies": [{"Version": "2012-10-17", "Statement": [allow]}],
                    }
                },
            }
        )
    )
    with Gateway(root / "data", "--config", str(config)) as g:
        yield g


def _admin(gw: Gateway, region: str, service: str = "apigateway") -> Any:
    return boto3.client(
        service,
        endpoint_url=f"http://127.0.0.1:{gw.admin_port}",
        region_name=region,
        aws_access_key_id=ADMIN[0],
        aws_secret_access_key=ADMIN[1],
        config=Config(retries={"max_attempts": 0}),
    )


def test_configured_regions_served_others_refused(regional: Gateway) -> None:
    west = _admin(regional, "eu-west-1")
    api_id = make_api(west, name="west")
    add_method(west, api_id, "/pets", authorizationType="AWS_IAM")
    deploy(regional, west, api_id)
    east = _admin(regional, "us-east-1")
    assert api_id not in [a["id"] for a in east.get_rest_apis()["items"]]
    assert api_id in [a["id"] for a in west.get_rest_apis()["items"]]
    # A valid admin key does not make another region valid.
    with pytest.raises(ClientError) as exc:
        _admin(regional, "eu-central-1").get_rest_apis()
    assert _error(exc) == (403, "InvalidSignatureException", REGION_TEXT)
    # The data plane wants the API's own region.
    creds = Credentials(*USER)
    assert send(regional, data_request(regional, api_id, creds, region="eu-west-1"))[0] == 200
    status, headers, doc = send(regional, data_request(regional, api_id, creds))
    assert (status, doc) == (403, {"message": REGION_TEXT})
    assert headers["x-amzn-errortype"] == "InvalidSignatureException"


def test_function_arn_of_another_region_is_not_reachable(gw: Gateway) -> None:
    from tests.functions.conftest import ROLE, make_zip

    lam = client(gw, "lambda")
    arn = "arn:aws:lambda:eu-north-1:123456789012:function:elsewhere"
    with pytest.raises(ClientError) as exc:
        lam.create_function(
            FunctionName=arn,
            Runtime="python3.11",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": make_zip({"app.py": "def handler(e, c):\n    return 1\n"})},
        )
    assert _error(exc) == (
        404,
        "ResourceNotFoundException",
        "Functions from 'eu-north-1' are not reachable in this region ('us-east-1')",
    )
    with pytest.raises(ClientError) as exc:
        lam.get_function(FunctionName=arn)
    assert _error(exc)[:2] == (404, "ResourceNotFoundException")
    assert "elsewhere" not in [f["FunctionName"] for f in lam.list_functions()["Functions"]]


def test_unserved_region_named_at_startup(tmp_path: Path) -> None:
    with Gateway(tmp_path / "data", "--regions", "eu-west-1") as first:
        west = boto3.client(
            "apigateway",
            endpoint_url=f"http://127.0.0.1:{first.admin_port}",
            region_name="eu-west-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        west.create_rest_api(name="kept")
    assert not any("does not serve" in line for line in first.lines)
    with Gateway(tmp_path / "data") as second:
        pass
    assert any(
        "the state holds APIs in eu-west-1, which the admin API does not serve: add them to "
        "the regions setting (--regions)" in line
        for line in second.lines
    ), second.lines
