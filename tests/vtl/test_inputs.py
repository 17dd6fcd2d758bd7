"""``$input``: outputs recorded from AWS (LocalStack's AWS-validated snapshots of
test_input_path_template_formatting and test_input_body_formatting) and the developer guide."""

from __future__ import annotations

import json
from typing import Any

import pytest

from frontgate.vtl.engine import compile_template, render
from frontgate.vtl.inputs import Input
from frontgate.vtl.util import UTIL


def run(text: str, body: Any = b"", **params: Any) -> str:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    inp = Input(raw, params.get("path", {}), params.get("query", []), params.get("headers", []))
    return render(compile_template(text), {"input": inp, "util": UTIL})


PATH = '#set($result = $input.path("$.json"))$result'


@pytest.mark.parametrize(
    ("template", "json_value", "expected"),
    [
        (PATH, {"foo": "bar"}, "{foo=bar}"),
        (PATH, [{"foo": "bar"}], '[{"foo":"bar"}]'),
        (PATH + ".nested", {"nested": {"foo": "bar"}}, "{foo=bar}"),
        (PATH + ".nested", {"nested": [{"foo": "bar"}]}, '[{"foo":"bar"}]'),
        (PATH + "[0]", [{"foo": "bar"}], "{foo=bar}"),
        (PATH + "[0]", [[{"foo": "bar"}]], '[{"foo":"bar"}]'),
        (PATH, {"foo": [{"nested": "bar"}]}, '{foo=[{"nested":"bar"}]}'),
        (PATH, {"bigger": "dict", "to": "test", "with": "separators"},
         "{bigger=dict, to=test, with=separators}"),
        (PATH + ".toString()", {"foo": "bar"}, "{foo=bar}"),
        (PATH + ".toString()", {"list": [{"foo": "bar"}]}, '{list=[{"foo":"bar"}]}'),
    ],
)  # fmt: skip
def test_path_prints_maps_the_java_way_and_lists_as_json(
    template: str, json_value: Any, expected: str
) -> None:
    assert run(template, {"json": json_value}) == expected


# AWS's recording: a path matching nothing is null, prints as nothing, equals both $null and "".
NULL_TEMPLATE = (
    '#set($result = $input.path("$.nonExisting")){"body": $result, "nested": $result.nested, '
    '"isNull": #if( $result == $null )"true"#else"false"#end, '
    '"isEmptyString": #if( $result == "" )"true"#else"false"#end}'
)


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        ("$.nonExisting", b"",
         '{"body": , "nested": , "isNull": "true", "isEmptyString": "true"}'),
        ("$.json.listValue", {"json": {"listValue": []}},
         '{"body": [], "nested": , "isNull": "false", "isEmptyString": "false"}'),
        ("$.json.listValue", {"json": {"listValue": None}},
         '{"body": , "nested": , "isNull": "true", "isEmptyString": "true"}'),
    ],
)  # fmt: skip
def test_a_path_that_matches_nothing_is_null(path: str, body: Any, expected: str) -> None:
    assert run(NULL_TEMPLATE.replace("$.nonExisting", path), body) == expected


@pytest.mark.parametrize(
    ("body", "raw", "form"),
    [
        (b"", "{}", "Action=SendMessage&MessageBody={}"),
        (b'{"some": "value"}', '{"some": "value"}',
         'Action=SendMessage&MessageBody={"some": "value"}'),
        (b"some raw data", "some raw data", "Action=SendMessage&MessageBody=some raw data"),
    ],
)  # fmt: skip
def test_body(body: bytes, raw: str, form: str) -> None:
    assert run("#set($result = $input.body)$result", body) == raw
    assert run("Action=SendMessage&MessageBody=$input.body", body) == form


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"", "EncodedBody=%7B%7D&EncodedBodyAccess="),
        (b'{"some": "value"}', "EncodedBody=%7B%22some%22%3A+%22value%22%7D&EncodedBodyAccess="),
        (b"some raw data", "EncodedBody=some+raw+data&EncodedBodyAccess="),
    ],
)
def test_url_encoded_body(body: bytes, expected: str) -> None:
    text = (
        "EncodedBody=$util.urlEncode($input.body)"
        "&EncodedBodyAccess=$util.urlEncode($input.body.testAccess)"
    )
    assert run(text, body) == expected


