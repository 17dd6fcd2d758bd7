"""``$input``: the request (or, in a response template, the integration's response) payload
and the method request's parameters."""

from __future__ import annotations

import json
from typing import Any

from frontgate.vtl import jsonpath
from frontgate.vtl.values import JavaMap, to_json, wrap

_UNPARSED: Any = object()


class Input:
    """Built per render. The body is parsed as JSON at most once, when a template first asks
    for a path."""

    __slots__ = ("_doc", "_headers", "_path", "_query", "_text")

    def __init__(
        self,
        body: bytes,
        path: dict[str, str],
        query: list[tuple[str, str]],
        headers: list[tuple[str, str]],
    ) -> None:
        # AWS renders an empty payload as "{}" (its recording of a raw-body template).
        self._text = body.decode("utf-8", "replace") if body else "{}"
        self._path = path
        self._query = query
        self._headers = headers
        self._doc: Any = _UNPARSED

    @property
    def body(self) -> str:
        return self._text

    def _parsed(self) -> Any:
        if self._doc is _UNPARSED:
            try:
                self._doc = json.loads(self._text)
            except ValueError:
                # Not JSON: every path finds nothing (LocalStack's reading of AWS).
                self._doc = None
        return self._doc

    def path(self, path: Any = "$") -> Any:
        """The value at the JSONPath, as a template object (a map prints as ``{a=b}``); null
        when nothing matches."""
        doc = self._parsed()
        if doc is None:
            return None
        return wrap(jsonpath.evaluate(doc, str(path or "$")))

    def json(self, path: Any = "$") -> str:
        """The value at the JSONPath, serialised as JSON; ``""`` when nothing matches."""
        doc = self._parsed()
        value = None if doc is None else jsonpath.evaluate(doc, str(path or "$"))
        return to_json("" if value is None else value)

    def params(self, name: Any = None) -> Any:
        """No name: every parameter, ``{path, querystring, header}``. A name: its value in the
        path, else the query string, else a header; "" when none has it."""
        if name is None:
            return JavaMap(
                path=JavaMap(self._path),
                querystring=JavaMap(self._query),  # a repeated key keeps its last value
                header=JavaMap(self._headers),
            )
        key = str(name)
        value = self._path.get(key)
        if value is not None:
            return value
        found = None
        for k, v in self._query:
            if k == key:
                found = v
        if found is not None:
            return found
        lkey = key.lower()
        for k, v in self._headers:
            if k.lower() == lkey:
                return v
        return ""
