"""The shared rest-json wire layer (``admin/wire``) on its own: routing, input checking in two
services' dialects, output shaping, and that a further service (``apigatewayv2``) needs nothing
from it but a model name and a dialect."""

from __future__ import annotations

import json

import pytest

from frontgate.admin.apigateway.wire import DIALECT as APIGATEWAY
from frontgate.admin.errors import Serialization, Validation
from frontgate.admin.lambda_ import wire as lambda_wire
from frontgate.admin.wire.restjson import Dialect, parse_input, serialize_output
from frontgate.admin.wire.routes import Router
from frontgate.functions import errors as lambda_errors

V2 = Router("apigatewayv2")
CORAL = Dialect()


def _body(doc: object) -> bytes:
    return json.dumps(doc).encode()


def test_apigatewayv2_operations_resolve_from_the_model() -> None:
    found = V2.match("POST", "/v2/apis", {})
    assert found is not None
    route, labels = found
    assert (route.name, route.status, labels) == ("CreateApi", 201, {})
    found = V2.match("GET", "/v2/apis/a1b2c3/routes/r1", {})
    assert found is not None
    assert found[0].name == "GetRoute"
    assert found[1] == {"apiId": "a1b2c3", "routeId": "r1"}
    assert V2.match("GET", "/v2/nothing-here", {}) is None


def test_apigatewayv2_input_reads_wire_names_and_checks_the_model() -> None:
    route = V2.routes["CreateApi"]
    inp = parse_input(route, {}, {}, {}, _body({"name": "pets", "protocolType": "HTTP"}), CORAL)
    assert inp == {"Name": "pets", "ProtocolType": "HTTP"}
    with pytest.raises(Validation) as info:
        parse_input(route, {}, {}, {}, _body({"protocolType": "SOAP"}), CORAL)
    assert info.value.message == (
        "2 validation errors detected: Value 'SOAP' at 'createApiInput.protocolType' failed to "
        "satisfy constraint: Member must satisfy enum value set: [WEBSOCKET, HTTP]; Value null "
        "at 'createApiInput.name' failed to satisfy constraint: Member must not be null"
    )
    with pytest.raises(Serialization):
        parse_input(route, {}, {}, {}, _body({"name": 7, "protocolType": "HTTP"}), CORAL)


def test_apigatewayv2_output_is_written_under_its_wire_names() -> None:
    route = V2.routes["CreateApi"]
    status, headers, body = serialize_output(
        route, {"ApiId": "a1", "Name": "pets", "ProtocolType": "HTTP", "_internal": 1}
    )
    assert status == 201
    assert ("Content-Type", "application/json") in headers
    assert json.loads(body) == {"apiId": "a1", "name": "pets", "protocolType": "HTTP"}


def test_a_query_literal_selects_the_operation_before_the_bare_path() -> None:
    router = Router("apigateway")
    imported = router.match("POST", "/restapis", {"mode": ["import"]})
    created = router.match("POST", "/restapis", {})
    assert imported is not None and created is not None
    assert (imported[0].name, created[0].name) == ("ImportRestApi", "CreateRestApi")


def test_an_empty_label_matches_only_where_the_service_reads_it() -> None:
    assert Router("apigateway").match("GET", "/restapis//resources", {}) is None
    found = lambda_wire.router().match("GET", "/2015-03-31/functions//policy", {})
    assert found is not None and found[1] == {"FunctionName": ""}


def test_the_same_fault_in_each_dialect() -> None:
    """One checker, two wordings: Coral's member paths and types for API Gateway, Lambda's own
    names and error types."""
    apigw = Router("apigateway").routes["CreateRestApi"]
    with pytest.raises(Validation) as coral:
        parse_input(
            apigw, {}, {}, {}, _body({"endpointConfiguration": {"types": ["X"]}}), APIGATEWAY
        )
    assert coral.value.message == (
        "2 validation errors detected: Value '[X]' at 'createRestApiInput.endpointConfiguration."
        "types' failed to satisfy constraint: Member must satisfy constraint: [Member must "
        "satisfy enum value set: [PRIVATE, EDGE, REGIONAL]]; Value null at "
        "'createRestApiInput.name' failed to satisfy constraint: Member must not be null"
    )
    lam = lambda_wire.router().routes["CreateFunction"]
    with pytest.raises(lambda_errors.Validation) as own:
        parse_input(lam, {}, {}, {}, _body({"Architectures": ["X"]}), lambda_wire.DIALECT)
    assert own.value.message.startswith(
        "4 validation errors detected: Value 'X' at 'architectures' failed to satisfy "
        "constraint: Member must satisfy enum value set: [x86_64, arm64]; Value null at "
        "'functionName' failed to satisfy constraint: Member must not be null"
    )
    with pytest.raises(lambda_errors.InvalidRequestContent) as typed:
        parse_input(lam, {}, {}, {}, _body({"Timeout": "3"}), lambda_wire.DIALECT)
    assert typed.value.message == "Could not parse request body into json: timeout"


def test_query_numbers_are_read_and_checked_against_the_model() -> None:
    route = lambda_wire.router().routes["ListFunctions"]
    assert parse_input(route, {}, {"MaxItems": ["50"]}, {}, b"", lambda_wire.DIALECT) == {
        "MaxItems": 50
    }
    with pytest.raises(lambda_errors.InvalidRequestContent) as bad:
        parse_input(route, {}, {"MaxItems": ["many"]}, {}, b"", lambda_wire.DIALECT)
    assert bad.value.message == "Invalid value for MaxItems: many"
    with pytest.raises(lambda_errors.Validation) as low:
        parse_input(route, {}, {"MaxItems": ["0"]}, {}, b"", lambda_wire.DIALECT)
    assert "at 'maxItems' failed to satisfy constraint: Member must have value greater" in str(
        low.value.message
    )
    limit = Router("apigateway").routes["GetRestApis"]
    with pytest.raises(Serialization) as coral:
        parse_input(limit, {}, {"limit": ["1e3"]}, {}, b"", APIGATEWAY)
    assert coral.value.message == "Cannot convert '1e3' to an Integer"


def test_lambda_blobs_are_base64_in_json_and_out() -> None:
    route = lambda_wire.router().routes["UpdateFunctionCode"]
    inp = parse_input(
        route, {"FunctionName": "f"}, {}, {}, _body({"ZipFile": "UEsFBg=="}), lambda_wire.DIALECT
    )
    assert inp == {"FunctionName": "f", "ZipFile": b"PK\x05\x06"}
    with pytest.raises(lambda_errors.InvalidRequestContent):
        parse_input(
            route, {"FunctionName": "f"}, {}, {}, _body({"ZipFile": "%%"}), lambda_wire.DIALECT
        )
