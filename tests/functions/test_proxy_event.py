"""The v1 proxy event as a local worker assembles it from the parts the gateway sends
(functions/proxy_event.py): the reference's rules, and the same document after the pipe
(marshal) as a JSON round trip of it would give."""

from __future__ import annotations

import base64
import json
from typing import Any

from frontgate.functions import frames, proxy_event


def _parts(**over: Any) -> tuple[Any, ...]:
    fields: dict[str, Any] = {
        "headers": [("Host", "abc.execute-api.localhost"), ("X-Forwarded-For", "10.0.0.9"),
                    ("Accept", "a/b"), ("accept", "c/d"), ("Content-Type", "text/plain")],
        "trace": "Root=1-00000001-123456789012000000000002", "ip": "127.0.0.1", "port": 443,
        "scheme": "https", "method": "POST", "path": "/items/a%2Bb", "query": "x=1&x=2&y=",
        "body": "héllo".encode(), "binary_types": (), "account": "123456789012",
        "api": "abc", "deployment": "dep1", "stage": "dev", "variables": {"v": "1"},
        "resource_id": "r1", "resource_path": "/items/{id}", "path_params": {"id": "a%2Bb"},
        "ext_id": "Ext=", "request_id": "rid", "request_time": "25/Nov/2026:19:00:00 +0000",
        "epoch_ms": 1795633200000, "version": "1.1", "identity": None, "authorizer": None,
    }  # fmt: skip
    fields.update(over)
    return tuple(fields.values())


def test_event_fields() -> None:
    event = proxy_event.v1(_parts())
    assert event["resource"] == "/items/{id}" and event["path"] == "/items/a%2Bb"
    assert event["httpMethod"] == "POST"
    # Last value in "headers", every value in "multiValueHeaders"; names as the client sent them.
    assert event["headers"]["Accept"] == "a/b" and event["headers"]["accept"] == "c/d"
    assert event["multiValueHeaders"]["Host"] == ["abc.execute-api.localhost"]
    # The client's X-Forwarded-For is continued, not repeated.
    assert event["headers"]["X-Forwarded-For"] == "10.0.0.9, 127.0.0.1"
    assert event["multiValueHeaders"]["X-Forwarded-For"] == ["10.0.0.9, 127.0.0.1"]
    assert event["headers"]["X-Forwarded-Port"] == "443"
    assert event["headers"]["X-Forwarded-Proto"] == "https"
    assert event["headers"]["X-Amzn-Trace-Id"].startswith("Root=1-")
    assert event["queryStringParameters"] == {"x": "2", "y": ""}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"], "y": [""]}
    assert event["pathParameters"] == {"id": "a%2Bb"} and event["stageVariables"] == {"v": "1"}
    assert event["body"] == "héllo" and event["isBase64Encoded"] is False
    rc = event["requestContext"]
    assert rc["path"] == "/dev/items/a%2Bb" and rc["stage"] == "dev"
    assert rc["protocol"] == "HTTP/1.1" and rc["domainPrefix"] == "abc"
    assert rc["identity"]["sourceIp"] == "127.0.0.1" and rc["identity"]["accessKey"] is None
    assert "authorizer" not in rc


def test_empty_fields_are_null() -> None:
    event = proxy_event.v1(_parts(query="", body=b"", path_params={}, variables={}))
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None and event["stageVariables"] is None
    assert event["body"] is None and event["isBase64Encoded"] is False


def test_binary_media_type_body_is_base64() -> None:
    raw = bytes(range(256))
    event = proxy_event.v1(
        _parts(body=raw, binary_types=("text~1plain",), headers=[("Content-Type", "text/plain")])
    )
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == raw


def test_doubled_slash_and_http_10() -> None:
    event = proxy_event.v1(_parts(path="//x", version="1.0"))
    assert event["path"] == "/x" and event["requestContext"]["path"] == "/dev//x"
    assert event["requestContext"]["protocol"] == "HTTP/1.0"


def test_identity_and_authorizer() -> None:
    authorizer = {"principalId": "me", "claims": {"sub": "1", "scope": "a b"}}
    event = proxy_event.v1(
        _parts(identity={"accessKey": "AKID", "userArn": "arn:x"}, authorizer=authorizer)
    )
    rc = event["requestContext"]
    assert rc["identity"]["accessKey"] == "AKID" and rc["identity"]["userArn"] == "arn:x"
    assert rc["authorizer"] == authorizer


def test_worker_gets_what_json_would_give() -> None:
    """Across the pipe the parts travel as marshal data; the event the worker builds from them
    equals (types included: lists, not tuples) the JSON round trip of the gateway's event."""
    parts = _parts(
        identity={"accessKey": "AKID"},
        authorizer={"principalId": "me", "n": 1, "ok": True, "list": [1, 2]},
    )
    body = frames.invoke_body("rid", "arn", None, frames.EVENT_V1_PARTS, parts)
    _deadline, _rid, _arn, _cc, kind, sent = frames.invocation(frames.DEADLINE.pack(1), body)
    assert kind == frames.EVENT_V1_PARTS
    in_worker = proxy_event.v1(sent)
    via_json = json.loads(json.dumps(proxy_event.v1(parts)))
    assert json.dumps(in_worker, sort_keys=True) == json.dumps(via_json, sort_keys=True)
    assert _types(in_worker) == _types(via_json)


def _types(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_types(v) for v in value]
    return type(value).__name__
