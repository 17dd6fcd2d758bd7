"""compile/http_checks.py: what keeps an HTTP API from deploying, and the parameter-mapping
syntax of HTTP API integrations."""

from __future__ import annotations

import pytest

from frontgate.compile.http_checks import (
    check_http_deployable,
    check_request_parameters,
    check_response_parameters,
)
from frontgate.definition.httpapis import HttpApiDefinition

API = {"apiId": "a1", "name": "x", "protocolType": "HTTP"}


def _defn(route: dict[str, object], **more: list[dict[str, object]]) -> HttpApiDefinition:
    return HttpApiDefinition(api=API, routes=[{"routeId": "r1", **route}], **more)  # type: ignore[arg-type]


def test_deployable() -> None:
    check_http_deployable(
        _defn(
            {"routeKey": "GET /a", "target": "integrations/i1", "authorizationType": "JWT",
             "authorizerId": "z1"},
            integrations=[{"integrationId": "i1"}],
            authorizers=[{"authorizerId": "z1", "authorizerType": "JWT"}],
        )
    )  # fmt: skip
    check_http_deployable(_defn({"routeKey": "$default"}))  # a route without a target deploys


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ({"routeKey": "GET /a", "target": "integrations/gone"}, "targets integration gone"),
        ({"routeKey": "GET /a", "authorizationType": "JWT", "authorizerId": "gone"},
         "uses authorizer gone"),
        ({"routeKey": "GET /a", "authorizationType": "CUSTOM", "authorizerId": "z1"},
         "authorizer z1 is of type JWT"),
    ],
)  # fmt: skip
def test_not_deployable(route: dict[str, object], message: str) -> None:
    defn = _defn(route, authorizers=[{"authorizerId": "z1", "authorizerType": "JWT"}])
    with pytest.raises(ValueError, match=message):
        check_http_deployable(defn)


def test_request_parameters() -> None:
    check_request_parameters(
        {
            "append:header.x-a": "$request.header.b",
            "overwrite:header.x-b": "Bearer ${request.querystring.t}",
            "overwrite:querystring.q": "$request.body.items[0].id",
            "remove:querystring.z": "''",
            "overwrite:path": "/v1/$request.path.id",
            "overwrite:header.x-c": "$context.requestId $stageVariables.v",
            "overwrite:header.content-type": "application/json",
        }
    )
    for bad in (
        {"set:header.a": "x"},
        {"append:body.a": "x"},
        {"append:header.host": "x"},
        {"append:header.x-amz-date": "x"},
        {"append:header.a": "$response.header.b"},
        {"append:header.a": "$request.cookie.b"},
    ):
        with pytest.raises(ValueError):
            check_request_parameters(bad)  # type: ignore[arg-type]


def test_response_parameters() -> None:
    check_response_parameters(
        {"200": {"append:header.x": "$response.header.y", "overwrite:statuscode": "204"}}
    )
    for bad in (
        {"199": {"overwrite:statuscode": "200"}},
        {"ok": {"overwrite:statuscode": "200"}},
        {"200": {"overwrite:querystring.a": "x"}},
        {"200": {"append:header.content-type": "x"}},
        {"200": {"append:header.a": "$request.header.b"}},
    ):
        with pytest.raises(ValueError):
            check_response_parameters(bad)  # type: ignore[arg-type]
