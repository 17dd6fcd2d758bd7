"""The Lambda proxy events of WebSocket APIs (AWS_PROXY integrations), in AWS's shape:
``requestContext`` with ``eventType`` CONNECT / MESSAGE / DISCONNECT, ``connectionId``,
``connectedAt`` and ``requestTimeEpoch`` (epoch milliseconds), ``messageDirection`` "IN",
``routeKey``, ``stage``, ``domainName``, ``apiId``; headers and query strings on ``$connect``
(and headers on ``$disconnect``); ``body`` and ``isBase64Encoded`` on messages."""

from __future__ import annotations

from typing import Any, Protocol

from frontgate.observe.access_format import clf_time


class EventSource(Protocol):
    """What an event is made from (``session.Session``)."""

    connection_id: str
    api_id: str
    stage_name: str
    domain_name: str
    connected_at: float
    source_ip: str
    user_agent: str
    headers: list[tuple[str, str]]
    query: list[tuple[str, str]]
    authorizer: dict[str, Any] | None
    caller: dict[str, Any]  # AWS_IAM on $connect: accessKey, userArn, ...; else empty


def request_context(
    src: EventSource, route_key: str, event_type: str, request_id: str, now: float
) -> dict[str, Any]:
    ctx: dict[str, Any] = {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": request_id,
        "requestTime": clf_time(now),
        "messageDirection": "IN",
        "stage": src.stage_name,
        "connectedAt": int(src.connected_at * 1000),
        "requestTimeEpoch": int(now * 1000),
        "identity": {"sourceIp": src.source_ip, "userAgent": src.user_agent, **src.caller},
        "requestId": request_id,
        "domainName": src.domain_name,
        "connectionId": src.connection_id,
        "apiId": src.api_id,
    }
    if src.authorizer is not None:
        ctx["authorizer"] = src.authorizer
    return ctx


def _single_and_multi(pairs: list[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return single, multi


def connect_event(src: EventSource, request_id: str, now: float) -> dict[str, Any]:
    headers, multi_headers = _single_and_multi(src.headers)
    event: dict[str, Any] = {"headers": headers, "multiValueHeaders": multi_headers}
    if src.query:
        query, multi_query = _single_and_multi(src.query)
        event["queryStringParameters"] = query
        event["multiValueQueryStringParameters"] = multi_query
    event["requestContext"] = request_context(src, "$connect", "CONNECT", request_id, now)
    event["isBase64Encoded"] = False
    return event


def message_event(
    src: EventSource, route_key: str, body: str, message_id: str, request_id: str, now: float
) -> dict[str, Any]:
    ctx = request_context(src, route_key, "MESSAGE", request_id, now)
    ctx["messageId"] = message_id
    return {"requestContext": ctx, "body": body, "isBase64Encoded": False}


def disconnect_event(
    src: EventSource, status: int, reason: str, request_id: str, now: float
) -> dict[str, Any]:
    headers, multi_headers = _single_and_multi(
        [(k, v) for k, v in src.headers if k.lower() in ("host", "x-forwarded-for")]
    )
    ctx = request_context(src, "$disconnect", "DISCONNECT", request_id, now)
    ctx["disconnectStatusCode"] = status
    ctx["disconnectReason"] = reason
    return {
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "requestContext": ctx,
        "isBase64Encoded": False,
    }
