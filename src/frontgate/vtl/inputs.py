"""``$input``: the request (or, in a response template, the integration's response) payload
and the method request's parameters."""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import unquote_plus

from frontgate import fastjson
from frontgate.fastjson import dumps_text as to_json
from frontgate.vtl import jsonpath
from frontgate.vtl.values import JavaMap

_UNPARSED: Any = object()


class Input:
    """Built per render and cheap to build: the body is decoded when first read and parsed
    as JSON at most once, when a template first asks for a path; the query string (its raw
    text may be given) is split when first asked for. A JSON object comes back as a plain
    dict, which templates print and call as Java's map (``{a=b}``, ``size()``...)."""

    __slots__ = (
        "_all", "_body", "_doc", "_header_map", "_headers", "_path", "_path_map", "_query",
        "_query_map", "_text",
    )  # fmt: skip

    def __init__(
        self,
        body: bytes,
        path: dict[str, str],
        query: list[tuple[str, str]] | str,
        headers: list[tuple[str, str]],
    ) -> None:
        self._body = body
        self._text: str | None = None
        self._path = path
        self._query = query
        self._headers = headers
        self._doc: Any = _UNPARSED
        self._all: JavaMap | None = None
        self._path_map: JavaMap | None = None
        self._query_map: JavaMap | None = None
        self._header_map: JavaMap | None = None

    @property
    def body(self) -> str:
        text = self._text
        if text is None:
            # AWS renders an empty payload as "{}" (its recording of a raw-body template).
            body = self._body
            text = self._text = body.decode("utf-8", "replace") if body else "{}"
        return text

    def _parsed(self) -> Any:
        if self._doc is _UNPARSED:
            try:
                self._doc = fastjson.loads(self.body)
            except (ValueError, RecursionError):
                # Not JSON: every path finds nothing (LocalStack's reading of AWS).
                self._doc = None
        return self._doc

    def path(self, path: Any = "$") -> Any:
        """The value at the JSONPath, as a template object (a map prints as ``{a=b}``); null
        when nothing matches."""
        doc = self._parsed()
        if doc is None or path == "$":  # "$" (the commonest path) is the document itself
            return doc
        return jsonpath.evaluate(doc, str(path or "$"))

    def json(self, path: Any = "$") -> str:
        """The value at the JSONPath, serialised as JSON; ``""`` when nothing matches."""
        if not self._body and path == "$":
            # An empty payload reads as "{}" (``body``), which parses and prints back as
            # itself: a MOCK's integration response, a GET's request. Nothing to parse.
            return "{}"
        doc = self._parsed()
        if doc is None:
            return '""'
        # "$" (the commonest path) is the document itself: no path to parse or walk.
        value = doc if path == "$" else jsonpath.evaluate(doc, str(path or "$"))
        return to_json("" if value is None else value)

    def _query_pairs(self) -> list[tuple[str, str]]:
        query = self._query
        if isinstance(query, str):
            query = self._query = split_query(query)
        return query

    def split_pairs(self) -> list[tuple[str, str]] | None:
        """The query string's pairs if a template asked for them (then split), else None: the
        caller may hand them to the next ``Input`` of the same request instead of the text."""
        query = self._query
        return None if isinstance(query, str) else query

    def params(self, name: Any = None) -> Any:
        """No name: every parameter, ``{path, querystring, header}``. A name: its value in the
        path, else the query string, else a header; "" when none has it."""
        if name is None:
            every = self._all
            if every is None:
                every = self._all = JavaMap(
                    path=self.section("path"),
                    querystring=self.section("querystring"),
                    header=self.section("header"),
                )
            return every
        key = str(name)
        value = self._path.get(key)
        if value is not None:
            return value
        found = None
        for k, v in self._query_pairs():
            if k == key:
                found = v
        if found is not None:
            return found
        lkey = key.lower()
        for k, v in self._headers:
            if k.lower() == lkey:
                return v
        return ""

    def section(self, name: str) -> Any:
        """``$input.params().<name>`` (path, querystring or header) without building the
        other two; the same map each time, and the one ``params()`` holds."""
        if name == "querystring":
            found = self._query_map
            if found is None:  # a repeated key keeps its last value
                found = self._query_map = JavaMap(self._query_pairs())
        elif name == "path":
            found = self._path_map
            if found is None:
                found = self._path_map = JavaMap(self._path)
        elif name == "header":
            found = self._header_map
            if found is None:
                found = self._header_map = JavaMap(self._headers)
        else:
            return self.params().get(name)
        return found


def split_query(query: str) -> list[tuple[str, str]]:
    """``parse_qsl(query, keep_blank_values=True)``, without its cost in the usual cases:
    nothing escaped, or only ASCII characters other than "&" and "=" (then the whole text is
    decoded at once before it is split: no escape can move a boundary)."""
    if "%" in query or "+" in query:
        if "%26" not in query and "%3D" not in query and "%3d" not in query:
            decoded = _unquote_ascii(query)
            if decoded is not None:
                return _split(decoded)
        pairs = _split(query)
        return [(_unquote(k), _unquote(v)) for k, v in pairs]
    return _split(query)


def _split(query: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    if not query:
        return pairs
    for part in query.split("&"):
        if part:
            k, _, v = part.partition("=")
            pairs.append((k, v))
    return pairs


# A hex digit's value. Looked up by one character: one-character strings are shared objects
# whose hash is cached, where a two-character slice would be hashed anew for each escape.
_HEX: Final = {c: int(c, 16) for c in "0123456789abcdefABCDEF"}
_ASCII: Final = [chr(i) for i in range(0x80)]  # indexed: chr() is a builtin lookup and call


def _unquote_ascii(s: str) -> str | None:
    """``s`` with "+" as a space and its escapes of ASCII characters decoded; None when it
    holds any other "%" (a UTF-8 sequence, a stray "%")."""
    s = s.replace("+", " ")
    if "%" not in s:
        return s
    parts = s.split("%")
    out = [parts[0]]
    hexdigit = _HEX
    chars = _ASCII
    for part in parts[1:]:
        if len(part) < 2:
            return None
        high = hexdigit.get(part[0])
        low = hexdigit.get(part[1])
        if high is None or low is None or high > 7:
            return None
        out.append(chars[high * 16 + low])
        out.append(part[2:])
    return "".join(out)


def _unquote(s: str) -> str:
    """``unquote_plus(s)``; escapes of ASCII characters decoded here, anything else (UTF-8
    sequences, stray "%") by the standard library."""
    if "%" not in s and "+" not in s:
        return s
    decoded = _unquote_ascii(s)
    return unquote_plus(s) if decoded is None else decoded
