"""Selection expressions as AWS writes them: ``$request.body.x`` and ``${request.body.x}``,
several variables joined by text, ``\\$default`` and other static keys, what a message that
cannot be read selects (``1e400``, nulls, objects), and template selection on integrations and
integration responses (``${request.body.type}``, ``${integration.response.statuscode}``)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from tests.support.gateway import Gateway
from tests.websocket.conftest import deploy, make_ws_api, mock_route, wait_served, ws_connect

from frontgate.websocket.routing import Response, compile_expression, parse_body, route_for


def _key(expression: str, text: str, response: Response | None = None) -> str | None:
    return compile_expression(expression).evaluate(parse_body(text), response)


@pytest.mark.parametrize(
    ("expression", "text", "key"),
    [
        ("$request.body.action", '{"action": "join"}', "join"),
        ("${request.body.action}", '{"action": "join"}', "join"),
        ("${request.body.a}/${request.body.b}", '{"a": "x", "b": "y"}', "x/y"),
        ("$request.body.a-$request.body.b", '{"a": "x", "b": "y"}', "x-y"),
        ("${request.body.version}-beta", '{"version": 2}', "2-beta"),
        ("$request.body.data.room", '{"data": {"room": "r1"}}', "r1"),
        ("$request.body.items[1].kind", '{"items": [{}, {"kind": "k"}]}', "k"),
        ("$request.body.flag", '{"flag": true}', "true"),
        ("$request.body.n", '{"n": 1.5}', "1.5"),
        ("\\$default", "anything", "$default"),
        ("fixed", '{"action": "x"}', "fixed"),
        ("cost\\$${request.body.n}", '{"n": 3}', "cost$3"),
        # Nothing to read: the key is absent and $default takes the message.
        ("${request.body.a}/${request.body.b}", '{"a": "x"}', None),
        ("$request.body.action", "not json", None),
        ("$request.body.action", '{"action": null}', None),
        ("$request.body.action", '{"action": {"x": 1}}', None),
        ("$request.body.action", '{"action": 1e400}', None),
        ("$request.body.action", "1e400", None),
        ("$request.body.action", '["action"]', None),
        ("$request.body.items[5]", '{"items": [1]}', None),
        ("$request.header.x", '{"x": 1}', None),
    ],
)
def test_expression_keys(expression: str, text: str, key: str | None) -> None:
    assert _key(expression, text) == key


def test_integration_response_variables() -> None:
    answered = Response(404, [("X-Kind", "a"), ("x-kind", "b")])
    assert _key("${integration.response.statuscode}", "{}", answered) == "404"
    assert _key("$integration.response.header.X-Kind", "{}", answered) == "b"
    assert _key("${integration.response.multivalueheader.x-kind}", "{}", answered) == "a,b"
    assert _key("${integration.response.statuscode}", "{}") is None  # not on requests


def test_route_for_never_selects_a_reserved_route() -> None:
    routes = {"$connect": "connect", "$default": "default", "join": "join"}
    assert route_for(routes, "$request.body.action", '{"action": "$connect"}')[0] == "default"
    assert route_for(routes, "$request.body.action", '{"action": "join"}')[0] == "join"
    assert route_for({"join": "join"}, "$request.body.action", "x")[0] is None


# -- through the data plane ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def combined(gw: Gateway, v2: Any) -> str:
    api_id = make_ws_api(v2, "combined", "${request.body.service}/${request.body.action}")
    mock_route(v2, api_id, "chat/join", response='"joined"')
    mock_route(v2, api_id, "$default", response='"default"')
    deploy(v2, api_id)
    wait_served(gw, api_id)
    return api_id


def test_combined_expression_routes(gw: Gateway, combined: str) -> None:
    with ws_connect(gw, combined) as ws:
        for message, answer in (
            ({"service": "chat", "action": "join"}, '"joined"'),
            ({"service": "chat"}, '"default"'),
            ({"service": "chat", "action": 1e300}, '"default"'),
        ):
            ws.send(json.dumps(message))
            assert ws.recv(timeout=5) == answer
        ws.send('{"service": "chat", "action": 1e400}')  # a float JSON cannot carry
        assert ws.recv(timeout=5) == '"default"'
        ws.send("1e400")
        assert ws.recv(timeout=5) == '"default"'


def test_static_expression_sends_everything_to_default(gw: Gateway, v2: Any) -> None:
    api_id = make_ws_api(v2, "static", "\\$default")
    mock_route(v2, api_id, "join", response='"join"')
    mock_route(v2, api_id, "$default", response='"default"')
    deploy(v2, api_id)
    wait_served(gw, api_id)
    with ws_connect(gw, api_id) as ws:
        ws.send(json.dumps({"action": "join"}))
        assert ws.recv(timeout=5) == '"default"'


def test_error_frame_is_spaced_as_aws(gw: Gateway, v2: Any) -> None:
    api_id = make_ws_api(v2, "frames")
    mock_route(v2, api_id, "only", response='"x"')
    deploy(v2, api_id)
    wait_served(gw, api_id)
    with ws_connect(gw, api_id) as ws:
        ws.send("hello")
        frame = ws.recv(timeout=5)
    assert isinstance(frame, str)
    # AWS: a space after the first colon only.
    assert re.fullmatch(
        r'\{"message": "Forbidden", "connectionId":"[A-Za-z0-9_=-]{16}", '
        r'"requestId":"[A-Za-z0-9_=-]{16}"\}',
        frame,
    ), frame


def test_template_selection_on_requests_and_responses(gw: Gateway, v2: Any) -> None:
    api_id = make_ws_api(v2, "templates")
    integ = v2.create_integration(
        ApiId=api_id,
        IntegrationType="MOCK",
        RequestTemplates={"ok": '{"statusCode": 200}', "bad": '{"statusCode": 500}'},
        TemplateSelectionExpression="${request.body.type}",
    )["IntegrationId"]
    route = v2.create_route(ApiId=api_id, RouteKey="$default", Target=f"integrations/{integ}")
    v2.create_integration_response(
        ApiId=api_id, IntegrationId=integ, IntegrationResponseKey="/5\\d\\d/",
        ResponseTemplates={"500": '"failed $context.routeKey"'},
        TemplateSelectionExpression="${integration.response.statuscode}",
    )  # fmt: skip
    v2.create_integration_response(
        ApiId=api_id, IntegrationId=integ, IntegrationResponseKey="$default",
        ResponseTemplates={"ok": '"ok"', "$default": '"other"'},
        TemplateSelectionExpression="$request.body.type",
    )  # fmt: skip
    v2.create_route_response(ApiId=api_id, RouteId=route["RouteId"], RouteResponseKey="$default")
    deploy(v2, api_id)
    wait_served(gw, api_id)
    with ws_connect(gw, api_id) as ws:
        for message, answer in (
            ('{"type": "ok"}', '"ok"'),
            ('{"type": "bad"}', '"failed $default"'),
            ('{"type": "new"}', '"other"'),  # no request template: passed through (200)
            ("not json", '"other"'),
        ):
            ws.send(message)
            assert ws.recv(timeout=5) == answer, message


def test_two_way_route_without_integration_response_is_an_error(gw: Gateway, v2: Any) -> None:
    """AWS: "No match for output mapping and no default output mapping configured"."""
    api_id = make_ws_api(v2, "nomapping")
    integ = v2.create_integration(
        ApiId=api_id,
        IntegrationType="MOCK",
        RequestTemplates={"$default": '{"statusCode": 200}'},
        TemplateSelectionExpression="\\$default",
    )["IntegrationId"]
    route = v2.create_route(ApiId=api_id, RouteKey="$default", Target=f"integrations/{integ}")
    v2.create_route_response(ApiId=api_id, RouteId=route["RouteId"], RouteResponseKey="$default")
    deploy(v2, api_id)
    wait_served(gw, api_id)
    with ws_connect(gw, api_id) as ws:
        ws.send("hello")
        assert json.loads(ws.recv(timeout=5))["message"] == "Internal server error"


@pytest.mark.parametrize(
    ("behavior", "answer"), [("WHEN_NO_MATCH", '"passed"'), ("WHEN_NO_TEMPLATES", None)]
)
def test_passthrough_when_no_template_applies(
    gw: Gateway, v2: Any, behavior: str, answer: str | None
) -> None:
    """A message no request template applies to is passed through (WHEN_NO_MATCH) or refused
    (WHEN_NO_TEMPLATES with templates defined, as NEVER)."""
    api_id = make_ws_api(v2, f"pass{behavior}")
    integ = v2.create_integration(
        ApiId=api_id, IntegrationType="MOCK", PassthroughBehavior=behavior,
        RequestTemplates={"known": '{"statusCode": 200}'},
        TemplateSelectionExpression="${request.body.type}",
    )["IntegrationId"]  # fmt: skip
    route = v2.create_route(ApiId=api_id, RouteKey="$default", Target=f"integrations/{integ}")
    v2.create_integration_response(
        ApiId=api_id, IntegrationId=integ, IntegrationResponseKey="$default",
        ResponseTemplates={"$default": '"passed"'}, TemplateSelectionExpression="\\$default",
    )  # fmt: skip
    v2.create_route_response(ApiId=api_id, RouteId=route["RouteId"], RouteResponseKey="$default")
    deploy(v2, api_id)
    wait_served(gw, api_id)
    with ws_connect(gw, api_id) as ws:
        ws.send('{"type": "known"}')
        assert ws.recv(timeout=5) == '"passed"'
        ws.send('{"type": "unknown"}')
        got = ws.recv(timeout=5)
        if answer is None:
            assert isinstance(got, str)
            assert json.loads(got)["message"] == "Internal server error"
        else:
            assert got == answer
