"""``$util``: AWS's helper functions."""

from __future__ import annotations

import pytest

from frontgate.vtl.util import UTIL, escape_javascript


def test_escape_javascript_as_java_does() -> None:
    # The developer guide: single quotes become \' (which is not valid JSON).
    assert escape_javascript('it\'s "quoted"') == 'it\\\'s \\"quoted\\"'
    assert escape_javascript("a\\b/c") == "a\\\\b\\/c"
    assert escape_javascript("line\nnext\ttab\r") == "line\\nnext\\ttab\\r"
    assert escape_javascript("\x01é") == "\\u0001\\u00E9"
    assert escape_javascript("😀") == "\\uD83D\\uDE00"
    assert escape_javascript(None) == ""


def test_escape_javascript_fast_path_matches_the_table() -> None:
    """Printable ASCII is escaped by a few replaces; the result equals the full table's
    (str.translate) for every character, alone and in company."""
    from frontgate.vtl.util import _NON_ASCII, _TABLE, _unicode_escape

    def reference(text: str) -> str:
        return _NON_ASCII.sub(_unicode_escape, text.translate(_TABLE))

    chars = [chr(c) for c in range(0x80)] + ["é", "😀"]
    samples = ["", "it's", '"q"', "\\\"'/", "a/b\\c", "x\x7fy", "tab\there", "p\\'q"]
    samples += chars + [f"a{c}b{c}" for c in chars] + [f"\\{c}'" for c in chars]
    for text in samples:
        assert escape_javascript(text) == reference(text), repr(text)


def test_parse_json_gives_template_objects() -> None:
    doc = UTIL.parseJson('{"a": {"b": [1, 2]}}')
    assert str(doc) == "{a={b=[1,2]}}"
    assert doc["a"]["b"].size() == 2


def test_url_encode_like_javas_url_encoder() -> None:
    assert UTIL.urlEncode('{"some": "value"}') == "%7B%22some%22%3A+%22value%22%7D"
    assert UTIL.urlEncode("a*b~c") == "a*b%7Ec"
    assert UTIL.urlDecode("some+raw%20data") == "some raw data"
    assert UTIL.urlEncode(None) == ""


def test_base64() -> None:
    assert UTIL.base64Encode("héllo") == "aMOpbGxv"
    assert UTIL.base64Decode("aMOpbGxv") == "héllo"
    with pytest.raises(ValueError):
        UTIL.base64Decode("!!!")
