"""Every client mistake is a 4xx with AWS's shape, never a 500, and no traceback is logged for a
client's input: patch operations without ``op``/``path``, JSON nested 100,000 deep, zips whose
members cannot coexist, IAM calls with bad credentials, non-finite and out-of-range numbers, bad
booleans, ImportApiKeys rows, control characters in names, and CR/LF mapped into a header.

All against one real ``frontgate serve`` with an admin key configured, through the AWS CLI,
boto3 and raw signed HTTP; its log is read as it runs."""

from __future__ import annotations

import asyncio
import http.client
import io
import json
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from tests.functions.conftest import client as boto_client
from tests.support.awscli import cli_env, run_aws
from tests.support.logged import LoggedGateway
from tests.support.upstream import Upstream

from frontgate.definition import kinds
from frontgate.state.sqlite import SqliteStore

KEY, SECRET = "AKIDMISTAKES", "mistakes-secret"
ROLE = "arn:aws:iam::123456789012:role/x"
DEEP = 100_000


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoggedGateway]:
    gateway = LoggedGateway(
        tmp_path_factory.mktemp("mistakes"), env={"FRONTGATE_ADMIN_ACCESS_KEYS": f"{KEY}:{SECRET}"}
    )
    gateway.start(60)
    yield gateway
    gateway.stop()


@pytest.fixture(autouse=True)
def no_traceback(gw: LoggedGateway) -> Iterator[None]:
    """Whatever a test sends, the gateway logs no traceback for it."""
    before = len(gw.tracebacks())
    yield
    time.sleep(0.2)  # let the reader thread catch up with the last lines
    assert gw.tracebacks()[before:] == []


def client(gw: LoggedGateway, service: str, key: str = KEY, secret: str = SECRET) -> Any:
    return boto_client(service, gw.admin_port, key, secret)


@pytest.fixture(scope="module")
def apigw(gw: LoggedGateway) -> Any:
    return client(gw, "apigateway")


@pytest.fixture(scope="module")
def lam(gw: LoggedGateway) -> Any:
    return client(gw, "lambda")


def aws(gw: LoggedGateway, *args: str, key: str = KEY, secret: str = SECRET) -> Any:
    env = cli_env(key, secret, AWS_MAX_ATTEMPTS="1")
    return run_aws(f"http://127.0.0.1:{gw.admin_port}", "--output", "json", *args, env=env)


def signed(
    gw: LoggedGateway, method: str, path: str, body: bytes, service: str = "apigateway"
) -> tuple[int, dict[str, str], bytes]:
    """A raw request signed with the admin key (bodies boto3 would never send)."""
    url = f"http://127.0.0.1:{gw.admin_port}{path}"
    req = AWSRequest(
        method=method, url=url, data=body, headers={"Content-Type": "application/json"}
    )
    SigV4Auth(Credentials(KEY, SECRET), service, "us-east-1").add_auth(req)
    conn = http.client.HTTPConnection("127.0.0.1", gw.admin_port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=dict(req.headers))
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    err = exc.value.response
    return err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"], err["Error"]["Message"]


def strict_json(raw: bytes) -> Any:
    """JSON as strict parsers read it: a bare ``Infinity`` or ``NaN`` is an error."""

    def refuse(name: str) -> Any:
        raise ValueError(f"not JSON: {name}")

    return json.loads(raw, parse_constant=refuse)


# --- patch operations -----------------------------------------------------------------------


