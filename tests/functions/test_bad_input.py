"""Each bad input gives AWS's error and leaves the gateway and other functions serving: zips
that are not zips, missing handlers, syntax errors, unserialisable results, infinite loops, fork
bombs, memory exhaustion, crashes, 6 MB+ payloads, malformed proxy responses, throttling."""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from tests.functions.conftest import ROLE, make_zip, proxy_api
from tests.support.gateway import Gateway

CODE = """
import json, os, time

def ok(event, context):
    return {"statusCode": 200, "body": "fine"}

def loop(event, context):
    while True:
        pass

def bomb(event, context):
    while True:
        try:
            os.fork()
        except OSError:
            pass

def unserialisable(event, context):
    return {"when": {1, 2}}

def huge(event, context):
    return "x" * (6 * 1024 * 1024 + 200)

def hog(event, context):
    chunks = []
    while True:
        chunks.append(bytearray(16 * 1024 * 1024))

def crash(event, context):
    os._exit(3)

def fail(event, context):
    raise KeyError("missing")

def proxy(event, context):
    return json.loads(event["body"])
"""


@pytest.fixture(scope="module")
def fns(lam: Any) -> Iterator[dict[str, str]]:
    code = make_zip({"app.py": CODE, "broken.py": "def handler(:\n    pass\n"})
    arns: dict[str, str] = {}
    for name, handler, extra in [
        ("ok", "app.ok", {}),
        ("loop", "app.loop", {"Timeout": 1}),
        ("bomb", "app.bomb", {"Timeout": 2}),
        ("unser", "app.unserialisable", {}),
        ("huge", "app.huge", {"MemorySize": 512}),
        ("hog", "app.hog", {"MemorySize": 128, "Timeout": 10}),
        ("crash", "app.crash", {}),
        ("fail", "app.fail", {}),
        ("nohandler", "app.nothing", {}),
        ("nomodule", "missing.handler", {}),
        ("syntax", "broken.handler", {}),
        ("proxy", "app.proxy", {}),
    ]:
        out = lam.create_function(
            FunctionName=f"bad-{name}",
            Runtime="python3.11",
            Role=ROLE,
            Handler=handler,
            Code={"ZipFile": code},
            **extra,
        )
        arns[name] = out["FunctionArn"]
        lam.add_permission(
            FunctionName=f"bad-{name}",
            StatementId="any",
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
        )
    yield arns


def _invoke(lam: Any, name: str, payload: bytes = b"{}") -> tuple[str | None, dict[str, Any]]:
    out = lam.invoke(FunctionName=f"bad-{name}", Payload=payload)
    assert out["StatusCode"] == 200
    return out.get("FunctionError"), json.loads(out["Payload"].read())


def _still_serving(lam: Any, gateway: Gateway, api: str) -> None:
    err, doc = _invoke(lam, "ok")
    assert err is None and doc == {"statusCode": 200, "body": "fine"}
    status, _, body = gateway.request("GET", "/dev/hello", api_id=api)
    assert (status, body) == (200, b"fine")


@pytest.fixture(scope="module")
def ok_api(apigw: Any, fns: dict[str, str], gateway: Gateway) -> str:
    return proxy_api(apigw, fns["ok"], gw=gateway)


def test_not_a_zip(lam: Any) -> None:
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as exc:
        lam.create_function(
            FunctionName="notzip",
            Runtime="python3.11",
            Role=ROLE,
            Handler="app.h",
            Code={"ZipFile": b"this is not a zip"},
        )
    assert "Could not unzip uploaded file" in str(exc.value)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName="notzip")


@pytest.mark.parametrize(
    ("name", "error_type", "message"),
    [
        ("nohandler", "Runtime.HandlerNotFound", "Handler 'nothing' missing on module 'app'"),
        ("nomodule", "Runtime.ImportModuleError", "Unable to import module 'missing'"),
        ("syntax", "Runtime.UserCodeSyntaxError", "Syntax error in module 'broken'"),
        ("unser", "Runtime.MarshalError", "Unable to marshal response: Object of type set"),
        ("huge", "Function.ResponseSizeTooLarge", "Response payload size exceeded maximum"),
        ("fail", "KeyError", "'missing'"),
    ],
)
def test_function_errors(
    lam: Any,
    gateway: Gateway,
    apigw: Any,
    fns: dict[str, str],
    ok_api: str,
    name: str,
    error_type: str,
    message: str,
) -> None:
    err, doc = _invoke(lam, name)
    assert err == "Unhandled"
    assert doc["errorType"] == error_type
    assert doc["errorMessage"].startswith(message)
    api = proxy_api(apigw, fns[name], gw=gateway)
    status, headers, body = gateway.request("GET", "/dev/hello", api_id=api)
    assert status == 502 and json.loads(body) == {"message": "Internal server error"}
    assert headers["x-amzn-errortype"] == "InternalServerErrorException"
    _still_serving(lam, gateway, ok_api)


def test_unhandled_exception_payload(lam: Any) -> None:
    err, doc = _invoke(lam, "fail")
    assert err == "Unhandled"
    assert set(doc) >= {"errorMessage", "errorType", "stackTrace", "requestId"}
    assert any("raise KeyError" in line for line in doc["stackTrace"])
    # The handler's frames only, as Lambda's runtime reports them: none of the runtime's own.
    assert "frontgate" not in "".join(doc["stackTrace"]), doc["stackTrace"]


