"""``--functions-dir``: the directory owns what it declares (code, ``function.json``), the Lambda
API owns the rest (AddPermission, reserved concurrency), and both hold across a restart on the
same data directory. Handler defaults: ``app.handler``, then AWS's
``lambda_function.lambda_handler``."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from tests.functions.conftest import aws, client, make_zip, proxy_api
from tests.support.gateway import Gateway, serve_command

APP = """
def handler(event, context):
    return {"statusCode": 200, "body": "greet " + str(context.get_remaining_time_in_millis() > 0)}
"""
AWS_STYLE = """
import json

def lambda_handler(event, context):
    return {"statusCode": 200, "body": json.dumps("Hello from Lambda!")}
"""


def _declare(root: Path, name: str, files: dict[str, str]) -> Path:
    fn = root / name
    fn.mkdir(parents=True, exist_ok=True)
    for file, text in files.items():
        (fn / file).write_text(text)
    return fn


def test_lambda_api_changes_across_restart(tmp_path: Path) -> None:
    handlers = tmp_path / "handlers"
    greet = _declare(handlers, "greet", {"app.py": APP})
    _declare(handlers, "gone", {"app.py": APP})
    data = tmp_path / "data"
    with Gateway(data, "--functions-dir", str(handlers)) as gw:
        lam = client("lambda", gw.admin_port)
        arn = lam.get_function(FunctionName="greet")["Configuration"]["FunctionArn"]
        api = proxy_api(client("apigateway", gw.admin_port), arn, gw=gw)
        # function.json lists no permission: API Gateway may not invoke it yet.
        assert gw.request("GET", "/dev/hello", api_id=api)[0] == 500
        aws(
            gw.admin_port, "lambda", "add-permission", "--function-name", "greet",
            "--statement-id", "apigw", "--action", "lambda:InvokeFunction",
            "--principal", "apigateway.amazonaws.com",
            "--source-arn", f"arn:aws:execute-api:us-east-1:123456789012:{api}/*",
        )  # fmt: skip
        lam.put_function_concurrency(FunctionName="greet", ReservedConcurrentExecutions=5)
        assert gw.request("GET", "/dev/hello", api_id=api)[:3:2] == (200, b"greet True")
        # What the directory declares cannot be changed through the Lambda API: refused with
        # a message naming the directory, instead of being lost at the next restart.
        zip_path = tmp_path / "new.zip"
        zip_path.write_bytes(make_zip({"app.py": APP.replace("greet", "other")}))
        out = aws(
            gw.admin_port, "lambda", "update-function-code", "--function-name", "greet",
            "--zip-file", f"fileb://{zip_path}", check=False,
        )  # fmt: skip
        assert out.returncode != 0
        assert "(ResourceConflictException)" in out.stderr
        assert f"its code is the directory {greet}" in out.stderr
        with pytest.raises(lam.exceptions.ResourceConflictException) as exc:
            lam.update_function_configuration(FunctionName="greet", Timeout=9)
        assert str(greet / "function.json") in str(exc.value)
        with pytest.raises(lam.exceptions.ResourceConflictException) as exc:
            lam.delete_function(FunctionName="greet")
        assert f"remove the directory {greet}" in str(exc.value)
        revision = lam.get_function(FunctionName="greet")["Configuration"]["RevisionId"]

    # Between the runs: function.json changes the timeout, one directory goes away.
    (greet / "function.json").write_text(json.dumps({"Timeout": 7}))
    shutil.rmtree(handlers / "gone")
    with Gateway(data, "--functions-dir", str(handlers)) as gw:
        lam = client("lambda", gw.admin_port)
        # The endpoint that worked before the restart still works (was: 500).
        assert gw.request("GET", "/dev/hello", api_id=api)[:3:2] == (200, b"greet True")
        fn = lam.get_function(FunctionName="greet")
        assert fn["Configuration"]["Timeout"] == 7
        assert fn["Configuration"]["RevisionId"] != revision
        assert fn["Concurrency"] == {"ReservedConcurrentExecutions": 5}
        policy = json.loads(lam.get_policy(FunctionName="greet")["Policy"])
        assert [s["Sid"] for s in policy["Statement"]] == ["apigw"]
        with pytest.raises(lam.exceptions.ResourceNotFoundException):
            lam.get_function(FunctionName="gone")
        revision = fn["Configuration"]["RevisionId"]
    # A restart with nothing changed keeps the function as it is.
    with Gateway(data, "--functions-dir", str(handlers)) as gw:
        lam = client("lambda", gw.admin_port)
        assert lam.get_function(FunctionName="greet")["Configuration"]["RevisionId"] == revision


def test_declared_permissions_belong_to_the_directory(tmp_path: Path) -> None:
    handlers = tmp_path / "handlers"
    _declare(handlers, "greet", {"app.py": APP})
    (handlers / "greet" / "function.json").write_text(
        json.dumps({"Permissions": ["arn:aws:execute-api:*"]})
    )
    with Gateway(tmp_path / "data", "--functions-dir", str(handlers)) as gw:
        lam = client("lambda", gw.admin_port)
        with pytest.raises(lam.exceptions.ResourceConflictException) as exc:
            lam.remove_permission(FunctionName="greet", StatementId="declared-0")
        assert "Permissions in" in str(exc.value)
        assert str(handlers / "greet" / "function.json") in str(exc.value)


def test_handler_defaults(tmp_path: Path) -> None:
    handlers = tmp_path / "handlers"
    _declare(handlers, "awsstyle", {"lambda_function.py": AWS_STYLE})
    _declare(handlers, "appstyle", {"app.py": APP})
    _declare(handlers, "named", {"main.py": AWS_STYLE.replace("lambda_handler", "go")})
    (handlers / "named" / "function.json").write_text(json.dumps({"Handler": "main.go"}))
    with Gateway(tmp_path / "data", "--functions-dir", str(handlers)) as gw:
        lam = client("lambda", gw.admin_port)
        for name, handler in (
            ("awsstyle", "lambda_function.lambda_handler"),
            ("appstyle", "app.handler"),
            ("named", "main.go"),
        ):
            assert lam.get_function(FunctionName=name)["Configuration"]["Handler"] == handler
            out = lam.invoke(FunctionName=name, Payload=b"{}")
            assert "FunctionError" not in out, out["Payload"].read()
            assert json.loads(out["Payload"].read())["statusCode"] == 200


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ('{"Handlr": "app.handler"}', "unknown key 'Handlr'"),
        ('{"Timeout": 3', "not valid JSON"),
        ('{"Runtime": "nodejs20.x"}', "Runtime nodejs20.x is not supported"),
        ('{"Timeout": "10"}', "Timeout must be a positive integer"),
    ],
)
def test_bad_function_json_is_refused_naming_the_file(
    tmp_path: Path, spec: str, message: str
) -> None:
    handlers = tmp_path / "handlers"
    _declare(handlers, "greet", {"app.py": APP, "function.json": spec})
    out = subprocess.run(
        serve_command(tmp_path / "data", "--functions-dir", str(handlers)),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 2
    assert f"frontgate: {handlers / 'greet' / 'function.json'}: {message}" in out.stderr
    assert "Traceback" not in out.stderr
