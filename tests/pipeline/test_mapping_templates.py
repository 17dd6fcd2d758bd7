"""Mapping templates end to end: a real ``frontgate serve`` configured with boto3's
``apigateway`` client, MOCK and HTTP (non-proxy) integrations, real HTTP requests."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.support.gateway import Gateway
from tests.support.upstream import Upstream

PETS = [
    {"id": 1, "type": "dog", "price": 249.99},
    {"id": 2, "type": "cat", "price": 124.99},
    {"id": 3, "type": "fish", "price": 0.99},
]
# AWS's developer guide, "Mapping template examples": the pet store's #foreach template.
PET_TEMPLATE = """#set($inputRoot = $input.path('$'))
[
#foreach($elem in $inputRoot)
  {
    "description" : "Item $elem.id is a $elem.type.",
    "askingPrice" : $elem.price
  }#if($foreach.hasNext),#end
#end
]"""
PET_OUTPUT = """[
  {
    "description" : "Item 1 is a dog.",
    "askingPrice" : 249.99
  },
  {
    "description" : "Item 2 is a cat.",
    "askingPrice" : 124.99
  },
  {
    "description" : "Item 3 is a fish.",
    "askingPrice" : 0.99
  }
]"""
# The developer guide's $input.params() echo, one line per parameter kind.
PARAMS_TEMPLATE = """#set($allParams = $input.params())
{
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
}
}"""


@pytest.fixture(scope="module")
def upstream() -> Iterator[Upstream]:
    with Upstream() as up:
        yield up


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with Gateway(Path(tmp_path_factory.mktemp("vtl"))) as g:
        yield g


@pytest.fixture(scope="module")
def apigw(gw: Gateway) -> Any:
    return gw.admin_client()


class Api:
    def __init__(self, apigw: Any, name: str) -> None:
        self.c = apigw
        self.id = apigw.create_rest_api(name=name)["id"]
        self.root = apigw.get_resources(restApiId=self.id)["items"][0]["id"]

    def method(
        self,
        path: str,
        verb: str = "GET",
        *,
        integration: dict[str, Any],
        responses: dict[str, dict[str, Any]] | None = None,
        params: dict[str, bool] | None = None,
    ) -> str:
        rid = self.c.create_resource(restApiId=self.id, parentId=self.root, pathPart=path)["id"]
        self.c.put_method(
            restApiId=self.id,
            resourceId=rid,
            httpMethod=verb,
            authorizationType="NONE",
            requestParameters=params or {},
        )
        self.c.put_integration(restApiId=self.id, resourceId=rid, httpMethod=verb, **integration)
        for status, resp in (responses or {"200": {}}).items():
            self.c.put_method_response(
                restApiId=self.id,
                resourceId=rid,
                httpMethod=verb,
                statusCode=status,
                responseParameters={
                    k: False for k in resp.get("responseParameters", {}) if k.startswith("method")
                },
            )
            self.c.put_integration_response(
                restApiId=self.id, resourceId=rid, httpMethod=verb, statusCode=status, **resp
            )
        return str(rid)

    def deploy(self) -> None:
        self.c.create_deployment(restApiId=self.id, stageName="dev", variables={"color": "blue"})


def call(
    gw: Gateway, api: Api, method: str, path: str, **kw: Any
) -> tuple[int, dict[str, str], bytes]:
    deadline = time.monotonic() + 10
    while True:
        status, headers, body = gw.request(method, path, api_id=api.id, **kw)
        if status != 403 or time.monotonic() > deadline:  # 403: not deployed here yet
            return status, headers, body
        time.sleep(0.05)


# The example: AWS answers {"echo":"foobar"} for ?data=foobar.
ECHO = '{"echo":"$input.params(\'data\')"}'
REQUEST_BODY = (
    '{"sent": $input.json(\'$\'), "msg": "$util.escapeJavaScript($input.path(\'$.msg\'))", '
    '"raw": "$util.escapeJavaScript($input.body)"}'
)
RESPONSE_BODY = (
    '{"got": $input.json(\'$.body\'), "query": "$input.path(\'$.query\')", '
    "\"headers\": $input.json('$.headers')}"
)
MOCK = {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}}


def test_templates(gw: Gateway, apigw: Any, upstream: Upstream) -> None:
    api = Api(apigw, "vtl")
    # The example: a MOCK integration response echoing a query parameter.
    api.method(
        "echo",
        integration=MOCK,
        responses={"200": {"responseTemplates": {"application/json": ECHO}}},
    )
    # The pet store list, rendered over a MOCK's response (the body comes from a parameter).
    api.method(
        "pets",
        integration=MOCK,
        responses={
            "200": {
                "responseTemplates": {
                    "application/json": "#set($input = $util.parseJson($input.params('pets')))"
                    + "\n"
                    + PET_TEMPLATE.replace("$input.path('$')", "$input"),
                }
            }
        },
    )
    api.method(
        "params",
        integration=MOCK,
        responses={"200": {"responseTemplates": {"application/json": PARAMS_TEMPLATE}}},
    )
    # A MOCK whose request template picks the status from the request.
    api.method(
        "status",
        integration={
            "type": "MOCK",
            "requestTemplates": {
                "application/json": '#if($input.params("fail") == "yes"){"statusCode": 400}'
                '#else{"statusCode": 200}#end'
            },
        },
        responses={
            "200": {"responseTemplates": {"application/json": '{"ok": true}'}},
            "400": {
                "selectionPattern": "400",
                "responseTemplates": {"application/json": '{"ok": false}'},
            },
        },
    )
    # responseOverride: status and header.
    api.method(
        "override",
        integration=MOCK,
        responses={
            "200": {
                "responseTemplates": {
                    "application/json": "#set($context.responseOverride.status = 444)\n"
                    '#set($context.responseOverride.header.X-Custom = "over")\n'
                    '{"stage": "$stageVariables.color", "rid": "$context.resourcePath"}'
                }
            }
        },
    )
    # HTTP non-proxy: a request template (with requestOverride) and a response template.
    api.method(
        "http",
        "POST",
        integration={
            "type": "HTTP",
            "integrationHttpMethod": "POST",
            "uri": f"http://127.0.0.1:{upstream.port}/echo",
            "passthroughBehavior": "NEVER",
            "requestTemplates": {
                "application/json": "#set($context.requestOverride.header.X-Over = 'yes')\n"
                "#set($context.requestOverride.querystring.q = 'from-template')\n" + REQUEST_BODY
            },
        },
        responses={"200": {"responseTemplates": {"application/json": RESPONSE_BODY}}},
    )
    api.deploy()

    status, headers, body = call(gw, api, "GET", "/dev/echo?data=foobar")
    assert (status, body) == (200, b'{"echo":"foobar"}')
    assert headers["content-type"] == "application/json"

    pets = json.dumps(PETS)
    from urllib.parse import quote

    status, _, body = call(gw, api, "GET", "/dev/pets?pets=" + quote(pets))
    assert status == 200
    # AWS's documented output, as JSON: the guide shows it pretty-printed, while Velocity 1.7
    # (and Frontgate) let "#end" take the line break after it ("},  {").
    assert json.loads(body) == json.loads(PET_OUTPUT)
    assert body.decode().startswith('[\n  {\n    "description" : "Item 1 is a dog.",\n')
    assert json.loads(body)[2] == {"description": "Item 3 is a fish.", "askingPrice": 0.99}

    status, _, body = call(gw, api, "GET", "/dev/params?q=it%27s", headers={"X-Thing": 'a"b'})
    assert status == 200
    text = body.decode()
    assert '"path" : {' in text
    assert '"q" : "it\\\'s"' in text  # escapeJavaScript escapes the quote, as on AWS
    assert '"X-Thing" : "a\\"b"' in text

    assert call(gw, api, "GET", "/dev/status")[::2] == (200, b'{"ok": true}')
    assert call(gw, api, "GET", "/dev/status?fail=yes")[::2] == (400, b'{"ok": false}')

    status, headers, body = call(gw, api, "GET", "/dev/override")
    assert status == 444
    assert headers["x-custom"] == "over"
    assert json.loads(body) == {"stage": "blue", "rid": "/override"}

    sent = {"msg": 'say "hi"/bye', "n": 1}
    status, _, body = call(
        gw, api, "POST", "/dev/http", body=json.dumps(sent).encode(),
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    assert status == 200, body
    doc = json.loads(body)
    got = json.loads(doc["got"])
    assert got["sent"] == sent
    assert got["msg"] == 'say "hi"/bye'  # escaped in the template, read back as JSON
    assert got["raw"] == json.dumps(sent)  # the whole body as a JSON string
    assert doc["query"] == "q=from-template"
    assert ["X-Over", "yes"] in doc["headers"]
    # No Content-Type reads as application/json, and the backend is told so.
    status, _, body = call(gw, api, "POST", "/dev/http", body=b'{"msg": "x"}')
    assert status == 200
    assert ["Content-Type", "application/json"] in json.loads(body)["headers"]
    # passthroughBehavior NEVER: no template for text/plain -> AWS's 415.
    status, headers, body = call(
        gw, api, "POST", "/dev/http", body=b"x", headers={"Content-Type": "text/plain"}
    )
    assert status == 415
    assert json.loads(body) == {"message": "Unsupported Media Type"}


def test_passthrough_behaviours(gw: Gateway, apigw: Any, upstream: Upstream) -> None:
    api = Api(apigw, "passthrough")
    uri = f"http://127.0.0.1:{upstream.port}/echo"
    for name, behaviour, templates in (
        ("match", "WHEN_NO_MATCH", {"application/xml": "<x/>"}),
        ("notemplates", "WHEN_NO_TEMPLATES", {"application/xml": "<x/>"}),
        ("none", "WHEN_NO_TEMPLATES", {}),
    ):
        integ: dict[str, Any] = {
            "type": "HTTP", "integrationHttpMethod": "POST", "uri": uri,
            "passthroughBehavior": behaviour,
        }  # fmt: skip
        if templates:
            integ["requestTemplates"] = templates
        api.method(name, "POST", integration=integ)
    api.deploy()
    post = {"body": b'{"a": 1}', "headers": {"Content-Type": "application/json"}}
    status, _, body = call(gw, api, "POST", "/dev/match", **post)
    assert status == 200 and json.loads(body)["body"] == '{"a": 1}'
    status, _, body = call(gw, api, "POST", "/dev/notemplates", **post)
    assert status == 415 and json.loads(body) == {"message": "Unsupported Media Type"}
    status, _, body = call(gw, api, "POST", "/dev/none", **post)
    assert status == 200 and json.loads(body)["body"] == '{"a": 1}'
    status, _, body = call(
        gw, api, "POST", "/dev/notemplates", body=b"<a/>",
        headers={"Content-Type": "application/xml"},
    )  # fmt: skip
    assert status == 200 and json.loads(body)["body"] == "<x/>"


def test_run_time_failure_is_a_500_and_one_log_line(tmp_path: Path) -> None:
    with Gateway(tmp_path) as own:
        api = Api(own.admin_client(), "broken")
        bad = {"application/json": "$util.base64Decode('!!!')"}
        api.method("bad", integration=MOCK, responses={"200": {"responseTemplates": bad}})
        api.deploy()
        status, _, body = call(own, api, "GET", "/dev/bad")
        assert status == 500
        assert json.loads(body) == {"message": "Internal server error"}
    logged = [line for line in own.lines if "mapping template failed" in line]
    assert len(logged) == 1, own.lines
    assert "Traceback" not in "".join(own.lines)


def test_test_invoke_method_renders_templates(apigw: Any, gw: Gateway) -> None:
    api = Api(apigw, "invoke")
    rid = api.method(
        "echo",
        integration=MOCK,
        responses={"200": {"responseTemplates": {"application/json": ECHO}}},
    )
    out = apigw.test_invoke_method(
        restApiId=api.id, resourceId=rid, httpMethod="GET", pathWithQueryString="/echo?data=foobar"
    )
    assert out["status"] == 200
    assert out["body"] == '{"echo":"foobar"}'
    assert 'Method response body after transformations: {"echo":"foobar"}' in out["log"]


def test_test_invoke_log_is_written_once_and_the_aws_way(apigw: Any, gw: Gateway) -> None:
    # The log's ending came twice (the pipeline's own, then TestInvokeMethod's, with Python
    # dicts), the path parameters were always "{}", and the lines went to a stage log file.
    api = Api(apigw, "invokelog")
    rid = api.method(
        "{p}",
        "POST",
        integration=MOCK,
        responses={"200": {"responseTemplates": {"application/json": ECHO}}},
    )
    out = apigw.test_invoke_method(
        restApiId=api.id, resourceId=rid, httpMethod="POST", pathWithQueryString="/zz?data=x&b=2",
        headers={"X-H": "v"}, body="{}",
    )  # fmt: skip
    assert out["status"] == 200 and out["body"] == '{"echo":"x"}'
    lines = [line.split(" : ", 1)[1] for line in out["log"].splitlines()[1:]]
    for once in ("Method completed with status: 200", "Successfully completed execution"):
        assert lines.count(once) == 1, lines
    assert "Method request path: {p=zz}" in lines
    assert "Method request query string: {data=x, b=2}" in lines
    assert "Method request headers: {X-H=v}" in lines
    assert any(line.startswith("Method response headers: {x-amzn-RequestId=") for line in lines)
    assert not list(gw.data_dir.glob(f"logs/*{api.id}*/*"))


def test_a_template_that_does_not_parse_is_refused_at_put(apigw: Any) -> None:
    api = Api(apigw, "refused")
    rid = api.method("ok", integration=MOCK)
    with pytest.raises(ClientError) as info:
        apigw.put_integration(
            restApiId=api.id, resourceId=rid, httpMethod="GET", type="MOCK",
            requestTemplates={"application/json": "#if($x"},
        )  # fmt: skip
    err = info.value.response
    assert err["Error"]["Code"] == "BadRequestException"
    assert err["Error"]["Message"].startswith("Invalid mapping expression specified")
    with pytest.raises(ClientError) as info:
        apigw.put_integration_response(
            restApiId=api.id, resourceId=rid, httpMethod="GET", statusCode="200",
            responseTemplates={"application/json": "#foreach($a)#end"},
        )  # fmt: skip
    assert info.value.response["Error"]["Code"] == "BadRequestException"
    with pytest.raises(ClientError) as info:
        apigw.update_integration(
            restApiId=api.id, resourceId=rid, httpMethod="GET",
            patchOperations=[
                {"op": "add", "path": "/requestTemplates/text~1plain", "value": "#foreach("}
            ],
        )  # fmt: skip
    assert info.value.response["Error"]["Code"] == "BadRequestException"
    # Nothing was stored by the refused calls.
    integ = apigw.get_integration(restApiId=api.id, resourceId=rid, httpMethod="GET")
    assert integ["requestTemplates"] == MOCK["requestTemplates"]


# The developer guide's override example 1: the status (and a header) from the integration body.
OVERRIDE_EXAMPLE = """#set($inputRoot = $input.path('$'))
$input.json("$")
#if($inputRoot.toString().contains("error"))
#set($context.responseOverride.status = 400)
#set($context.responseOverride.header.headerName = "headerValue")
#end"""


