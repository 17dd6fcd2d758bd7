"""``$context`` in a template: lazy variables, groups, and the write-once overrides."""

from __future__ import annotations

from typing import Any

import pytest

from frontgate.vtl import context
from frontgate.vtl.engine import VtlRenderError, compile_template, render

VARS = {"requestId": "r-1", "identity.sourceIp": "10.0.0.1", "authorizer.claims.sub": "u1"}


def lookup(name: str) -> Any:
    return VARS.get(name, context.MISSING)


def run(text: str) -> tuple[str, Any, Any]:
    req, resp = context.new_request_override(), context.new_response_override()
    out = render(compile_template(text), {"context": context.build(lookup, req, resp)})
    return out, req, resp


def test_variables_and_groups() -> None:
    out, _, _ = run(
        "$context.requestId $context.identity.sourceIp $context.authorizer.claims.sub "
        "[$context.nothing][$context.identity.nothing]"
    )
    assert out == "r-1 10.0.0.1 u1 [][]"


def test_overrides_are_written_into_the_maps() -> None:
    _, req, resp = run(
        "#set($context.requestOverride.header.X-A = 'a')"
        "#set($context.requestOverride.querystring.q = 'b')"
        "#set($context.requestOverride.path.id = 'c')"
        "#set($context.responseOverride.status = 444)"
        "#set($context.responseOverride.header.X-B = 'd')"
    )
    assert dict(req["header"]) == {"X-A": "a"}
    assert dict(req["querystring"]) == {"q": "b"}
    assert dict(req["path"]) == {"id": "c"}
    assert resp["status"] == 444
    assert dict(resp["header"]) == {"X-B": "d"}


SET_STATUS = "#set($context.responseOverride.status = "


def test_an_override_is_final() -> None:
    # AWS: "An override may only be applied to each parameter once" (else a 5XX).
    with pytest.raises(VtlRenderError, match="more than once"):
        run(f"{SET_STATUS}400){SET_STATUS}401)")


# AWS's recorded template (an SQS message body listing $context), on an unauthorized method.
LIST = (
    '{#foreach($key in $context.keySet())"$key": "$context.get($key)"#if($foreach.hasNext),#end'
    '#end}|{#foreach($key in $context.identity.keySet())"$key"#if($foreach.hasNext),#end#end}'
    "|#foreach($key in $context.requestOverride.keySet())"
    "$key=[$context.requestOverride.get($key)] #end"
    "|#foreach($key in $context.responseOverride.keySet())"
    "$key=[$context.responseOverride.get($key)]#end"
)


def test_key_set_lists_every_variable_in_aws_order() -> None:
    out, _, _ = run(LIST)
    top, identity, req, resp = out.split("|")
    keys = [k.split('": "')[0].strip('"') for k in top.strip("{}").split(",")]
    assert keys == [
        "resourceId", "resourcePath", "httpMethod", "extendedRequestId", "requestTime", "path",
        "accountId", "protocol", "requestOverride", "stage", "domainPrefix", "requestTimeEpoch",
        "requestId", "identity", "domainName", "deploymentId", "responseOverride", "apiId",
    ]  # fmt: skip
    # Groups and untouched overrides print as nothing; a variable as its value.
    assert '"requestId": "r-1"' in top and '"requestOverride": ""' in top
    assert '"identity": ""' in top and '"responseOverride": ""' in top
    assert identity == (
        '{"cognitoIdentityPoolId","accountId","cognitoIdentityId","caller","sourceIp",'
        '"principalOrgId","accessKey","cognitoAuthenticationType",'
        '"cognitoAuthenticationProvider","userArn","userAgent","user"}'
    )
    assert req == "path=[] header=[] querystring=[] "
    assert resp == "header=[]"