def test_patch_operation_without_op_or_path(gw: LoggedGateway, apigw: Any) -> None:
    api = apigw.create_rest_api(name="patchme")["id"]
    # The AWS CLI's shorthand without op= sends no "op" at all.
    out = aws(gw, "apigateway", "update-rest-api", "--rest-api-id", api,
              "--patch-operations", "path=/name,value=renamed")  # fmt: skip
    assert out.returncode != 0
    assert "(BadRequestException)" in out.stderr
    assert "Invalid patch operation specified. Must be one of: " in out.stderr
    key = apigw.create_api_key(name="k", enabled=True)["id"]
    for ops, message in [
        ([{"path": "/enabled", "value": "false"}], "Invalid patch operation specified"),
        ([{"op": "replace", "value": "false"}], "Invalid patch path null"),
    ]:
        with pytest.raises(ClientError) as exc:
            apigw.update_api_key(apiKey=key, patchOperations=ops)
        status, code, text = error(exc)
        assert (status, code) == (400, "BadRequestException") and text.startswith(message)
    with pytest.raises(ClientError) as exc:
        apigw.update_api_key(apiKey=key, patchOperations=[{"op": "bogus", "path": "/name"}])
    assert error(exc)[:2] == (400, "ValidationException")
    assert apigw.get_api_key(apiKey=key)["enabled"] is True
    assert apigw.get_rest_api(restApiId=api)["name"] == "patchme"


def test_usage_plan_method_throttle_map_that_is_not_a_map(apigw: Any) -> None:
    api = apigw.create_rest_api(name="plan-api")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    apigw.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
    apigw.create_deployment(restApiId=api, stageName="dev")
    plan = apigw.create_usage_plan(name="p", apiStages=[{"apiId": api, "stage": "dev"}])["id"]
    for value in ["5", "[1]", '{"/GET": {"burstLimit": "x"}}', '{"/GET": {"rateLimit": -1}}']:
        with pytest.raises(ClientError) as exc:
            apigw.update_usage_plan(
                usagePlanId=plan,
                patchOperations=[
                    {"op": "replace", "path": f"/apiStages/{api}:dev/throttle", "value": value}
                ],
            )
        assert error(exc)[:2] == (400, "BadRequestException"), value


# --- deep JSON ------------------------------------------------------------------------------


def test_json_nested_100000_deep(gw: LoggedGateway, apigw: Any, lam: Any) -> None:
    deep = b'{"name":' + b"[" * DEEP + b"]" * DEEP + b"}"
    status, headers, body = signed(gw, "POST", "/restapis", deep)
    assert (status, headers["x-amzn-errortype"]) == (400, "SerializationException")
    assert "nesting depth" in json.loads(body)["message"]
    status, headers, _ = signed(gw, "POST", "/2015-03-31/functions", deep, "lambda")
    assert (status, headers["x-amzn-errortype"]) == (400, "InvalidRequestContentException")
    api = apigw.create_rest_api(name="deep")["id"]
    schema = '{"type":"object","properties":{"a":' * DEEP + "{}" + "}}" * DEEP
    with pytest.raises(ClientError) as exc:
        apigw.create_model(
            restApiId=api, name="Deep", contentType="application/json", schema=schema
        )
    assert error(exc)[:2] == (400, "BadRequestException")
    with pytest.raises(ClientError) as exc:
        apigw.put_rest_api(restApiId=api, body=b'{"openapi":' + b"[" * DEEP + b"]" * DEEP + b"}")
    assert error(exc)[:2] == (400, "BadRequestException")
    lam.create_function(
        FunctionName="deep", Runtime="python3.11", Role=ROLE, Handler="app.handler",
        Code={"ZipFile": make_zip({"app.py": "def handler(e, c):\n    return 1\n"})},
    )  # fmt: skip
    with pytest.raises(ClientError) as exc:
        lam.invoke(FunctionName="deep", Payload=b"[" * DEEP + b"]" * DEEP)
    assert error(exc)[:2] == (400, "InvalidRequestContentException")


def test_not_json_numbers_in_a_body(gw: LoggedGateway, apigw: Any) -> None:
    for throttle in [b'{"rateLimit": 1e309}', b'{"rateLimit": Infinity}', b'{"rateLimit": NaN}',
                     b'{"burstLimit": 99999999999}']:  # fmt: skip
        status, headers, _ = signed(
            gw, "POST", "/usageplans", b'{"name": "nonfinite", "throttle": ' + throttle + b"}"
        )
        assert (status, headers["x-amzn-errortype"]) == (400, "SerializationException"), throttle
    assert all(p["name"] != "nonfinite" for p in apigw.get_usage_plans()["items"])


