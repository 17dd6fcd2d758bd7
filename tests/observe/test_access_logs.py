"""Access logs end to end: formats set through UpdateStage (the AWS CLI and boto3) on the real
``frontgate serve``, written where ``destinationArn`` says, one line per request."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from tests.observe.conftest import (
    CONSOLE_JSON,
    api_file,
    aws,
    json_lines,
    read_lines,
    scrape,
    update_stage,
    wait_for,
)  # fmt: skip
from tests.support.gateway import Gateway
from tests.support.upstream import Upstream

GROUP_ARN = "arn:aws:logs:us-east-1:123456789012:log-group:"


@pytest.fixture(scope="module")
def gw(upstream: Upstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("access")
    with Gateway(tmp / "data", "--api", str(api_file(tmp, upstream.port))) as gateway:
        yield gateway


def _applied(gw: Gateway, log: Path) -> None:
    """Requests until the new stage settings are live (the worker recompiles within 0.25 s)."""
    wait_for(lambda: gw.request("GET", "/dev/mock")[0] == 200 and log.exists(), what=str(log))


def test_console_json_format_set_with_the_aws_cli(gw: Gateway) -> None:
    result = aws(
        gw, "update-stage", "--rest-api-id", gw.api_id, "--stage-name", "dev",
        "--patch-operations",
        f"op=replace,path=/accessLogSettings/format,value='{CONSOLE_JSON}'",
        f"op=replace,path=/accessLogSettings/destinationArn,value={GROUP_ARN}api/json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    stored = json.loads(result.stdout)["accessLogSettings"]
    assert stored["format"] == CONSOLE_JSON  # kept verbatim
    log = gw.data_dir / "logs" / "api" / "json.log"  # '/' in the group name makes a folder
    _applied(gw, log)
    sent = []
    for path in ("/dev/pets?x=1", "/dev/broken", "/dev/nowhere", "/dev/mock"):
        status, headers, body = gw.request("GET", path, headers={"User-Agent": 'q"uote'})
        sent.append((headers["x-amzn-requestid"], headers["x-amz-apigw-id"], status, len(body)))
    ids = {s[0] for s in sent}
    lines = wait_for(lambda: [d for d in json_lines(log) if d["requestId"] in ids], what="lines")
    wait_for(lambda: len([d for d in json_lines(log) if d["requestId"] in ids]) == 4)
    by_id = {d["requestId"]: d for d in json_lines(log)}
    for (request_id, ext_id, status, length), path in zip(
        sent, ("/pets", "/broken", None, "/mock"), strict=True
    ):
        line = by_id[request_id]
        assert line["extendedRequestId"] == ext_id
        assert line["status"] == str(status)  # quoted in the format, so a string
        assert line["responseLength"] == str(length)
        assert line["ip"] == "127.0.0.1"
        assert line["caller"] == "-" and line["user"] == "-"  # AWS writes '-' for null
        assert line["httpMethod"] == "GET"
        assert line["protocol"] == "HTTP/1.1"
        assert line["resourcePath"] == (path or "-")
        assert re.fullmatch(r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000", line["requestTime"])
    assert [by_id[s[0]]["status"] for s in sent] == ["200", "503", "403", "200"]
    assert lines


@pytest.mark.parametrize("layout", ["CLF", "XML", "CSV"])
def test_console_formats_work_verbatim(gw: Gateway, layout: str) -> None:
    formats = {
        "CLF": '$context.identity.sourceIp $context.identity.caller $context.identity.user '
               '[$context.requestTime] "$context.httpMethod $context.resourcePath '
               '$context.protocol" $context.status $context.responseLength $context.requestId '
               '$context.extendedRequestId',
        "XML": '<request id="$context.requestId"> <extendedRequestId>$context.extendedRequestId'
               '</extendedRequestId> <ip>$context.identity.sourceIp</ip> <caller>'
               '$context.identity.caller</caller> <user>$context.identity.user</user> '
               '<requestTime>$context.requestTime</requestTime> <httpMethod>$context.httpMethod'
               '</httpMethod> <resourcePath>$context.resourcePath</resourcePath> <status>'
               '$context.status</status> <protocol>$context.protocol</protocol> <responseLength>'
               '$context.responseLength</responseLength> </request>',
        "CSV": '$context.identity.sourceIp,$context.identity.caller,$context.identity.user,'
               '$context.requestTime,$context.httpMethod,$context.resourcePath,$context.protocol,'
               '$context.status,$context.responseLength,$context.requestId,'
               '$context.extendedRequestId',
    }  # fmt: skip
    log = gw.data_dir / f"{layout}.log"
    update_stage(gw, ("replace", "/accessLogSettings/format", formats[layout]),
                 ("replace", "/accessLogSettings/destinationArn", f"file://{log}"))  # fmt: skip
    _applied(gw, log)
    status, headers, body = gw.request("GET", "/dev/pets")
    rid = headers["x-amzn-requestid"]
    line = wait_for(lambda: next((x for x in read_lines(log) if rid in x), None), what=rid)
    if layout == "CLF":
        clf = r'127\.0\.0\.1 - - \[[^\]]+\] "GET /pets HTTP/1\.1" (\d+) (\d+) (\S+) (\S+)'
        m = re.fullmatch(clf, line)
        assert m is not None, line
        assert (int(m[1]), int(m[2]), m[3]) == (status, len(body), rid)
    elif layout == "XML":
        doc = ET.fromstring(line)
        assert doc.get("id") == rid
        assert doc.findtext("status") == "200"
        assert doc.findtext("responseLength") == str(len(body))
        assert doc.findtext("resourcePath") == "/pets"
    else:
        row = next(csv.reader(io.StringIO(line)))
        assert len(row) == 11
        assert row[5:10] == ["/pets", "HTTP/1.1", "200", str(len(body)), rid]


def test_json_values_are_escaped_and_unquoted_values_are_json_literals(gw: Gateway) -> None:
    log = gw.data_dir / "literal.log"
    fmt = ('{"id":"$context.requestId","agent":"$context.identity.userAgent",'
           '"status":$context.status,"latency":$context.integrationLatency,'
           '"error":"$context.error.message","type":"$context.error.responseType"}')  # fmt: skip
    update_stage(gw, ("replace", "/accessLogSettings/format", fmt),
                 ("replace", "/accessLogSettings/destinationArn", f"file://{log}"))  # fmt: skip
    _applied(gw, log)
    _, headers, _ = gw.request("GET", "/dev/nowhere", headers={"User-Agent": 'a "quoted"\\ agent'})
    rid = headers["x-amzn-requestid"]
    doc = wait_for(lambda: next((d for d in json_lines(log) if d["id"] == rid), None))
    assert doc["agent"] == 'a "quoted"\\ agent'
    assert doc["status"] == 403 and doc["latency"] is None
    assert doc["error"] == "Missing Authentication Token"
    assert doc["type"] == "MISSING_AUTHENTICATION_TOKEN"


def test_update_stage_refuses_unknown_variables_with_aws_message(gw: Gateway) -> None:
    result = aws(
        gw, "update-stage", "--rest-api-id", gw.api_id, "--stage-name", "dev",
        "--patch-operations",
        "op=replace,path=/accessLogSettings/format,value='$context.requestId $context.nope "
        "$context.status $context.identity.bogus'",
    )  # fmt: skip
    assert result.returncode != 0
    assert "BadRequestException" in result.stderr
    assert (
        "The following context variables are not supported: "
        "[$context.nope, $context.identity.bogus]" in result.stderr
    )
    with pytest.raises(ClientError) as err:
        update_stage(gw, ("replace", "/accessLogSettings/format", "$context.status"))
    assert err.value.response["Error"]["Message"] == (
        "Access Log format must include either $context.requestId or $context.extendedRequestId"
        " : '$context.status'"
    )
    stage = gw.admin_client().get_stage(restApiId=gw.api_id, stageName="dev")
    assert "nope" not in stage.get("accessLogSettings", {}).get("format", "")


def test_unwritable_destinations_never_stop_traffic(gw: Gateway, tmp_path: Path) -> None:
    # /dev/full fails every write with ENOSPC: a full disk, for real.
    update_stage(gw, ("replace", "/accessLogSettings/format", "$context.requestId"),
                 ("replace", "/accessLogSettings/destinationArn", "file:///dev/full"))  # fmt: skip
    before = scrape(gw).get(("frontgate_log_dropped_lines_total", (("log", "access"),)), 0)
    for _ in range(20):
        assert gw.request("GET", "/dev/mock", timeout=2)[0] == 200
    wait_for(
        lambda: scrape(gw)[("frontgate_log_dropped_lines_total", (("log", "access"),))]
        >= before + 20, what="dropped lines counted",
    )  # fmt: skip
    # A destination that cannot be opened at all (a directory) is counted the same way.
    update_stage(gw, ("replace", "/accessLogSettings/destinationArn", f"file://{tmp_path}"))
    for _ in range(5):
        assert gw.request("GET", "/dev/pets", timeout=2)[0] == 200
    wait_for(
        lambda: scrape(gw)[("frontgate_log_dropped_lines_total", (("log", "access"),))]
        >= before + 25, what="open failure counted",
    )  # fmt: skip
    gw.stop()
    log = "".join(gw.lines)
    assert "log write to /dev/full failed" in log
    assert f"log write to {tmp_path} failed" in log