def test_developer_guide_override_example(gw: Gateway, apigw: Any, upstream: Upstream) -> None:
    api = Api(apigw, "override-example")
    api.method(
        "pets",
        "POST",
        integration={
            "type": "HTTP",
            "integrationHttpMethod": "POST",
            "uri": f"http://127.0.0.1:{upstream.port}/echo",
        },
        responses={"200": {"responseTemplates": {"application/json": OVERRIDE_EXAMPLE}}},
    )
    api.deploy()
    json_type = {"Content-Type": "application/json"}
    bad = json.dumps({"errors": [{"message": "The value is out of range."}]}).encode()
    status, headers, body = call(gw, api, "POST", "/dev/pets", body=bad, headers=json_type)
    assert status == 400
    assert headers["headername"] == "headerValue"
    assert json.loads(body)["body"] == bad.decode()  # $input.json("$"): the backend's answer
    status, headers, body = call(gw, api, "POST", "/dev/pets", body=b'{"ok": 1}', headers=json_type)
    assert status == 200
    assert "headername" not in headers
    assert json.loads(body)["body"] == '{"ok": 1}'


# The guide's pet store template as the guide prints it (a blank line after "#if...#end":
# Velocity 1.x gives the line break that ends "#end"'s line to the directive).
PET_GUIDE_TEMPLATE = PET_TEMPLATE.replace(
    "#if($foreach.hasNext),#end\n", "#if($foreach.hasNext),#end\n\n"
)