# --- numbers and booleans in patch values ---------------------------------------------------


def test_non_finite_and_out_of_range_numbers(gw: LoggedGateway, apigw: Any) -> None:
    plan = apigw.create_usage_plan(name="numbers", throttle={"burstLimit": 10, "rateLimit": 5})
    plan_id = plan["id"]
    for path, value in [
        ("/throttle/rateLimit", "1e309"),
        ("/throttle/rateLimit", "inf"),
        ("/throttle/rateLimit", "NaN"),
        ("/throttle/rateLimit", "-1"),
        ("/throttle/burstLimit", "-5"),
        ("/throttle/burstLimit", "99999999999"),
        ("/throttle/burstLimit", "1_000"),
        ("/throttle/burstLimit", "9" * 5000),
        ("/quota/limit", "-1"),
    ]:
        with pytest.raises(ClientError) as exc:
            apigw.update_usage_plan(
                usagePlanId=plan_id,
                patchOperations=[{"op": "replace", "path": path, "value": value}],
            )
        status, code, message = error(exc)
        assert (status, code) == (400, "BadRequestException"), (path, value)
        assert f"Invalid value '{value}' specified for {path}" in message
    status, _, body = signed(gw, "GET", f"/usageplans/{plan_id}", b"")
    assert status == 200
    assert strict_json(body)["throttle"] == {"burstLimit": 10, "rateLimit": 5.0}
    with pytest.raises(ClientError) as exc:
        apigw.create_usage_plan(name="neg", throttle={"burstLimit": -1, "rateLimit": 5})
    assert error(exc)[:2] == (400, "BadRequestException")

    api = apigw.create_rest_api(name="stage-numbers")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    apigw.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
    apigw.create_deployment(restApiId=api, stageName="dev")
    for path, value in [
        ("/*/*/throttling/rateLimit", "inf"),
        ("/*/*/throttling/burstLimit", "-1"),
        ("/*/*/caching/ttlInSeconds", "100000"),
        ("/canarySettings/percentTraffic", "250"),
    ]:
        with pytest.raises(ClientError) as exc:
            apigw.update_stage(
                restApiId=api,
                stageName="dev",
                patchOperations=[{"op": "replace", "path": path, "value": value}],
            )
        assert error(exc)[:2] == (400, "BadRequestException"), (path, value)
    status, _, body = signed(gw, "GET", f"/restapis/{api}/stages/dev", b"")
    assert status == 200 and not strict_json(body).get("methodSettings")
    with pytest.raises(ClientError) as exc:
        apigw.update_account(
            patchOperations=[
                {"op": "replace", "path": "/throttleSettings/rateLimit", "value": "inf"}
            ]
        )
    assert error(exc)[:2] == (400, "BadRequestException")
    status, _, body = signed(gw, "GET", "/account", b"")
    assert strict_json(body)["throttleSettings"]["rateLimit"] == 10000.0


