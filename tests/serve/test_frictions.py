"""A newcomer's first minutes: Ctrl-C right after the banner, the demo from the config file or the
environment, errors that name the setting or the port, AWS CLI calls to services Frontgate does
not implement, ``frontgate top --admin-url``, and exports that list the URL that works."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from tests.support.awscli import run_aws
from tests.support.gateway import Gateway, serve_command


def _serve(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        serve_command(tmp_path / "data", *args),
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "frontgate", *args], capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("delay", [0.0, 0.2, 0.5])
def test_ctrl_c_right_after_the_banner_stops_the_node(tmp_path: Path, delay: float) -> None:
    proc = subprocess.Popen(
        serve_command(tmp_path / "data", "--demo"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None
    try:
        out = []
        while not any("(without Host" in line for line in out):
            line = proc.stdout.readline()
            assert line, "".join(out)
            out.append(line)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
        code = proc.wait(20)  # was: the first Ctrl-C ignored (or a traceback)
        rest = proc.stdout.read()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        proc.stdout.close()
    assert code in (0, 130, -signal.SIGINT)
    assert "Traceback" not in rest, rest


def _demo_serves(gw: Gateway) -> None:
    apis = gw.admin_client().get_rest_apis()["items"]
    assert [a["name"] for a in apis] == ["Frontgate demo"]
    status, _, body = gw.request("GET", "/dev/hello", api_id=apis[0]["id"])
    assert status == 200, body


def test_demo_from_the_environment(tmp_path: Path) -> None:
    with Gateway(tmp_path / "data", env={"FRONTGATE_DEMO": "1"}) as gw:
        _demo_serves(gw)


def test_demo_from_the_config_file(tmp_path: Path) -> None:
    cfg = tmp_path / "frontgate.yaml"
    cfg.write_text("demo: true\n")
    with Gateway(tmp_path / "data", "--config", str(cfg)) as gw:
        _demo_serves(gw)
    cfg.write_text("demo: maybe\n")
    out = _serve(tmp_path, "--config", str(cfg))
    assert out.returncode == 2
    assert f"{cfg}: demo: must be true or false" in out.stderr and "'maybe'" in out.stderr


def test_bad_values_name_the_variable(tmp_path: Path) -> None:
    out = _serve(tmp_path, env={"FRONTGATE_PORT": "abc"})
    assert out.returncode == 2
    assert "frontgate: FRONTGATE_PORT: must be an integer, got 'abc'" in out.stderr
    cfg = tmp_path / "frontgate.yaml"
    cfg.write_text("shutdown-timeout: soon\n")
    out = _serve(tmp_path, "--config", str(cfg))
    assert out.returncode == 2
    assert f"{cfg}: shutdown-timeout: must be a number, got 'soon'" in out.stderr


def test_address_in_use_names_the_port_and_the_listener(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        out = _serve(tmp_path, "--port", str(port))
        assert out.returncode == 2
        assert (
            f"cannot listen on 127.0.0.1:{port} for the data plane (--port): Address already in use"
        ) in out.stderr
        out = _serve(tmp_path, "--admin-port", str(port))
        assert out.returncode == 2
        assert f"cannot listen on 127.0.0.1:{port} for the admin API (--admin-port)" in out.stderr


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with Gateway(tmp_path_factory.mktemp("fg"), "--demo") as gw:
        yield gw


def _aws(gw: Gateway, *args: str) -> subprocess.CompletedProcess[str]:
    return run_aws(f"http://127.0.0.1:{gw.admin_port}", *args)


_UNIMPLEMENTED = [
    (("sqs", "list-queues"), "sqs", "UnknownOperationException"),  # JSON protocol
    (("dynamodb", "list-tables"), "dynamodb", "UnknownOperationException"),
    (("sns", "list-topics"), "sns", "InvalidAction"),  # query protocol
    (("s3api", "list-buckets"), "s3", "NotImplemented"),  # REST-XML
    (("kafka", "list-clusters"), "kafka", "UnknownOperationException"),  # REST-JSON
]


def test_unimplemented_services_are_named(demo: Gateway) -> None:
    for command, service, code in _UNIMPLEMENTED:
        out = _aws(demo, *command)
        assert out.returncode != 0
        # Was: "An error occurred (404) when calling the ListQueues operation: None".
        assert f"An error occurred ({code})" in out.stderr, out.stderr
        assert f"Frontgate does not implement the {service} " in out.stderr
    # The services served on the admin listener still answer.
    assert _aws(demo, "apigateway", "get-rest-apis").returncode == 0
    assert _aws(demo, "lambda", "list-functions").returncode == 0


def test_unimplemented_operations_of_served_services_are_named(demo: Gateway) -> None:
    """The tutorial's `aws iam create-role`, `aws apigateway get-sdk`, `aws lambda list-layers`:
    the error names the operation Frontgate does not implement (was "... operation: None")."""
    cases = [
        (("apigateway", "get-sdk", "--rest-api-id", demo.api_id, "--stage-name", "dev",
          "--sdk-type", "javascript", os.devnull), "GetSdk", "UnknownOperationException"),
        (("lambda", "list-layers"), "ListLayers", "UnknownOperationException"),
        (("apigatewayv2", "list-portals"), "ListPortals", "UnknownOperationException"),
        (("iam", "create-role", "--role-name", "r", "--assume-role-policy-document", "{}"),
         "CreateRole", "InvalidAction"),
    ]  # fmt: skip
    for command, operation, code in cases:
        out = _aws(demo, *command)
        assert out.returncode != 0
        assert (
            f"An error occurred ({code}) when calling the {operation} operation: "
            + (f"Frontgate does not implement the {command[0]} operation {operation}")
            in out.stderr
        ), out.stderr


def test_top_takes_admin_url(demo: Gateway) -> None:
    admin = f"http://127.0.0.1:{demo.admin_port}"
    for option in ("--admin-url", "--admin"):  # --admin: the old spelling, still accepted
        out = _cli("top", option, admin, "--once", "--interval", "0.1")
        assert out.returncode == 0, out.stderr
        assert f"frontgate top — {admin}/metrics" in out.stdout


def test_export_lists_the_plain_http_url(demo: Gateway) -> None:
    admin = f"http://127.0.0.1:{demo.admin_port}"
    api = demo.api_id
    out = _cli("export", api, "--stage", "dev", "--admin-url", admin)
    assert out.returncode == 0, out.stderr
    doc = yaml.safe_load(out.stdout)
    url = doc["servers"][0]["url"].replace("{basePath}", "dev")
    assert url == f"http://{api}.execute-api.localhost:{demo.port}/dev"  # was https://
    out = _cli("export", api, "--stage", "dev", "--type", "swagger", "--admin-url", admin)
    doc = yaml.safe_load(out.stdout)
    assert (doc["schemes"], doc["host"]) == (["http"], f"{api}.execute-api.localhost:{demo.port}")
    # The exported URL works as printed.
    status, _, _ = demo.request("GET", "/dev/hello")
    assert status == 200


def test_out_of_range_ports_and_non_finite_numbers_name_the_setting(tmp_path: Path) -> None:
    """A port outside 0-65535 or a timeout of nan/inf is a setting error (exit 2, one line naming
    the setting), not a traceback from bind() or a timer."""
    cases = [
        ((), {"FRONTGATE_ADMIN_PORT": "-5"}, "FRONTGATE_ADMIN_PORT: must be a port number"),
        (("--port", "99999"), {}, "--port: must be a port number (0 to 65535), got 99999"),
        (("--tls-port", "70000"), {}, "--tls-port: must be a port number"),
        (("--header-timeout", "nan"), {}, "--header-timeout: must be a number, got nan"),
        ((), {"FRONTGATE_KEEPALIVE_TIMEOUT": "inf"}, "FRONTGATE_KEEPALIVE_TIMEOUT: must be a"),
    ]
    for args, env, message in cases:
        out = _serve(tmp_path, *args, env=env)
        assert out.returncode == 2, (args, env, out.stderr)
        assert "Traceback" not in out.stderr and message in out.stderr, out.stderr
