"""The mapping-template examples of AWS's developer guide, rendered by the engine with the
gateway's ``$input``/``$util``/``$context`` objects; each asserts the output AWS documents
(exactly, where Velocity 1.x's whitespace rules give the guide's text; as JSON where the guide
pretty-prints). End to end through a gateway: tests/pipeline/test_mapping_templates.py."""

from __future__ import annotations

import json
from typing import Any

from frontgate.vtl import context
from frontgate.vtl.engine import compile_template, render
from frontgate.vtl.inputs import Input
from frontgate.vtl.util import UTIL
from frontgate.vtl.values import JavaMap

PETS = [
    {"id": 1, "type": "dog", "price": 249.99},
    {"id": 2, "type": "cat", "price": 124.99},
    {"id": 3, "type": "fish", "price": 0.99},
]
VARS = {"apiId": "a1b2c3", "stage": "dev", "identity.sourceIp": "10.0.0.9", "requestId": "r-1"}


def run(text: str, body: Any = b"", **kw: Any) -> tuple[str, JavaMap, JavaMap]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    req, resp = context.new_request_override(), context.new_response_override()
    ns = {
        "input": Input(raw, kw.get("path", {}), kw.get("query", ""), kw.get("headers", [])),
        "util": UTIL,
        "context": context.build(lambda n: VARS.get(n, context.MISSING), req, resp),
        "stageVariables": JavaMap(kw.get("stage", {})),
    }
    return render(compile_template(text), ns), req, resp


# "Mapping template examples": the pet store's response template.
PET_TEMPLATE = """#set($inputRoot = $input.path('$'))
[
#foreach($elem in $inputRoot)
  {
    "description" : "Item $elem.id is a $elem.type.",
    "askingPrice" : $elem.price
  }#if($foreach.hasNext),#end

#end
]"""


def test_pet_store_foreach_list() -> None:
    out, _, _ = run(PET_TEMPLATE, PETS)
    # The guide's output: the line break after "#end" is the directive's (Velocity 1.x), the
    # blank line after it separates the items.
    assert out == (
        "[\n"
        '  {\n    "description" : "Item 1 is a dog.",\n    "askingPrice" : 249.99\n  },\n'
        '  {\n    "description" : "Item 2 is a cat.",\n    "askingPrice" : 124.99\n  },\n'
        '  {\n    "description" : "Item 3 is a fish.",\n    "askingPrice" : 0.99\n  }\n'
        "]"
    )


# The console's "Method Request passthrough" template (the guide's $input.params() echo).
PASSTHROUGH = """#set($allParams = $input.params())
{
"body-json" : $input.json('$'),
"params" : {
#foreach($type in $allParams.keySet())
    #set($params = $allParams.get($type))
"$type" : {
    #foreach($paramName in $params.keySet())
    "$paramName" : "$util.escapeJavaScript($params.get($paramName))"
        #if($foreach.hasNext),#end
    #end
}
    #if($foreach.hasNext),#end
#end
},
"stage-variables" : {
#foreach($key in $stageVariables.keySet())
"$key" : "$util.escapeJavaScript($stageVariables.get($key))"
    #if($foreach.hasNext),#end
#end
},
"context" : {
    "api-id" : "$context.apiId",
    "source-ip" : "$context.identity.sourceIp",
    "stage" : "$context.stage",
    "request-id" : "$context.requestId",
    "user-arn" : "$context.identity.userArn"
    }
}
"""


def test_params_echo_passthrough_template() -> None:
    out, _, _ = run(
        PASSTHROUGH,
        {"pet": "rex"},
        path={"petId": "7"},
        query="type=dog&page=2",
        headers=[("Accept", "application/json"), ("X-Quote", 'say "hi"')],
        stage={"color": "blue"},
    )
    assert json.loads(out) == {
        "body-json": {"pet": "rex"},
        "params": {
            "path": {"petId": "7"},
            "querystring": {"type": "dog", "page": "2"},
            "header": {"Accept": "application/json", "X-Quote": 'say "hi"'},
        },
        "stage-variables": {"color": "blue"},
        "context": {
            "api-id": "a1b2c3",
            "source-ip": "10.0.0.9",
            "stage": "dev",
            "request-id": "r-1",
            "user-arn": "",
        },
    }


def test_params_echo_single_parameter() -> None:
    # The example: {"echo": "$input.params('data')"} answers {"echo":"foobar"}.
    out, _, _ = run('{"echo":"$input.params(\'data\')"}', query="data=foobar")
    assert out == '{"echo":"foobar"}'


def test_escape_javascript_of_a_body() -> None:
    body = b'{"msg": "it\'s \\"quoted\\"\\nnext"}'
    # "$util.escapeJavaScript(...)" turns ' into \' (the guide: not valid JSON) ...
    out, _, _ = run('{"raw": "$util.escapeJavaScript($input.body)"}', body)
    assert out == '{"raw": "{\\"msg\\": \\"it\\\'s \\\\\\"quoted\\\\\\"\\\\nnext\\"}"}'
    # ... which the guide's .replaceAll("\\'","'") undoes, giving JSON that reads back.
    text = '{"raw": "$util.escapeJavaScript($input.body).replaceAll("\\\\\'","\'")"}'
    out, _, _ = run(text, body)
    assert json.loads(json.loads(out)["raw"]) == {"msg": 'it\'s "quoted"\nnext'}
    out, _, _ = run("\"$util.escapeJavaScript($input.json('$.msg'))\"", body)
    assert out == '"\\"it\\\'s \\\\\\"quoted\\\\\\"\\\\nnext\\""'


# "Override your API's request and response parameters and status codes", example 1.
RESPONSE_OVERRIDE = """#set($inputRoot = $input.path('$'))
$input.json("$")
#if($inputRoot.toString().contains("error"))
#set($context.responseOverride.status = 400)
#set($context.responseOverride.header.headerName = "headerValue")
#end"""
# Example 2: a request template overriding a header, a query string parameter and the path.
REQUEST_OVERRIDE = """#set($context.requestOverride.header.header1 = "$input.params('h')")
#set($context.requestOverride.querystring.q2 = "from-template")
#set($context.requestOverride.path.petId = "$input.path('$.id')")
{"id": $input.json('$.id')}"""


def test_response_override() -> None:
    body = {"errors": [{"message": "The value is out of range."}]}
    out, _, resp = run(RESPONSE_OVERRIDE, body)
    assert json.loads(out) == body
    assert resp["status"] == 400
    assert dict(resp["header"]) == {"headerName": "headerValue"}
    out, _, resp = run(RESPONSE_OVERRIDE, {"ok": 1})
    assert out == '{"ok":1}\n'
    assert resp.get("status") is None and not resp["header"]


def test_request_override() -> None:
    out, req, _ = run(REQUEST_OVERRIDE, {"id": 42}, query="h=v1")
    assert out == '{"id": 42}'
    assert dict(req["header"]) == {"header1": "v1"}
    assert dict(req["querystring"]) == {"q2": "from-template"}
    assert dict(req["path"]) == {"petId": "42"}