def test_infinite_loop_times_out(lam: Any, gateway: Gateway, ok_api: str) -> None:
    err, doc = _invoke(lam, "loop")
    assert err == "Unhandled" and doc["errorType"] == "Sandbox.Timedout"
    assert doc["errorMessage"].endswith("Task timed out after 1.00 seconds")
    _still_serving(lam, gateway, ok_api)


def test_fork_bomb_is_contained(lam: Any, gateway: Gateway, ok_api: str) -> None:
    err, doc = _invoke(lam, "bomb")
    assert err == "Unhandled" and doc["errorType"] == "Sandbox.Timedout"
    _still_serving(lam, gateway, ok_api)


def test_memory_limit(lam: Any, gateway: Gateway, ok_api: str) -> None:
    err, doc = _invoke(lam, "hog")
    assert err == "Unhandled" and doc["errorType"] == "Runtime.OutOfMemory"
    _still_serving(lam, gateway, ok_api)


def test_crashed_worker_is_replaced(lam: Any, gateway: Gateway, ok_api: str) -> None:
    for _ in range(2):  # the second call needs a new worker
        err, doc = _invoke(lam, "crash")
        assert err == "Unhandled" and doc["errorType"] == "Runtime.ExitError"
        assert doc["errorMessage"].endswith("Runtime exited with error: exit status 3")
    _still_serving(lam, gateway, ok_api)


def test_request_too_large(lam: Any) -> None:
    big = json.dumps({"x": "y" * (6 * 1024 * 1024)}).encode()
    with pytest.raises(lam.exceptions.RequestTooLargeException):
        lam.invoke(FunctionName="bad-ok", Payload=big)


def test_throttled_at_reserved_concurrency(
    lam: Any, apigw: Any, gateway: Gateway, fns: dict[str, str], ok_api: str
) -> None:
    lam.put_function_concurrency(FunctionName="bad-proxy", ReservedConcurrentExecutions=0)
    try:
        with pytest.raises(lam.exceptions.TooManyRequestsException) as exc:
            lam.invoke(FunctionName="bad-proxy", Payload=b"{}")
        assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
        api = proxy_api(apigw, fns["proxy"], verb="POST", gw=gateway)
        status, _, body = gateway.request("POST", "/dev/hello", api_id=api, body=b"{}")
        assert status == 500 and json.loads(body) == {"message": "Internal server error"}
    finally:
        lam.delete_function_concurrency(FunctionName="bad-proxy")
    _still_serving(lam, gateway, ok_api)


@pytest.mark.parametrize(
    ("answer", "status", "body"),
    [
        ({"statusCode": "201", "body": "made"}, 201, b"made"),
        ({"headers": {"a": "b"}}, 200, b""),
        ({"statusCode": "test"}, 502, b'{"message": "Internal server error"}'),
        ({"statusCode": 200, "wrongValue": 1}, 502, b'{"message": "Internal server error"}'),
        (
            {"statusCode": 200, "multiValueHeaders": {"x": "v"}},
            502,
            b'{"message": "Internal server error"}',
        ),
        ("justAString", 502, b'{"message": "Internal server error"}'),
        (
            {"statusCode": 200, "body": {"not": "a string"}},
            502,
            b'{"message": "Internal server error"}',
        ),
    ],
)
def test_proxy_response_rules(
    apigw: Any, gateway: Gateway, fns: dict[str, str], answer: Any, status: int, body: bytes
) -> None:
    api = _proxy_api(apigw, fns["proxy"], gateway)
    got, headers, raw = gateway.request(
        "POST", "/dev/echo/hello", api_id=api, body=json.dumps(answer).encode()
    )
    assert (got, raw) == (status, body)
    assert headers["content-type"] == "application/json"


_APIS: dict[str, str] = {}


def _proxy_api(apigw: Any, arn: str, gw: Gateway) -> str:
    if arn not in _APIS:
        _APIS[arn] = proxy_api(apigw, arn, path="echo/hello", verb="POST", gw=gw)
    return _APIS[arn]


def test_zip_over_50_mb_is_413_as_aws_records(lam: Any, fns: dict[str, str]) -> None:
    """AWS (recorded): a zip over 50 MiB is 413 RequestEntityTooLargeException "Zipped size must
    be smaller than 52428800 bytes", for CreateFunction and UpdateFunctionCode alike."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("app.py", "def ok(event, context):\n    return 1\n")
        zf.writestr("blob", os.urandom(50 * 1024 * 1024 + 1))
    big = buf.getvalue()
    calls = [
        lambda: lam.create_function(
            FunctionName="bad-too-big",
            Runtime="python3.12",
            Role=ROLE,
            Handler="app.ok",
            Code={"ZipFile": big},
        ),
        lambda: lam.update_function_code(FunctionName="bad-ok", ZipFile=big),
    ]
    for call in calls:
        with pytest.raises(lam.exceptions.ClientError) as exc:
            call()
        err = exc.value.response
        assert err["ResponseMetadata"]["HTTPStatusCode"] == 413
        assert err["Error"] == {
            "Code": "RequestEntityTooLargeException",
            "Message": "Zipped size must be smaller than 52428800 bytes",
        }