def test_bad_booleans(apigw: Any) -> None:
    key = apigw.create_api_key(name="bool", enabled=True)["id"]
    with pytest.raises(ClientError) as exc:
        apigw.update_api_key(
            apiKey=key, patchOperations=[{"op": "replace", "path": "/enabled", "value": "maybe"}]
        )
    assert error(exc) == (
        400,
        "BadRequestException",
        "Invalid value 'maybe' specified for /enabled. Must be one of: [true, false]",
    )
    assert apigw.get_api_key(apiKey=key)["enabled"] is True  # not silently disabled
    out = apigw.update_api_key(
        apiKey=key, patchOperations=[{"op": "replace", "path": "/enabled", "value": "FALSE"}]
    )
    assert out["enabled"] is False
    api = apigw.create_rest_api(name="bools")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    apigw.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    validator = apigw.create_request_validator(restApiId=api, name="v")["id"]
    apigw.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
    apigw.create_deployment(restApiId=api, stageName="dev")
    calls = [
        lambda ops: apigw.update_method(
            restApiId=api, resourceId=root, httpMethod="GET", patchOperations=ops
        ),
        lambda ops: apigw.update_request_validator(
            restApiId=api, requestValidatorId=validator, patchOperations=ops
        ),
        lambda ops: apigw.update_stage(restApiId=api, stageName="dev", patchOperations=ops),
        lambda ops: apigw.update_stage(restApiId=api, stageName="dev", patchOperations=ops),
    ]
    paths = ["/apiKeyRequired", "/validateRequestBody", "/tracingEnabled", "/*/*/metrics/enabled"]
    for call, path in zip(calls, paths, strict=True):
        with pytest.raises(ClientError) as exc:
            call([{"op": "replace", "path": path, "value": "yes"}])
        assert error(exc)[:2] == (400, "BadRequestException"), path


def test_openapi_boolean_that_is_not_a_boolean(apigw: Any) -> None:
    doc = """openapi: 3.0.1
info: {title: tls, version: "1"}
paths:
  /x:
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: https://example.com/
        tlsConfig: {insecureSkipVerification: maybe}
"""
    with pytest.raises(ClientError) as exc:
        apigw.import_rest_api(body=doc.encode())
    status, code, message = error(exc)
    assert (status, code) == (400, "BadRequestException")
    assert "insecureSkipVerification must be true or false" in message


def test_test_invoke_on_a_stored_method_that_cannot_be_compiled(
    gw: LoggedGateway, apigw: Any
) -> None:
    """A definition stored by an older version, before its mapping was validated at write time:
    TestInvokeMethod names the problem (400) instead of failing with a 500."""
    api = apigw.create_rest_api(name="old")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    apigw.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")

    async def store_bad_mapping() -> None:
        store = SqliteStore(Path(gw.data_dir) / "frontgate.db")
        await store.open()
        try:
            async with store.transaction() as tx:
                res = await tx.get("us-east-1", kinds.RESOURCE, api, root)
                assert res is not None
                integ = res["resourceMethods"]["GET"]["methodIntegration"]
                integ["integrationResponses"] = {
                    "200": {
                        "statusCode": "200",
                        "responseParameters": {"method.response.header.X": "*"},
                    }
                }
                await tx.put("us-east-1", kinds.RESOURCE, api, root, res)
        finally:
            await store.close()

    asyncio.run(store_bad_mapping())
    with pytest.raises(ClientError) as exc:
        apigw.test_invoke_method(restApiId=api, resourceId=root, httpMethod="GET")
    status, code, message = error(exc)
    assert (status, code) == (400, "BadRequestException")
    assert "Invalid mapping expression specified" in message


def test_import_api_keys_refuses_empty_keys_and_bad_booleans(apigw: Any) -> None:
    before = len(apigw.get_api_keys(limit=500)["items"])
    good = "c" * 30
    csv = f"Name,Key,Enabled\nempty,,true\nbadbool,{good},notabool\n".encode()
    with pytest.raises(ClientError) as exc:
        apigw.import_api_keys(body=csv, format="csv", failOnWarnings=True)
    status, code, message = error(exc)
    assert (status, code) == (400, "BadRequestException")
    assert "Line 2: API Key value should be at least 20 characters" in message
    assert "Line 3: Invalid value 'notabool' specified for Enabled" in message
    out = apigw.import_api_keys(body=csv, format="csv")
    assert out["ids"] == [] and len(out["warnings"]) == 2
    assert len(apigw.get_api_keys(limit=500)["items"]) == before


