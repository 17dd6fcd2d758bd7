"""A node whose PostgreSQL store becomes unreachable keeps serving what it has and says so once:
one line when snapshot rebuilds (and usage-count writes) start failing, with the reason and no
traceback, one when they recover, not a line per poll. The outage is real: the node reaches
PostgreSQL through a TCP relay that the test cuts and restores."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.logged import LoggedGateway
from tests.support.postgres import fresh_database
from tests.support.tcpproxy import TcpProxy

pytestmark = pytest.mark.postgres


@pytest.fixture
def database(postgres_dsn: str) -> Iterator[str]:
    with fresh_database(postgres_dsn) as dsn:
        yield dsn.rsplit("/", 1)[1]


def _metered_api(gw: LoggedGateway, limit: int = 100000) -> tuple[str, str]:
    """A MOCK method that needs an API key in a usage plan: each call adds a usage count."""
    apigw = gw.admin_client()
    api = apigw.create_rest_api(name="metered")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    apigw.put_method(restApiId=api, resourceId=root, httpMethod="GET",
                     authorizationType="NONE", apiKeyRequired=True)  # fmt: skip
    apigw.put_method_response(restApiId=api, resourceId=root, httpMethod="GET", statusCode="200")
    apigw.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})  # fmt: skip
    apigw.put_integration_response(restApiId=api, resourceId=root, httpMethod="GET",
                                   statusCode="200")  # fmt: skip
    apigw.create_deployment(restApiId=api, stageName="dev")
    plan = apigw.create_usage_plan(name="metered", apiStages=[{"apiId": api, "stage": "dev"}],
                                   quota={"limit": limit, "period": "DAY"})  # fmt: skip
    key = apigw.create_api_key(name="metered", enabled=True)
    apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    deadline = time.monotonic() + 10
    while gw.request("GET", "/dev/", api_id=api, headers={"x-api-key": key["value"]})[0] != 200:
        assert time.monotonic() < deadline, "metered API not served"
        time.sleep(0.05)
    return api, key["value"]


def test_rebuild_failures_are_logged_once_and_recovery_too(
    tmp_path: Path, postgres_dsn: str, database: str
) -> None:
    host, port = postgres_dsn.split("@", 1)[1].split("/", 1)[0].split(":")
    proxy = TcpProxy((host, int(port))).open()
    user = postgres_dsn.split("//", 1)[1].split("@", 1)[0]
    dsn = f"postgresql://{user}@127.0.0.1:{proxy.port}/{database}"
    gw = LoggedGateway(tmp_path, "--state", dsn, "--demo")
    try:
        gw.start(60)
        api, key = _metered_api(gw)
        assert gw.request("GET", "/dev/hello")[0] == 200
        proxy.close()  # PostgreSQL is gone for this node

        def served() -> None:
            # The snapshot it has keeps serving, and metered calls keep being counted.
            assert gw.request("GET", "/dev/hello")[0] == 200
            assert gw.request("GET", "/dev/", api_id=api, headers={"x-api-key": key})[0] == 200
            time.sleep(0.2)

        # Until both background jobs have failed (the deadline only catches a hang) ...
        deadline = time.monotonic() + 30
        while (
            gw.count("snapshot rebuild failed") == 0 or gw.count("writing usage counts failed") == 0
        ):
            assert time.monotonic() < deadline, "the outage was not noticed"
            served()
        # ... and on through more failing polls and flushes (8 and 2 at the nominal 250 ms and
        # 1 s; a slower machine makes fewer, which cannot add a line): still one line each.
        until = time.monotonic() + 2
        while time.monotonic() < until:
            served()
        assert gw.count("snapshot rebuild failed") == 1
        assert gw.count("writing usage counts failed") == 1
        failed = next(line for line in gw.lines if "snapshot rebuild failed" in line)
        assert "generation" in failed and "(" in failed  # the reason is named
        proxy.open()  # same port: the store is back
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (
            gw.count("snapshot rebuild recovered") == 0
            or gw.count("writing usage counts recovered") == 0
        ):
            gw.request("GET", "/dev/", api_id=api, headers={"x-api-key": key})
            time.sleep(0.1)
        assert gw.count("snapshot rebuild recovered") == 1
        assert gw.count("writing usage counts recovered") == 1
        time.sleep(1)
        assert gw.count("snapshot rebuild failed") == 1
    finally:
        gw.stop()
        proxy.close()
    assert gw.count("Traceback") == 0, "".join(gw.lines)


def test_management_calls_while_the_store_is_down_answer_without_a_traceback_each(
    tmp_path: Path, postgres_dsn: str, database: str
) -> None:
    """apigateway answers 503 ServiceUnavailableException, lambda 500 ServiceException and iam 500
    ServiceFailure while PostgreSQL is unreachable; one log line per API when that starts (no
    traceback per request), one when the store answers again."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError

    host, port = postgres_dsn.split("@", 1)[1].split("/", 1)[0].split(":")
    proxy = TcpProxy((host, int(port))).open()
    user = postgres_dsn.split("//", 1)[1].split("@", 1)[0]
    dsn = f"postgresql://{user}@127.0.0.1:{proxy.port}/{database}"
    gw = LoggedGateway(tmp_path, "--state", dsn)
    try:
        gw.start(60)
        kw: dict[str, object] = dict(
            endpoint_url=f"http://127.0.0.1:{gw.admin_port}", region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test",
            config=Config(retries={"total_max_attempts": 1}),
        )  # fmt: skip
        apigw, lam, iam = (boto3.client(s, **kw) for s in ("apigateway", "lambda", "iam"))  # type: ignore[call-overload]
        calls = [
            (apigw.get_rest_apis, 503, "ServiceUnavailableException"),
            (lam.list_functions, 500, "ServiceException"),
            (iam.list_users, 500, "ServiceFailure"),
        ]
        for call, _, _ in calls:
            call()
        proxy.close()
        for _ in range(3):
            for call, status, code in calls:
                with pytest.raises(ClientError) as exc:
                    call()
                err = exc.value.response
                assert (err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"]) == (
                    status,
                    code,
                )
        proxy.open()
        deadline = time.monotonic() + 20
        while True:
            try:
                for call, _, _ in calls:
                    call()
                break
            except ClientError:
                assert time.monotonic() < deadline, "the store did not come back"
                time.sleep(0.2)
        time.sleep(0.3)
    finally:
        gw.stop()
        proxy.close()
    assert gw.count("Traceback") == 0, "".join(gw.lines)
    assert gw.count("state store unreachable") == 3, "".join(gw.lines)
    assert gw.count("state store reachable again") == 3, "".join(gw.lines)