def test_developer_guide_pet_store_output_exactly(
    gw: Gateway, apigw: Any, upstream: Upstream
) -> None:
    # The request template turns the client's pet list into the guide's output; the upstream
    # echoes what it was sent, so the body it saw is compared byte for byte.
    api = Api(apigw, "pet-store")
    api.method(
        "pets",
        "POST",
        integration={
            "type": "HTTP",
            "integrationHttpMethod": "POST",
            "uri": f"http://127.0.0.1:{upstream.port}/echo",
            "requestTemplates": {"application/json": PET_GUIDE_TEMPLATE},
        },
    )
    api.deploy()
    status, _, body = call(
        gw, api, "POST", "/dev/pets", body=json.dumps(PETS).encode(),
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    assert status == 200, body
    assert json.loads(body)["body"] == PET_OUTPUT


def test_body_jsonpath_parameter_mappings(gw: Gateway, apigw: Any, upstream: Upstream) -> None:
    # method.request.body.items[0].id was accepted at Put but mapped nothing (only dotted
    # names were read), and integration.response.body.<JSONPath> mapped the whole body.
    api = Api(apigw, "bodymap")
    api.method(
        "bodymap",
        "POST",
        integration={
            "type": "HTTP",
            "integrationHttpMethod": "POST",
            "uri": f"http://127.0.0.1:{upstream.port}/echo",
            "requestParameters": {
                "integration.request.header.X-Id": "method.request.body.items[0].id",
                "integration.request.header.X-Last": "method.request.body.items[-1].id",
                "integration.request.header.X-N": "method.request.body.n.m",
                "integration.request.header.X-Obj": "method.request.body.n",
            },
        },
        responses={
            "200": {
                "responseParameters": {
                    "method.response.header.X-Method": "integration.response.body.method",
                    "method.response.header.X-Path": "integration.response.body.path",
                }
            }
        },
    )
    api.deploy()
    status, headers, body = call(
        gw, api, "POST", "/dev/bodymap",
        body=b'{"items": [{"id": "i1"}, {"id": 2}], "n": {"m": "mm"}}',
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    assert status == 200, body
    sent = {k: v for k, v in json.loads(body)["headers"] if k.startswith("X-")}
    assert sent["X-Id"] == "i1" and sent["X-Last"] == "2" and sent["X-N"] == "mm"
    assert sent["X-Obj"] == '{"m":"mm"}'
    lowered = {k.lower(): v for k, v in headers.items()}
    assert lowered["x-method"] == "POST" and lowered["x-path"] == "/echo"
