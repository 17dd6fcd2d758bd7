"""Access logs of WebSocket API stages: the ``$context`` variables of AWS's WebSocket logging
table, each a function of one ``ws_event.WsEvent`` (``eventType`` CONNECT / MESSAGE / DISCONNECT,
``connectionId``, ``messageId``, ``routeKey``...), compiled once per deployment into a list of
literals and getters as REST formats are (``access_format``): JSON and XML layouts escape values,
an unquoted JSON value is a JSON literal, a null is ``-``.

``ws_format_errors`` is UpdateStage's check of a WebSocket stage's format, with AWS's messages."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from frontgate.observe.access_format import (
    _in_json_string,
    _in_xml,
    _json_literal,
    _quoted_positions,
    _text,
    clf_time,
)
from frontgate.observe.context_vars import HTTP_API_MAX_FORMAT, format_errors, tokens
from frontgate.observe.ws_event import WsEvent

Getter = Callable[[WsEvent], Any]


def request_time(e: WsEvent) -> str:
    return clf_time(e.start_wall)


def _caller(key: str) -> Getter:
    return lambda e: e.peer.caller.get(key)


def _authorizer(key: str) -> Getter:
    def get(e: WsEvent) -> Any:
        found = e.peer.authorizer
        return found.get(key) if found else None

    return get


def _none(_e: WsEvent) -> None:
    return None


# name → (getter, may hold client-controlled text that JSON/XML layouts must escape)
VARIABLES: dict[str, tuple[Getter, bool]] = {
    "apiId": (lambda e: e.plan.api_id, False),
    "stage": (lambda e: e.plan.stage_name, False),
    "connectionId": (lambda e: e.peer.connection_id, False),
    "connectedAt": (lambda e: int(e.peer.connected_at * 1000), False),
    "domainName": (lambda e: e.peer.domain_name or None, True),  # the Host the client sent
    "eventType": (lambda e: e.event_type, False),
    "messageId": (lambda e: e.message_id, False),
    # Not in AWS's logging table, but in every event's requestContext: always "IN" here.
    "messageDirection": (lambda e: "IN", False),
    "routeKey": (lambda e: e.route_key, True),
    "requestId": (lambda e: e.request_id, False),
    "extendedRequestId": (lambda e: e.request_id, False),  # AWS: the same as requestId
    "requestTime": (request_time, False),
    "requestTimeEpoch": (lambda e: int(e.start_wall * 1000), False),
    "status": (lambda e: e.status, False),
    "integrationStatus": (lambda e: e.integration_status, False),
    "integration.status": (lambda e: e.integration_status, False),
    "integration.integrationStatus": (lambda e: e.integration_status, False),
    "integrationLatency": (lambda e: e.integration_latency, False),
    "integration.latency": (lambda e: e.integration_latency, False),
    "integration.error": (lambda e: e.integration_error, True),
    "integration.requestId": (_none, False),
    "error.message": (lambda e: e.error, True),
    "error.messageString": (lambda e: None if e.error is None else json.dumps(e.error), True),
    "error.responseType": (lambda e: e.error_type, False),
    "error.validationErrorString": (_none, True),
    "identity.sourceIp": (lambda e: e.peer.source_ip, False),
    "identity.userAgent": (lambda e: e.peer.user_agent or None, True),
    "authorizer.principalId": (_authorizer("principalId"), True),
}
# AWS_IAM's caller on $connect, and the API key a route required (websocket.api_keys).
for _name in ("accountId", "caller", "user", "userArn", "accessKey", "principalOrgId", "apiKey",
              "apiKeyId", "cognitoAuthenticationProvider", "cognitoAuthenticationType",
              "cognitoIdentityId", "cognitoIdentityPoolId"):  # fmt: skip
    VARIABLES["identity." + _name] = (_caller(_name), True)
# Timings and outcomes of authorization steps Frontgate does not break down: always null.
for _group, _names in (
    ("authorizer", ("error", "integrationLatency", "integrationStatus", "latency", "requestId",
                    "status")),
    ("authorize", ("error", "latency", "status")),
    ("authenticate", ("error", "latency", "status")),
    ("waf", ("error", "latency", "status")),
):  # fmt: skip
    for _name in _names:
        VARIABLES[f"{_group}.{_name}"] = (_none, False)


def lookup(name: str) -> tuple[Getter, bool] | None:
    """A variable's getter; ``authorizer.<key>`` is a key of the Lambda authorizer's context."""
    found = VARIABLES.get(name)
    if found is not None:
        return found
    if name.startswith("authorizer.") and name.count(".") == 1 and len(name) > 11:
        return _authorizer(name[11:]), True
    return None


# Modes, as in access_format: how a value goes into the line. _JSON_TEXT: a value that is
# already JSON text (error.messageString, written unquoted in a JSON layout), or null.
_RAW, _DASH, _JSON_LITERAL, _IN_JSON, _IN_XML, _JSON_TEXT = range(6)


class WsAccessFormat:
    """A compiled format: ``format(event)`` is the event's line."""

    __slots__ = ("getters", "literals", "modes", "source")

    def __init__(self, source: str, literals: list[str], getters: list[Getter], modes: list[int]):
        self.source = source
        self.literals = literals  # one more than getters
        self.getters = getters
        self.modes = modes

    def __reduce__(self) -> tuple[Any, ...]:
        return (compile_ws_format, (self.source,))  # shipped as text, recompiled where served

    def format(self, e: WsEvent) -> str:
        literals = self.literals
        modes = self.modes
        parts = [literals[0]]
        for i, getter in enumerate(self.getters):
            v = getter(e)
            mode = modes[i]
            if mode == _JSON_LITERAL:
                text = _json_literal(v)
            elif mode == _JSON_TEXT:
                text = "null" if v is None else str(v)
            elif mode == _IN_JSON:
                text = _in_json_string(v)
            elif mode == _IN_XML:
                text = _in_xml(v)
            elif v is None:
                text = "-"
            else:
                text = v if isinstance(v, str) else _text(v)
            parts.append(text)
            parts.append(literals[i + 1])
        return "".join(parts)