def test_first_quota_request_and_unknown_function_answer_while_the_store_is_down(
    tmp_path: Path, postgres_dsn: str, database: str
) -> None:
    """Nothing on the request path waits for the store. A key's first request in a quota period
    starts its counter from the persisted count read before the snapshot was served, so a
    restarted node still refuses what an earlier run used up; a request naming a function the
    node does not know answers at once from the function table (no store read, no traceback);
    and a function created later is found through the change channel."""
    from tests.functions.conftest import ACCOUNT, ROLE, client, make_zip

    host, port = postgres_dsn.split("@", 1)[1].split("/", 1)[0].split(":")
    proxy = TcpProxy((host, int(port))).open()
    user = postgres_dsn.split("//", 1)[1].split("@", 1)[0]
    dsn = f"postgresql://{user}@127.0.0.1:{proxy.port}/{database}"
    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:later"
    gw = LoggedGateway(tmp_path, "--state", dsn)
    try:
        gw.start(60)
        api, key = _metered_api(gw, limit=3)  # one call counted
        apigw = gw.admin_client()
        root = apigw.get_resources(restApiId=api)["items"][0]["id"]
        fn = apigw.create_resource(restApiId=api, parentId=root, pathPart="fn")["id"]
        apigw.put_method(restApiId=api, resourceId=fn, httpMethod="GET",
                         authorizationType="NONE")  # fmt: skip
        apigw.put_integration(restApiId=api, resourceId=fn, httpMethod="GET", type="AWS_PROXY",
                              integrationHttpMethod="POST",
                              uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/"
                                  f"functions/{arn}/invocations")  # fmt: skip
        apigw.create_deployment(restApiId=api, stageName="dev")
        assert gw.request("GET", "/dev/", api_id=api, headers={"x-api-key": key})[0] == 200
    finally:
        gw.stop()  # the two counted calls are written at shutdown
    # A fresh node (fresh counters, two workers), then the store goes away before any request.
    gw = LoggedGateway(tmp_path, "--state", dsn, "--workers", "2")
    try:
        gw.start(60)
        deadline = time.monotonic() + 20
        served = 0
        while served < 6:  # until /fn is served, on new connections (so by both workers)
            served = served + 1 if gw.request("GET", "/dev/fn", api_id=api)[0] != 403 else 0
            assert served or time.monotonic() < deadline, "/fn not served"
            time.sleep(0.05)
        proxy.close()
        keyed = {"x-api-key": key}
        # The quota's third call passes, every later one is refused, whichever worker answers.
        assert gw.request("GET", "/dev/", api_id=api, headers=keyed, timeout=10)[0] == 200
        for _ in range(4):
            status, headers, _body = gw.request("GET", "/dev/", api_id=api, headers=keyed,
                                                timeout=10)  # fmt: skip
            assert (status, headers.get("x-amzn-errortype")) == (429, "LimitExceededException")
        for _ in range(4):  # an unknown function: API Gateway's 500, as with the store up
            status, _headers, body = gw.request("GET", "/dev/fn", api_id=api, timeout=10)
            assert (status, body) == (500, b'{"message": "Internal server error"}')
        proxy.open()
        lam = client("lambda", gw.admin_port)
        deadline = time.monotonic() + 20
        while True:  # the Lambda API answers once the store is back
            try:
                lam.create_function(
                    FunctionName="later", Runtime="python3.11", Role=ROLE,
                    Handler="lambda_function.lambda_handler",
                    Code={"ZipFile": make_zip({"lambda_function.py": """
                        def lambda_handler(event, context):
                            return {"statusCode": 200, "body": "found"}
                    """})},
                )  # fmt: skip
                break
            except Exception:
                assert time.monotonic() < deadline, "the store did not come back"
                time.sleep(0.2)
        lam.add_permission(
            FunctionName="later", StatementId="apigw", Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{api}/*",
        )  # fmt: skip
        # Both workers cached "no such function"; the change reaches each of them.
        deadline = time.monotonic() + 30
        found = 0
        while found < 6:
            status, _headers, body = gw.request("GET", "/dev/fn", api_id=api)
            found = found + 1 if (status, body) == (200, b"found") else 0
            assert found or time.monotonic() < deadline, "the new function was not found"
            time.sleep(0.05)
    finally:
        gw.stop()
        proxy.close()
    assert gw.tracebacks() == []
    assert gw.count("invocation failed") == 0, "".join(gw.lines)