def test_control_characters_in_names(apigw: Any) -> None:
    for name in ["two\nlines", "esc\x1b[31mred", "nul\x00"]:
        with pytest.raises(ClientError) as exc:
            apigw.create_rest_api(name=name)
        assert error(exc)[:2] == (400, "BadRequestException"), name
        with pytest.raises(ClientError) as exc:
            apigw.create_usage_plan(name=name)
        assert error(exc)[:2] == (400, "BadRequestException"), name
    api = apigw.create_rest_api(name="plain")["id"]
    with pytest.raises(ClientError) as exc:
        apigw.update_rest_api(
            restApiId=api, patchOperations=[{"op": "replace", "path": "/name", "value": "a\rb"}]
        )
    assert error(exc)[:2] == (400, "BadRequestException")
    assert apigw.get_rest_api(restApiId=api)["name"] == "plain"


def test_stage_variables_outside_what_aws_allows(apigw: Any) -> None:
    api = apigw.create_rest_api(name="variables")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    apigw.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
    with pytest.raises(ClientError) as exc:
        apigw.create_deployment(restApiId=api, stageName="dev", variables={"bad name": "x"})
    assert error(exc)[:2] == (400, "BadRequestException")
    apigw.create_deployment(restApiId=api, stageName="dev", variables={"host": "example.com"})
    for value in ["a\r\nInjected: yes", "two words", "x" * 513]:
        with pytest.raises(ClientError) as exc:
            apigw.update_stage(
                restApiId=api,
                stageName="dev",
                patchOperations=[{"op": "replace", "path": "/variables/host", "value": value}],
            )
        assert error(exc)[:2] == (400, "BadRequestException"), value
    assert apigw.get_stage(restApiId=api, stageName="dev")["variables"] == {"host": "example.com"}


# --- Lambda code ----------------------------------------------------------------------------


def make_zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buf.getvalue()


def test_zip_with_a_file_and_a_directory_of_the_same_name(gw: LoggedGateway, lam: Any) -> None:
    bad = make_zip({"a": "file", "a/b": "under a file", "app.py": "def h(e, c):\n    return 1\n"})
    root = Path(gw.data_dir) / "functions"
    with pytest.raises(ClientError) as exc:
        lam.create_function(FunctionName="clash", Runtime="python3.11", Role=ROLE,
                            Handler="app.h", Code={"ZipFile": bad})  # fmt: skip
    assert error(exc) == (
        400,
        "InvalidParameterValueException",
        "Could not unzip uploaded file. Please check your file, then try to upload again.",
    )
    assert not list(root.rglob("clash")), "nothing is left behind"
    with pytest.raises(ClientError) as exc:
        lam.get_function(FunctionName="clash")
    assert error(exc)[1] == "ResourceNotFoundException"
    good = make_zip({"app.py": "def h(e, c):\n    return 1\n"})
    lam.create_function(FunctionName="clash2", Runtime="python3.11", Role=ROLE, Handler="app.h",
                        Code={"ZipFile": good})  # fmt: skip
    before = sorted(p.name for p in root.rglob("clash2/*"))
    with pytest.raises(ClientError) as exc:
        lam.update_function_code(FunctionName="clash2", ZipFile=bad)
    assert error(exc)[:2] == (400, "InvalidParameterValueException")
    assert sorted(p.name for p in root.rglob("clash2/*")) == before  # no .tmp directory
    assert lam.invoke(FunctionName="clash2")["Payload"].read() == b"1"


