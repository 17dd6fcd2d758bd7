"""Compiling HTTP APIs (apigatewayv2): the deployability check names what does not compile; the
compiler serves every HTTP API stage from its deployment's frozen definition, reuses compiled
stages whose inputs did not change, reports a stage that does not compile, and leaves WebSocket
APIs out."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from frontgate.compile.compiler import Compiler, StageCompileError
from frontgate.compile.httpapi import check_compiles, compile_http_stage, compile_value
from frontgate.definition import kinds
from frontgate.definition.httpapis import HttpApiDefinition
from frontgate.snapshot.httpapi import MapOp
from frontgate.state.sqlite import SqliteStore

REGION, ACCOUNT = "us-east-1", "123456789012"
FN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f"


def _defn(**over: Any) -> HttpApiDefinition:
    base: dict[str, Any] = {
        "routes": [
            {"routeId": "r1", "routeKey": "GET /pets/{id}", "target": "integrations/i1"},
            {"routeId": "r2", "routeKey": "$default", "target": "integrations/i2"},
        ],
        "integrations": [
            {"integrationId": "i1", "integrationType": "AWS_PROXY", "integrationUri": FN,
             "payloadFormatVersion": "2.0", "timeoutInMillis": 90000},
            {"integrationId": "i2", "integrationType": "HTTP_PROXY",
             "integrationUri": "http://${stageVariables.host}/{proxy}", "integrationMethod": "GET",
             "requestParameters": {"append:header.a": "x-$request.path.id-${request.header.b}"},
             "responseParameters": {"404": {"overwrite:statuscode": "204"}}},
        ],
    }  # fmt: skip
    base.update(over)
    return HttpApiDefinition({"apiId": "a1", "name": "n", "protocolType": "HTTP"}, **base)


def test_a_stage_compiles_routes_integrations_and_settings() -> None:
    stage = compile_http_stage(
        _defn(), {"stageName": "prod", "deploymentId": "d", "stageVariables": {"host": "h:1"}},
        REGION, ACCOUNT,
    )  # fmt: skip
    assert (stage.kind, stage.stage_name, stage.variables) == ("HTTP", "prod", {"host": "h:1"})
    method = stage.root.static["pets"].param.methods["GET"]  # type: ignore[union-attr]
    assert (method.route_key, method.resource_path, method.resource_id) == (
        "GET /pets/{id}",
        "/pets/{id}",
        "r1",
    )
    integ = method.integration
    assert integ is not None
    assert integ.uri == (
        f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{FN}/invocations"
    )
    assert (integ.payload_format, integ.timeout, integ.dispatch) == ("2.0", 30.0, "AWS_PROXY")
    default = stage.default_route
    assert default is not None and default.route_key == "$default"
    proxy = default.integration
    assert proxy is not None and proxy.uri == "http://h:1/{proxy}"
    assert proxy.http_mapping.request == (
        MapOp("append", "header", "a", (("text", "x-"), ("pathparam", "id"), ("text", "-"),
                                        ("header", "b"))),
    )  # fmt: skip
    assert proxy.http_mapping.responses == {
        404: (MapOp("overwrite", "statuscode", "", (("text", "204"),)),)
    }
    with pytest.raises(dataclasses.FrozenInstanceError):
        stage.kind = "REST"  # type: ignore[misc]


def test_values_are_parsed_once() -> None:
    assert compile_value("$request.body.a.b[0]", {}) == (("body", "a.b[0]"),)
    assert compile_value("${context.requestId} $request.path", {}) == (
        ("context", "requestId"),
        ("text", " "),
        ("path", ""),
    )
    assert compile_value("$stageVariables.v!", {"v": "1"}) == (("text", "1!"),)
    assert compile_value("costs $5", {}) == (("text", "costs $5"),)
    with pytest.raises(ValueError, match="only available in response parameters"):
        compile_value("$response.header.x", {})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"routes": [{"routeId": "r", "routeKey": "GET pets"}]}, "GET pets: Invalid route key"),
        ({"routes": [{"routeId": "r", "routeKey": "GET /x", "target": "integrations/zz"}]},
         "GET /x: target integrations/zz names no integration"),
        ({"integrations": [{"integrationId": "i9", "integrationType": "HTTP_PROXY",
                            "integrationUri": "http://x", "requestParameters": {"bad": "1"}}],
          "routes": []}, "integration i9: Invalid mapping key bad"),
    ],
)  # fmt: skip
def test_check_names_what_does_not_compile(change: dict[str, Any], message: str) -> None:
    check_compiles(_defn(), REGION, ACCOUNT)
    with pytest.raises(StageCompileError, match=message):
        check_compiles(_defn(**change), REGION, ACCOUNT)


def test_compiler_serves_caches_and_reports(tmp_path: Path) -> None:
    async def run() -> None:
        store = SqliteStore(tmp_path / "s.db")
        await store.open()
        good = _defn()
        bad = _defn(routes=[{"routeId": "r", "routeKey": "GET /x", "target": "integrations/no"}])
        async with store.transaction() as tx:
            for api_id, defn in (("good", good), ("bad", bad)):
                defn.api = {**defn.api, "apiId": api_id}
                await tx.put(REGION, kinds.V2_API, "", api_id, defn.api)
                await tx.put(REGION, kinds.V2_SNAPSHOT, api_id, "d1", defn.to_snapshot())
                await tx.put(REGION, kinds.V2_STAGE, api_id, "$default",
                             {"stageName": "$default", "deploymentId": "d1"})  # fmt: skip
            await tx.put(REGION, kinds.V2_STAGE, "good", "nodeploy", {"stageName": "nodeploy"})
            await tx.put(REGION, kinds.V2_API, "", "ws",
                         {"apiId": "ws", "name": "w", "protocolType": "WEBSOCKET"})  # fmt: skip
        compiler = Compiler(store, ACCOUNT)
        snap = await compiler.build(1)
        assert set(snap.stages) == {("good", "$default")}
        assert snap.http_api_ids == frozenset({"good", "bad"})
        # A WebSocket API is known (its stages serve @connections), never routed as an HTTP API.
        assert "ws" in snap.api_ids and "ws" not in snap.http_api_ids
        assert snap.unservable == {
            ("bad", "$default"): "GET /x: target integrations/no names no integration"
        }
        again = await compiler.build(2)
        assert again.stages[("good", "$default")] is snap.stages[("good", "$default")]
        await store.close()

    asyncio.run(run())
