"""The compiled access-log formats: every variable run by an opcode agrees with its table
expression (the definition UpdateStage validates against), on a routed request context."""

from __future__ import annotations

import json

import pytest

from frontgate.compile.compiler import compile_stage
from frontgate.http.message import Request, Response
from frontgate.observe import access_format as af
from frontgate.observe.context_vars import VARIABLES, lookup
from frontgate.openapi import import_openapi
from frontgate.pipeline import route
from frontgate.pipeline.context import Context
from frontgate.pipeline.env import Env
from frontgate.snapshot.snapshot import Snapshot
from frontgate.upstream.pool import UpstreamPool

SPEC = """
openapi: 3.0.1
info: {title: fmt, version: '1'}
paths:
  /pets/{id}:
    get:
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
"""


def _context(with_auth: bool) -> tuple[Context, Response]:
    stage = compile_stage(
        import_openapi(SPEC, source="fmt.yaml"),
        {"stageName": "dev", "deploymentId": "d1"},
        "us-east-1",
        "123456789012",
    )
    snapshot = Snapshot(1, {(stage.api_id, "dev"): stage}, frozenset({stage.api_id}))
    headers = [("Host", f"{stage.api_id}.execute-api.localhost"), ("User-Agent", 'cu"rl')]
    req = Request("GET", "/dev/pets/7?x=1", headers, client_addr=("10.0.0.9", 5000),
                  host=f"{stage.api_id}.execute-api.localhost")  # fmt: skip
    ctx = Context(req, snapshot, "rid-1", "ext-1=")
    route.resolve(ctx, Env(domain="localhost", pool=UpstreamPool()))
    ctx.integration_latency = 12
    ctx.integration_status = 201
    ctx.error = "boom <x>"
    ctx.error_response_type = "DEFAULT_5XX"
    if with_auth:
        ctx.identity = {"caller": "AIDA", "user": "u1", "userArn": "arn:aws:iam::1:user/u1"}
        ctx.authorizer = {"principalId": "p-1", "tier": 3, "claims": {"sub": "s"}}
    return ctx, Response(200, [], b"hello")


def _names() -> list[str]:
    names = [n for n in VARIABLES if lookup(n) is not None and lookup(n).expr != "None"]  # type: ignore[union-attr]
    return [*names, "authorizer.tier", "authorizer.missing", "authorizer.claims.sub"]


@pytest.mark.parametrize("with_auth", [True, False])
def test_compiled_variables_match_their_table_expressions(with_auth: bool) -> None:
    ctx, resp = _context(with_auth)
    compiled = 0
    for name in _names():
        var = lookup(name)
        assert var is not None
        expected = eval(f"lambda c, r, l: {var.expr}", dict(af._HELPERS))(ctx, resp, 34)
        op, key = af._op_for(name)
        if op != af._OP_OTHER:
            compiled += 1
            assert af._value(op, key, ctx, resp, 34) == expected, name
        # And through a whole format, in each layout.
        for fmt in (f"$context.requestId $context.{name}", f'{{"v":"$context.{name}"}}',
                    f'{{"v":$context.{name}}}', f"<v>$context.{name}</v>"):  # fmt: skip
            line = af.compile_format(fmt).format(ctx, resp, 34)
            if fmt.startswith("{"):
                json.loads(line)
    assert compiled >= 25


def test_json_layout_escapes_and_nulls() -> None:
    ctx, resp = _context(True)
    fmt = af.compile_format(
        '{"ua":"$context.identity.userAgent","err":$context.error.message,'
        '"lat":$context.integrationLatency,"key":"$context.identity.apiKey",'
        '"user":"$context.identity.user","p":"$context.authorizer.principalId",'
        '"t":$context.authorizer.tier,"len":$context.responseLength,"rl":$context.responseLatency}'
    )
    assert json.loads(fmt.format(ctx, resp, 34)) == {
        "ua": 'cu"rl', "err": "boom <x>", "lat": 12, "key": "-", "user": "u1", "p": "p-1",
        "t": 3, "len": 5, "rl": 34,
    }  # fmt: skip
    xml = af.compile_format("<e>$context.error.message</e><m>$context.httpMethod</m>")
    assert xml.format(ctx, resp, 34) == "<e>boom &lt;x&gt;</e><m>GET</m>"
    clf = af.compile_format("$context.identity.sourceIp $context.identity.user $context.status")
    ctx.identity = None
    assert clf.format(ctx, resp, 34) == "10.0.0.9 - 200"


@pytest.mark.parametrize(
    ("authorizer", "expected"),
    [
        ({"jwt": {"claims": {"sub": "s-1"}, "scopes": None}}, {"claims.sub": "s-1"}),
        ({"lambda": {"tier": 3}, "principalId": "p-2"}, {"tier": 3, "principalId": "p-2"}),
        ({"lambda": {"tier": "gold"}}, {"tier": "gold", "principalId": None, "missing": None}),
    ],
)
def test_http_api_authorizer_variables(
    authorizer: dict[str, object], expected: dict[str, object]
) -> None:
    """HTTP APIs keep authorizer results in payload 2.0's shape; the variables read through it
    (``$context.authorizer.<key>`` with its native type, reference §3.9)."""
    ctx, resp = _context(False)
    ctx.http_api = True
    ctx.authorizer = authorizer
    for name, value in expected.items():
        fmt = af.compile_format(f"$context.authorizer.{name}")
        assert fmt.format(ctx, resp, 1) == ("-" if value is None else str(value)), name