def test_lambda_values_the_function_cannot_run_with(gw: LoggedGateway, lam: Any) -> None:
    code = {"ZipFile": make_zip({"app.py": "def h(e, c):\n    return 1\n"})}
    with pytest.raises(ClientError) as exc:
        lam.create_function(FunctionName="envkey", Runtime="python3.11", Role=ROLE,
                            Handler="app.h", Code=code,
                            Environment={"Variables": {"BAD\nNAME": "x"}})  # fmt: skip
    status, kind, message = error(exc)
    assert (status, kind) == (400, "ValidationException")
    assert "Map keys must satisfy constraint" in message and "BAD" not in message
    # Tags: the model's patterns for them are Java regular expressions (\p{L}...).
    lam.create_function(FunctionName="reserved", Runtime="python3.11", Role=ROLE,
                        Handler="app.h", Code=code, Tags={"team": "edge"})  # fmt: skip
    with pytest.raises(ClientError) as exc:
        lam.put_function_concurrency(FunctionName="reserved", ReservedConcurrentExecutions=10**6)
    assert error(exc)[:2] == (400, "InvalidParameterValueException")
    assert "ReservedConcurrentExecutions" not in lam.get_function(FunctionName="reserved")
    status, headers, _ = signed(
        gw, "PUT", "/2015-03-31/functions/reserved/configuration", b'{"Timeout": 9999999999999}',
        "lambda",
    )  # fmt: skip
    assert (status, headers["x-amzn-errortype"]) == (400, "InvalidRequestContentException")


# --- IAM query API --------------------------------------------------------------------------


def test_iam_calls_with_bad_or_missing_credentials(gw: LoggedGateway) -> None:
    assert aws(gw, "iam", "list-users").returncode == 0
    cases = [
        ({"secret": "wrong"}, [], "SignatureDoesNotMatch"),
        ({"key": "AKIDUNKNOWN"}, [], "InvalidClientTokenId"),
        ({}, ["--no-sign-request"], "MissingAuthenticationToken"),
    ]
    for creds, extra, code in cases:
        out = aws(gw, "iam", "list-users", *extra, **creds)
        assert out.returncode != 0 and f"({code})" in out.stderr, out.stderr
    out = aws(gw, "sts", "get-caller-identity", "--no-sign-request")
    assert "(MissingAuthenticationToken)" in out.stderr, out.stderr
    out = aws(gw, "sts", "get-caller-identity", key="AKIDUNKNOWN")
    assert "(InvalidClientTokenId)" in out.stderr, out.stderr
    with pytest.raises(ClientError) as exc:
        client(gw, "iam", secret="wrong").list_users()
    status, code, _ = error(exc)
    assert (status, code) == (403, "SignatureDoesNotMatch")
    iam = client(gw, "iam")
    for call in [
        lambda: iam.create_user(UserName="two\nlines"),
        lambda: iam.create_user(UserName="x" * 65),
        lambda: iam.list_users(MaxItems=100_000),
    ]:
        with pytest.raises(ClientError) as exc:
            call()
        status, code, message = error(exc)
        assert (status, code) == (400, "ValidationError")
        assert message.startswith("1 validation error detected: Value ")
    assert all(u["UserName"] != "two\nlines" for u in iam.list_users()["Users"])
    with pytest.raises(ClientError) as exc:
        client(gw, "iam", key="AKIDUNKNOWN").create_user(UserName="nobody")
    assert error(exc) == (
        403,
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
    )


def test_who_am_i_with_the_operators_admin_key(gw: LoggedGateway) -> None:
    """`aws sts get-caller-identity` with the admin key that every management call accepts
    answers the account's root (as AWS does for root credentials), not InvalidClientTokenId."""
    me = client(gw, "sts").get_caller_identity()
    assert (me["Account"], me["Arn"], me["UserId"]) == (
        "123456789012",
        "arn:aws:iam::123456789012:root",
        "123456789012",
    )
    with pytest.raises(ClientError) as exc:
        client(gw, "sts", secret="wrong").get_caller_identity()
    assert error(exc)[:2] == (403, "InvalidClientTokenId")


# --- data plane -----------------------------------------------------------------------------