def compile_ws_format(fmt: str) -> WsAccessFormat:
    """Raises ValueError for a variable WebSocket APIs do not have (UpdateStage refuses it)."""
    source = fmt
    if fmt.endswith("\n"):
        fmt = fmt[:-1]
    found = tokens(fmt)
    layout = fmt.lstrip()[:1]
    quoted = _quoted_positions(fmt, [s for s, _e, _n in found]) if layout == "{" else []
    literals: list[str] = []
    getters: list[Getter] = []
    modes: list[int] = []
    text = ""
    pos = 0
    for i, (start, end, name) in enumerate(found):
        var = lookup(name)
        if var is None:
            raise ValueError(f"unknown access-log variable $context.{name}")
        getter, escape = var
        literals.append(text + fmt[pos:start])
        text = ""
        pos = end
        if layout == "{" and not quoted[i]:
            modes.append(_JSON_TEXT if name == "error.messageString" else _JSON_LITERAL)
        elif escape and layout in ("{", "<"):
            modes.append(_IN_JSON if layout == "{" else _IN_XML)
        else:
            modes.append(_DASH)
        getters.append(getter)
    literals.append(text + fmt[pos:])
    return WsAccessFormat(source, literals, getters, modes)


def ws_format_errors(fmt: str) -> str | None:
    """AWS's BadRequest message for an unusable WebSocket access-log format, or None: at most
    3 KB, one line, only WebSocket ``$context`` variables, and the request id."""
    size = len(fmt.encode())
    if size > HTTP_API_MAX_FORMAT:
        return f"Access Log format must be at most {HTTP_API_MAX_FORMAT} bytes long: it is {size}"
    return format_errors(fmt, lookup)