def test_json_serialises_the_match() -> None:
    doc = {"pets": [{"id": 1, "name": "rex"}], "n": 1.5, "ok": True, "s": "x"}
    assert run("$input.json('$')", doc) == json.dumps(doc, separators=(",", ":"))
    assert run("$input.json('$.pets')", doc) == '[{"id":1,"name":"rex"}]'
    assert run("$input.json('$.pets[0].name')", doc) == '"rex"'
    assert run("$input.json('$.ok') $input.json('$.n')", doc) == "true 1.5"
    assert run("$input.json('$.missing')", doc) == '""'
    assert run("$input.json('$.a')", b"not json") == '""'


def test_json_of_an_empty_payload_is_what_parsing_its_text_gives() -> None:
    # The fast path for an empty body (a MOCK's integration response) must print what
    # parsing and re-serialising "{}" prints, before and after a path has parsed it.
    from frontgate.fastjson import dumps_text, loads

    expected = dumps_text(loads("{}"))
    assert run("$input.json('$')", b"") == expected == "{}"
    assert run("$input.json('$.a')|$input.json('$')|$input.body", b"") == '""|{}|{}'
    assert run("$input.path('$').size()|$input.json('$')", b"") == "0|{}"
    assert run("$input.json('$')", b" ") != "{}"  # only an empty body takes it


def test_path_objects_have_java_methods() -> None:
    doc = {"pets": [{"id": 1}, {"id": 2}]}
    assert run("$input.path('$.pets').size()", doc) == "2"
    assert run("$input.path('$.pets[1].id')", doc) == "2"
    assert run("#foreach($p in $input.path('$.pets'))$p.id;#end", doc) == "1;2;"


def test_params_path_then_query_then_header() -> None:
    params: dict[str, Any] = {
        "path": {"id": "p"},
        "query": [("id", "q"), ("q", "1"), ("q", "2")],
        "headers": [("Id", "h"), ("X-Only", "h2")],
    }
    assert run("$input.params('id')", **params) == "p"
    assert run("$input.params('q')", **params) == "2"  # the last of a repeated key
    assert run("$input.params('x-only')", **params) == "h2"
    assert run("[$input.params('none')]", **params) == "[]"
    text = "$input.params().path.id $input.params().querystring.q $input.params().header.Id"
    assert run(text, **params) == "p 2 h"


@pytest.mark.parametrize(
    "query",
    ["", "a=1&b=&c&&d=%20x+y", "e=f=g&b=it%27s&c=%22q%22", "x=%C3%A9&y=%zz&z=%", "k+1=v%2Bw"],
)
def test_query_string_split_as_parse_qsl(query: str) -> None:
    from urllib.parse import parse_qsl

    from frontgate.vtl.inputs import split_query

    assert split_query(query) == parse_qsl(query, keep_blank_values=True)


def test_every_escape_decodes_as_parse_qsl() -> None:
    """The ASCII fast path of the split against the standard library, for every "%xx" (both
    cases of hex digits, the non-ASCII ones it leaves to unquote_plus) and broken escapes."""
    from urllib.parse import parse_qsl

    from frontgate.vtl.inputs import split_query

    digits = "0123456789abcdefABCDEF"
    escapes = [f"%{a}{b}" for a in digits for b in digits] + ["%", "%4", "%g1", "%4g", "%%41"]
    for esc in escapes:
        for query in (
            f"k{esc}=v{esc}x", f"a=1&{esc}=+{esc}+&b", f"q=%C3%A9{esc}", f"{esc}&%41{esc}=",
            f"a%26b=c%3Dd&{esc}", f"x=%3d{esc}&&y",
        ):  # fmt: skip
            assert split_query(query) == parse_qsl(query, keep_blank_values=True), query


def test_query_given_as_raw_text_is_split_on_first_use() -> None:
    inp = Input(b"", {}, "q=1&q=2&x=%C3%A9", [])
    assert inp.params("q") == "2"
    assert render(compile_template("$input.params().querystring"), {"input": inp}) == "{q=2, x=é}"


def test_random_query_strings_split_as_parse_qsl() -> None:
    """Seeded random query strings built from the pieces that matter to the splitting and
    decoding paths (separators, "+", ASCII, UTF-8 and broken escapes, escaped "&" and "=")."""
    import random
    from urllib.parse import parse_qsl

    from frontgate.vtl.inputs import split_query

    pieces = ["a", "b", "=", "&", "+", "%", "2", "6", "3", "D", "d", "C", "A", "9", "4", "1"]
    pieces += ["%26", "%3D", "%3d", "%41", "%2b", "%C3%A9", "%zz", "é"]
    rng = random.Random(15)
    for _ in range(20000):
        query = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert split_query(query) == parse_qsl(query, keep_blank_values=True), query