def test_crlf_in_a_mapped_header_and_deep_bodies(gw: LoggedGateway, apigw: Any) -> None:
    api = apigw.create_rest_api(name="dataplane")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    res = apigw.create_resource(restApiId=api, parentId=root, pathPart="mapped")["id"]
    apigw.put_method(restApiId=api, resourceId=res, httpMethod="GET", authorizationType="NONE",
                     requestParameters={"method.request.querystring.q": False})  # fmt: skip
    apigw.put_integration(
        restApiId=api, resourceId=res, httpMethod="GET", type="HTTP_PROXY",
        integrationHttpMethod="GET", uri=f"http://127.0.0.1:{gw.admin_port}/_frontgate/status",
        requestParameters={"integration.request.header.X-Q": "method.request.querystring.q"},
    )  # fmt: skip
    model = {"type": "object", "properties": {"a": {"$ref": f"https://apigateway.amazonaws.com/restapis/{api}/models/Tree"}}}  # fmt: skip  # noqa: E501
    apigw.create_model(restApiId=api, name="Tree", contentType="application/json",
                       schema=json.dumps(model))  # fmt: skip
    validator = apigw.create_request_validator(restApiId=api, name="b", validateRequestBody=True)
    res = apigw.create_resource(restApiId=api, parentId=root, pathPart="validated")["id"]
    apigw.put_method(restApiId=api, resourceId=res, httpMethod="POST", authorizationType="NONE",
                     requestValidatorId=validator["id"],
                     requestModels={"application/json": "Tree"})  # fmt: skip
    apigw.put_integration(restApiId=api, resourceId=res, httpMethod="POST", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})  # fmt: skip
    apigw.create_deployment(restApiId=api, stageName="dev")
    deadline = time.monotonic() + 10
    while gw.request("GET", "/dev/mapped?q=ok", api_id=api)[0] != 200:
        assert time.monotonic() < deadline, "stage not deployed"
        time.sleep(0.05)
    logged = len(gw.lines)
    for query in ["a%0D%0AInjected:%20yes"] * 20 + ["a%00b"] * 3:  # NUL is not forwarded either
        status, headers, body = gw.request("GET", f"/dev/mapped?q={query}", api_id=api)
        assert status == 500 and json.loads(body) == {"message": "Internal server error"}
        assert headers["x-amzn-errortype"] == "InternalServerErrorException"
    # Invalid at the bottom ("a" must be an object): the validator follows the body all the way.
    deep = b'{"a":' * DEEP + b"1" + b"}" * DEEP
    for body_ in (deep, b'{"a":' * 990 + b"1" + b"}" * 990):
        status, _, body = gw.request(
            "POST", "/dev/validated", body=body_, api_id=api,
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        assert (status, json.loads(body)) == (400, {"message": "Invalid request body"})
    time.sleep(0.3)
    assert len(gw.lines) - logged <= 1  # no line per request (at most one)


def test_request_body_nested_too_deep_for_a_mapping(gw: LoggedGateway, apigw: Any) -> None:
    with Upstream() as upstream:
        api = apigw.create_rest_api(name="deep-mapping")["id"]
        root = apigw.get_resources(restApiId=api)["items"][0]["id"]
        apigw.put_method(restApiId=api, resourceId=root, httpMethod="POST",
                         authorizationType="NONE")  # fmt: skip
        apigw.put_integration(
            restApiId=api, resourceId=root, httpMethod="POST", type="HTTP_PROXY",
            integrationHttpMethod="POST", uri=f"http://127.0.0.1:{upstream.port}/echo",
            requestParameters={"integration.request.header.X-A": "method.request.body.a"},
        )  # fmt: skip
        apigw.create_deployment(restApiId=api, stageName="dev")
        deadline = time.monotonic() + 10
        while gw.request("POST", "/dev/", body=b'{"a":"x"}', api_id=api)[0] == 403:
            assert time.monotonic() < deadline, "stage not deployed"
            time.sleep(0.05)
        deep = b'{"a":' * DEEP + b"1" + b"}" * DEEP
        status, _, body = gw.request(
            "POST", "/dev/", body=deep, api_id=api, headers={"Content-Type": "application/json"}
        )
        # The body cannot be read as JSON: the mapping has no value, as for a non-JSON body.
        assert status == 200
        assert "x-a" not in {k.lower() for k, _ in json.loads(body)["headers"]}
