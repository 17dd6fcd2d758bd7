"""Shared pieces for the observability tests: a small OpenAPI file in front of the loopback
upstream, the real ``frontgate serve``, and the real AWS CLI / boto3 against its admin port."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from tests.support.awscli import run_aws
from tests.support.gateway import Gateway
from tests.support.upstream import Upstream

API = """
openapi: 3.0.1
info: {title: observed, version: '1'}
paths:
  /pets:
    get:
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: UPSTREAM/pets
  /broken:
    get:
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: UPSTREAM/status/503
  /mock:
    get:
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default:
            statusCode: '200'
            responseTemplates: {application/json: '{"ok": true}'}
"""

CONSOLE_JSON = (
    '{ "requestId":"$context.requestId", "extendedRequestId":"$context.extendedRequestId", '
    '"ip": "$context.identity.sourceIp", "caller":"$context.identity.caller", '
    '"user":"$context.identity.user", "requestTime":"$context.requestTime", '
    '"httpMethod":"$context.httpMethod", "resourcePath":"$context.resourcePath", '
    '"status":"$context.status", "protocol":"$context.protocol", '
    '"responseLength":"$context.responseLength" }'
)


@pytest.fixture(scope="module")
def upstream() -> Iterator[Upstream]:
    """The loopback upstream the observed API proxies to, one per test module."""
    with Upstream() as up:
        yield up


def api_file(tmp: Path, upstream_port: int) -> Path:
    path = tmp / "observed.yaml"
    path.write_text(API.replace("UPSTREAM", f"http://127.0.0.1:{upstream_port}"))
    return path


def aws(gw: Gateway, *args: str) -> subprocess.CompletedProcess[str]:
    return run_aws(f"http://127.0.0.1:{gw.admin_port}", "--output", "json", "apigateway", *args)


def update_stage(gw: Gateway, *ops: tuple[str, str, str]) -> dict[str, Any]:
    result = gw.admin_client().update_stage(
        restApiId=gw.api_id,
        stageName="dev",
        patchOperations=[{"op": op, "path": path, "value": value} for op, path, value in ops],
    )
    return dict(result)


def admin_get(gw: Gateway, path: str) -> tuple[int, bytes]:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", gw.admin_port, timeout=10)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


Scrape = dict[tuple[str, tuple[tuple[str, str], ...]], float]


# A sample line of the text exposition format: name, labels (escaped values), value, timestamp.
_SAMPLE = re.compile(
    r"[a-zA-Z_:][a-zA-Z0-9_:]*"
    r'(?:\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(?:,(?=[a-zA-Z_]))?)*\})?'
    r" (?:[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]Inf|NaN)(?: -?[0-9]+)?"
)
_COMMENT = re.compile(r"# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* "
                      r"(?:counter|gauge|histogram|summary|untyped)")  # fmt: skip


def exposition(body: str, only: Collection[str]) -> str:
    """The text of the metrics named ``only`` (as their ``# HELP`` line names them), for
    prometheus_client's parser; every other line is checked here against the text format's
    grammar. For scrapes of thousands of series, which that parser takes tens of seconds to
    read whole."""
    kept: list[str] = []
    keep = False
    for line in body.splitlines():
        if line.startswith("# HELP "):
            keep = line.split(" ", 3)[2] in only
        if keep:
            kept.append(line)
        else:
            assert (_COMMENT if line.startswith("#") else _SAMPLE).fullmatch(line), line
    return "\n".join(kept) + "\n"


def scrape(gw: Gateway, only: Collection[str] | None = None) -> Scrape:
    """/metrics through prometheus_client's parser: {(sample name, sorted labels): value}.
    With ``only``, those metrics alone (:func:`exposition`)."""
    status, body = admin_get(gw, "/metrics")
    assert status == 200
    text = body.decode() if only is None else exposition(body.decode(), only)
    out: Scrape = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def wait_for(check: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def read_lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def json_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in read_lines(path)]
