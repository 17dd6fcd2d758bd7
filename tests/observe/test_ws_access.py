"""WebSocket access-log formats (observe/ws_access.py): every layout stays parseable whatever the
values hold, nulls are AWS's ``-`` (JSON's null outside a string), the checks UpdateStage runs,
and a compiled plan survives the trip to a worker (pickling, as snapshot images do)."""

from __future__ import annotations

import csv
import io
import json
import pickle
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

import pytest

from frontgate.observe.ws_access import compile_ws_format, ws_format_errors
from frontgate.observe.ws_event import WsEvent
from frontgate.observe.ws_plan import WsObservePlan, ws_observe_plan


@dataclass
class Peer:
    """A connection as an event reads it (the fields ``websocket.session.Session`` has)."""

    connection_id: str = "R0oXAdfD0kwCH6w="
    domain_name: str = "abc123defg.execute-api.localhost:8080"
    connected_at: float = 1705751697.419
    source_ip: str = "203.0.113.9"
    user_agent: str = 'evil"agent</x>\\'
    headers: list[tuple[str, str]] = field(default_factory=list)
    authorizer: dict[str, Any] | None = None
    caller: dict[str, Any] = field(default_factory=dict)


def _plan(**stage: Any) -> WsObservePlan:
    return ws_observe_plan("abc123defg", {"stageName": "prod", **stage}, ["$connect", "send"])


def _event(peer: Peer | None = None, event_type: str = "MESSAGE", route: str | None = "send"):
    plan = _plan()
    e = WsEvent(plan, plan.route(route), peer or Peer(), event_type, route, "MKbB-HYDIAMEq0w=")
    e.start_wall = 1705751700.453
    return e


def test_json_layout_escapes_client_text_and_writes_nulls() -> None:
    fmt = (
        '{"requestId":"$context.requestId","eventType":"$context.eventType",'
        '"connectionId":"$context.connectionId","messageId":"$context.messageId",'
        '"ua":"$context.identity.userAgent","status":$context.status,'
        '"latency":$context.integrationLatency,"connectedAt":$context.connectedAt,'
        '"epoch":$context.requestTimeEpoch,"error":$context.error.messageString,'
        '"route":"$context.routeKey","tenant":"$context.authorizer.tenant",'
        '"flag":"$context.authorizer.flag","principal":"$context.authorizer.principalId"}'
    )
    e = _event(Peer(authorizer={"principalId": "u-1", "tenant": 'a"b', "flag": True}))
    e.message_id = "R1knPc2ntjMCFIA="
    line = json.loads(compile_ws_format(fmt).format(e))
    assert line == {
        "requestId": "MKbB-HYDIAMEq0w=", "eventType": "MESSAGE",
        "connectionId": "R0oXAdfD0kwCH6w=", "messageId": "R1knPc2ntjMCFIA=",
        "ua": 'evil"agent</x>\\', "status": 200, "latency": None,
        "connectedAt": 1705751697419, "epoch": 1705751700453, "error": None, "route": "send",
        "tenant": 'a"b', "flag": "true", "principal": "u-1",
    }  # fmt: skip
    e2 = _event(event_type="CONNECT", route="$connect")
    e2.status, e2.error, e2.integration_latency = 403, 'No "route"', 12
    line = json.loads(compile_ws_format(fmt).format(e2))
    assert line["error"] == 'No "route"' and line["status"] == 403 and line["latency"] == 12
    assert line["messageId"] == "-" and line["tenant"] == "-"  # null inside a string: "-"


