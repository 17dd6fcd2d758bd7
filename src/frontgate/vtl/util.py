"""``$util``: AWS's helper functions for mapping templates."""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from frontgate.vtl.values import to_text, wrap

# Java's StringEscapeUtils.escapeJavaScript (what AWS runs): these get a backslash, other
# control characters and everything past ASCII become \uXXXX (upper-case hex).
_ESCAPES = {
    '"': '\\"',
    "'": "\\'",
    "\\": "\\\\",
    "/": "\\/",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}


# The ASCII part as one str.translate table; what is past ASCII is rare and done by a regex.
_TABLE: dict[int, str] = {
    **{c: f"\\u{c:04X}" for c in range(0x20)},
    **{ord(k): v for k, v in _ESCAPES.items()},
}
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _unicode_escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    if code > 0xFFFF:  # Java strings are UTF-16: a surrogate pair, each escaped
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}"
    return f"\\u{code:04X}"


def escape_javascript(value: Any) -> str:
    text = value if type(value) is str else _text(value)
    if text.isascii():
        if text.isalnum():  # ids, numbers, words: nothing to escape
            return text
        if text.isprintable():
            # No control character: only the four printable escapes can apply, each a
            # memchr and at most one replace. translate() with a table of strings costs a
            # dict lookup (and an int) per character, several times this on short values.
            if "\\" in text:  # first, so that the backslashes added below stay single
                text = text.replace("\\", "\\\\")
            if '"' in text:
                text = text.replace('"', '\\"')
            if "'" in text:
                text = text.replace("'", "\\'")
            if "/" in text:
                text = text.replace("/", "\\/")
            return text
        return text.translate(_TABLE)
    text = text.translate(_TABLE)
    return _NON_ASCII.sub(_unicode_escape, text)


class Util:
    """One shared instance: it holds no state. Method names are AWS's."""

    __slots__ = ()

    @staticmethod
    def escapeJavaScript(value: Any) -> str:
        return escape_javascript(value)

    def parseJson(self, value: Any) -> Any:
        return wrap(json.loads(_text(value)))

    def urlEncode(self, value: Any) -> str:
        # Java's URLEncoder: form encoding (space is "+"); "*" stays, "~" is escaped.
        return quote_plus(_text(value), safe="*").replace("~", "%7E")

    def urlDecode(self, value: Any) -> str:
        return unquote_plus(_text(value))

    def base64Encode(self, value: Any) -> str:
        return base64.b64encode(_text(value).encode()).decode()

    def base64Decode(self, value: Any) -> str:
        # Java's decoder refuses what is not base64 (a run-time failure: AWS's 500).
        return base64.b64decode(_text(value), validate=True).decode("utf-8", "replace")


def _text(value: Any) -> str:
    """A template value as the text a Java method receives: null as "" (a missing
    reference), booleans in lower case, maps and lists as they print."""
    if value is None:
        return ""
    return to_text(value)


UTIL = Util()
