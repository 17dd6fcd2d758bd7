"""Function URL management in the Lambda API, with boto3 and the AWS CLI against a real
``frontgate serve``: each operation, its output shape and its errors; AddPermission with
``--function-url-auth-type``."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from tests.functions.conftest import ROLE, aws, make_zip
from tests.support.gateway import Gateway

CODE = make_zip({"app.py": "def handler(event, context):\n    return 'ok'\n"})
URL = re.compile(r"http://([a-z0-9]{32})\.lambda-url\.us-east-1\.localhost:(\d+)/")


def _function(lam: Any, name: str) -> str:
    out = lam.create_function(
        FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
        Code={"ZipFile": CODE},
    )  # fmt: skip
    return str(out["FunctionArn"])


def _error(exc: Any) -> tuple[str, str, int]:
    err = exc.value.response
    return err["Error"]["Code"], err["Error"]["Message"], err["ResponseMetadata"]["HTTPStatusCode"]


def test_lifecycle_with_boto3(lam: Any, gateway: Gateway) -> None:
    arn = _function(lam, "url-life")
    assert lam.list_function_url_configs(FunctionName="url-life")["FunctionUrlConfigs"] == []
    created = lam.create_function_url_config(
        FunctionName="url-life",
        AuthType="NONE",
        Cors={"AllowOrigins": ["https://app.example"], "AllowMethods": ["get", "POST"],
              "MaxAge": 300, "AllowCredentials": True},
    )  # fmt: skip
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    m = URL.fullmatch(created["FunctionUrl"])
    assert m is not None and int(m.group(2)) == gateway.port, created["FunctionUrl"]
    assert created["FunctionArn"] == arn
    assert created["AuthType"] == "NONE"
    assert created["InvokeMode"] == "BUFFERED"
    assert created["Cors"] == {
        "AllowOrigins": ["https://app.example"], "AllowMethods": ["GET", "POST"],
        "MaxAge": 300, "AllowCredentials": True,
    }  # fmt: skip
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", created["CreationTime"])
    assert "LastModifiedTime" not in created

    got = lam.get_function_url_config(FunctionName="url-life")
    assert got["FunctionUrl"] == created["FunctionUrl"]
    assert got["LastModifiedTime"] == got["CreationTime"] == created["CreationTime"]

    updated = lam.update_function_url_config(
        FunctionName=arn, AuthType="AWS_IAM", Cors={}, InvokeMode="RESPONSE_STREAM"
    )
    assert updated["FunctionUrl"] == created["FunctionUrl"]  # the URL never changes
    assert updated["AuthType"] == "AWS_IAM"
    assert updated["InvokeMode"] == "RESPONSE_STREAM"
    assert "Cors" not in updated
    assert updated["LastModifiedTime"] >= updated["CreationTime"]

    listed = lam.list_function_url_configs(FunctionName="url-life")["FunctionUrlConfigs"]
    assert [c["FunctionUrl"] for c in listed] == [created["FunctionUrl"]]
    assert listed[0]["AuthType"] == "AWS_IAM"

    deleted = lam.delete_function_url_config(FunctionName="url-life")
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_url_config(FunctionName="url-life")
    again = lam.create_function_url_config(FunctionName="url-life", AuthType="NONE")
    assert again["FunctionUrl"] != created["FunctionUrl"]  # a new URL id
    lam.delete_function(FunctionName="url-life")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_url_config(FunctionName="url-life")


def test_errors(lam: Any) -> None:
    arn = _function(lam, "url-errors")
    lam.create_function_url_config(FunctionName="url-errors", AuthType="NONE")
    with pytest.raises(lam.exceptions.ResourceConflictException) as exc:
        lam.create_function_url_config(FunctionName="url-errors", AuthType="NONE")
    assert _error(exc) == (
        "ResourceConflictException",
        f"Failed to create function url config for [functionArn = {arn}]. Error message:  "
        "FunctionUrlConfig exists for this Lambda function",
        409,
    )
    lam.delete_function_url_config(FunctionName="url-errors")
    for call in (
        lambda: lam.get_function_url_config(FunctionName="url-errors"),
        lambda: lam.update_function_url_config(FunctionName="url-errors", AuthType="NONE"),
        lambda: lam.delete_function_url_config(FunctionName="url-errors"),
    ):
        with pytest.raises(lam.exceptions.ResourceNotFoundException) as exc:
            call()
        assert _error(exc) == (
            "ResourceNotFoundException",
            "The resource you requested does not exist.",
            404,
        )
    missing = arn.replace("url-errors", "url-missing")
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as exc:
        lam.create_function_url_config(FunctionName="url-missing", AuthType="NONE")
    assert _error(exc) == ("ResourceNotFoundException", f"Function not found: {missing}", 404)
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as exc:
        lam.list_function_url_configs(FunctionName="url-missing")
    # No aliases here: a qualifier names a function that does not exist.
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as exc:
        lam.create_function_url_config(FunctionName="url-errors", Qualifier="live", AuthType="NONE")
    assert _error(exc)[1] == f"Function not found: {arn}:live"


def test_cli_flow_and_public_permission(gateway: Gateway, lam: Any) -> None:
    port = gateway.admin_port
    _function(lam, "url-cli")
    out = json.loads(
        aws(port, "lambda", "create-function-url-config", "--function-name", "url-cli",
            "--auth-type", "NONE").stdout
    )  # fmt: skip
    assert URL.fullmatch(out["FunctionUrl"]) and out["AuthType"] == "NONE"
    added = json.loads(
        aws(port, "lambda", "add-permission", "--function-name", "url-cli",
            "--action", "lambda:InvokeFunctionUrl", "--principal", "*",
            "--function-url-auth-type", "NONE", "--statement-id", "FunctionURLAllowPublicAccess"
            ).stdout
    )  # fmt: skip
    assert json.loads(added["Statement"]) == {
        "Sid": "FunctionURLAllowPublicAccess",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "lambda:InvokeFunctionUrl",
        "Resource": out["FunctionArn"],
        "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}},
    }
    got = json.loads(
        aws(port, "lambda", "get-function-url-config", "--function-name", "url-cli").stdout
    )
    assert got["FunctionUrl"] == out["FunctionUrl"]
    listed = json.loads(
        aws(port, "lambda", "list-function-url-configs", "--function-name", "url-cli").stdout
    )
    assert [c["FunctionUrl"] for c in listed["FunctionUrlConfigs"]] == [out["FunctionUrl"]]
    bad = aws(port, "lambda", "create-function-url-config", "--function-name", "url-cli",
              "--auth-type", "OPEN", check=False)  # fmt: skip
    assert bad.returncode != 0
    assert "ValidationException" in bad.stderr and "authType" in bad.stderr, bad.stderr
    dup = aws(port, "lambda", "create-function-url-config", "--function-name", "url-cli",
              "--auth-type", "NONE", check=False)  # fmt: skip
    assert "ResourceConflictException" in dup.stderr, dup.stderr
    aws(port, "lambda", "delete-function-url-config", "--function-name", "url-cli")
    gone = aws(port, "lambda", "get-function-url-config", "--function-name", "url-cli",
               check=False)  # fmt: skip
    assert "ResourceNotFoundException" in gone.stderr, gone.stderr