def test_clf_csv_and_xml_layouts() -> None:
    e = _event()
    clf = compile_ws_format(
        "$context.identity.sourceIp - - [$context.requestTime] "
        '"$context.eventType $context.routeKey $context.connectionId" $context.status '
        "$context.requestId\n"
    )
    assert clf.format(e) == (
        '203.0.113.9 - - [20/Jan/2024:11:55:00 +0000] "MESSAGE send R0oXAdfD0kwCH6w=" 200 '
        "MKbB-HYDIAMEq0w="
    )
    row = compile_ws_format(
        "$context.requestId,$context.eventType,$context.messageId,$context.stage"
    ).format(e)
    assert next(csv.reader(io.StringIO(row))) == ["MKbB-HYDIAMEq0w=", "MESSAGE", "-", "prod"]
    xml = compile_ws_format(
        '<request id="$context.requestId"><ua>$context.identity.userAgent</ua>'
        "<type>$context.eventType</type></request>"
    ).format(e)
    root = ET.fromstring(xml)
    assert root.get("id") == "MKbB-HYDIAMEq0w=" and root.findtext("ua") == 'evil"agent</x>\\'


def test_iam_caller_identity() -> None:
    peer = Peer(caller={"accessKey": "AKIDEXAMPLE", "userArn": "arn:aws:iam::1:user/ann"})
    line = compile_ws_format(
        "$context.requestId $context.identity.userArn $context.identity.accessKey "
        "$context.identity.cognitoIdentityId"
    ).format(_event(peer))
    assert line.split() == ["MKbB-HYDIAMEq0w=", "arn:aws:iam::1:user/ann", "AKIDEXAMPLE", "-"]


@pytest.mark.parametrize(
    ("fmt", "message"),
    [
        ("$context.requestId $context.httpMethod", "not supported: [$context.httpMethod]"),
        ("$context.requestId $context.resourcePath", "[$context.resourcePath]"),
        ("$context.requestId $context.authorizer.claims.sub", "[$context.authorizer.claims.sub]"),
        ("$context.requestId $context.responseLatency", "[$context.responseLatency]"),
        ("$context.connectionId $context.eventType", "must include either $context.requestId"),
        ("$context.requestId\n$context.eventType", "must be single line"),
        ("$context.requestId " + "x" * 3072, "at most 3072 bytes"),
    ],
)
def test_formats_refused(fmt: str, message: str) -> None:
    problem = ws_format_errors(fmt)
    assert problem is not None and message in problem
    if "not supported" in message or message.startswith("[$"):
        with pytest.raises(ValueError, match="unknown access-log variable"):
            compile_ws_format(fmt)


@pytest.mark.parametrize(
    "fmt",
    [
        "$context.extendedRequestId $context.eventType\n",
        "$context.requestId $context.messageDirection $context.authorizer.anyKey",
        "$context.requestId $context.waf.status $context.authenticate.error",
    ],
)
def test_formats_accepted(fmt: str) -> None:
    assert ws_format_errors(fmt) is None


def test_plan_pickles_as_its_settings() -> None:
    plan = _plan(
        accessLogSettings={"destinationArn": "arn:aws:logs:us-east-1:1:log-group:g",
                           "format": '{"id":"$context.requestId","t":"$context.eventType"}'},
        defaultRouteSettings={"loggingLevel": "ERROR"},
        routeSettings={"send": {"loggingLevel": "INFO", "dataTraceEnabled": True,
                                "detailedMetricsEnabled": True}},
    )  # fmt: skip
    plan.base = 42  # bound in a worker: not shipped
    copy = pickle.loads(pickle.dumps(plan))
    assert copy.base == -1 and copy.observer is None
    assert copy.access is not None and copy.access_arn == plan.access_arn
    send, connect = copy.route("send"), copy.route("$connect")
    assert (send.log_level, send.data_trace, send.detailed) == ("INFO", True, True)
    assert (connect.log_level, connect.data_trace, connect.detailed) == ("ERROR", False, False)
    assert copy.route(None) is copy.default and copy.route("other") is copy.default
    e = _event()
    line = copy.access.format(e)
    assert re.fullmatch(r'\{"id":"MKbB-HYDIAMEq0w=","t":"MESSAGE"\}', line)


def test_a_stored_unknown_variable_turns_the_access_log_off() -> None:
    # Written before validation existed (or straight to the store): logged, not served.
    plan = _plan(accessLogSettings={"destinationArn": "x", "format": "$context.httpMethod"})
    assert plan.access is None and plan.access_arn is None
