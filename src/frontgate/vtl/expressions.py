"""Reading VTL expressions (what ``#set``, ``#if``, ``#foreach``, method arguments and
``[index]`` hold) and references (``$a.b(c)[d]``) from template text, by recursive descent.
``TemplateParser`` (parser.py) builds on this for the statements."""

from __future__ import annotations

import re
from typing import Final

from frontgate.vtl.nodes import (
    Binary,
    Interpolated,
    ListLiteral,
    Literal,
    MapLiteral,
    Node,
    RangeLiteral,
    Ref,
    Step,
    Unary,
)

# Velocity 1.x identifiers: a letter or "_", then letters, digits, "_" or "-".
IDENT: Final = re.compile(r"[a-zA-Z_][a-zA-Z0-9_-]*")
_SPACE: Final = re.compile(r"\s*")
_NUMBER: Final = re.compile(r"-?(?:\d+\.\d+|\.\d+|\d+)")
_WORD: Final = re.compile(r"(true|false|null)(?![a-zA-Z0-9_])")

# Binary operators by precedence level, lowest first; words need a boundary after them.
_LEVELS: Final = (
    ("||", "or"),
    ("&&", "and"),
    ("==", "!=", "eq", "ne"),
    ("<=", ">=", "<", ">", "le", "ge", "lt", "gt"),
    ("+", "-"),
    ("*", "/", "%"),
)
_CANONICAL: Final = {
    "or": "||", "and": "&&", "eq": "==", "ne": "!=",
    "le": "<=", "ge": ">=", "lt": "<", "gt": ">",
}  # fmt: skip


class VtlSyntaxError(ValueError):
    """The template does not parse; the message says where (line and column) and why."""


class ExpressionParser:
    """A cursor over the template text with the expression grammar."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    # ---- errors and low-level matching -----------------------------------------------------

    def error(self, why: str, at: int | None = None) -> VtlSyntaxError:
        at = self.pos if at is None else at
        line = self.text.count("\n", 0, at) + 1
        column = at - (self.text.rfind("\n", 0, at) + 1) + 1
        got = self.text[at : at + 20].split("\n", 1)[0]
        return VtlSyntaxError(f"line {line}, column {column}: {why}, got: {got!r}")

    def skip_space(self) -> None:
        m = _SPACE.match(self.text, self.pos)
        if m:
            self.pos = m.end()

    def peek(self, s: str) -> bool:
        return self.text.startswith(s, self.pos)

    def take(self, s: str) -> bool:
        if self.text.startswith(s, self.pos):
            self.pos += len(s)
            return True
        return False

    def expect(self, s: str, where: str) -> None:
        self.skip_space()
        if not self.take(s):
            raise self.error(f"expected {s!r} in {where}")

    def string_body(self, raw: str) -> list[Node]:
        """A double-quoted string's contents parsed as a template (parser.py supplies it)."""
        raise NotImplementedError

    # ---- expressions -----------------------------------------------------------------------

    def expression(self, level: int = 0) -> Node:
        if level == len(_LEVELS):
            return self.unary()
        left = self.expression(level + 1)
        while True:
            op = self._operator(_LEVELS[level])
            if op is None:
                return left
            right = self.expression(level + 1)
            left = Binary(op, left, right)

    def _operator(self, ops: tuple[str, ...]) -> str | None:
        save = self.pos
        self.skip_space()
        for op in ops:
            if self.text.startswith(op, self.pos):
                end = self.pos + len(op)
                if op[0].isalpha() and end < len(self.text) and self.text[end].isalnum():
                    continue
                # "=" alone is no operator ("==" is); "<"/">" are checked after "<="/">=".
                self.pos = end
                return _CANONICAL.get(op, op)
        self.pos = save
        return None

    def unary(self) -> Node:
        self.skip_space()
        if self.peek("!") and not self.peek("!="):
            self.pos += 1
            return Unary("!", self.unary())
        m = IDENT.match(self.text, self.pos)
        if m is not None and m.group() == "not":
            self.pos = m.end()
            return Unary("!", self.unary())
        if self.peek("-") and not _NUMBER.match(self.text, self.pos):
            self.pos += 1
            return Unary("-", self.unary())
        return self.primary()

    def primary(self) -> Node:
        self.skip_space()
        start = self.pos
        text = self.text
        c = text[start : start + 1]
        if c == "$":
            ref = self.reference(in_text=False)
            if ref is None:
                raise self.error("expected a reference")
            return ref
        if c == "'":
            end = text.find("'", start + 1)
            if end < 0:
                raise self.error("unterminated string")
            self.pos = end + 1
            # Single quotes: no escapes and no interpolation (AWS's Velocity).
            return Literal(text[start + 1 : end])
        if c == '"':
            return self._interpolated()
        if c == "[":
            return self._list()
        if c == "{":
            return self._map()
        if c == "(":
            self.pos += 1
            inner = self.expression()
            self.expect(")", "a parenthesized expression")
            return inner
        m = _NUMBER.match(text, start)
        if m:
            self.pos = m.end()
            s = m.group()
            return Literal(float(s) if "." in s else int(s))
        m = _WORD.match(text, start)
        if m:
            self.pos = m.end()
            return Literal({"true": True, "false": False, "null": None}[m.group(1)])
        raise self.error("expected a value")

    def _interpolated(self) -> Node:
        start = self.pos + 1
        i = start
        text = self.text
        while True:
            end = text.find('"', i)
            if end < 0:
                raise self.error("unterminated string")
            if text.startswith('""', end):  # "" inside a string is a quote
                i = end + 2
                continue
            break
        self.pos = end + 1
        raw = text[start:end].replace('""', '"')
        if "$" not in raw and "#" not in raw:
            return Literal(raw)
        try:
            return Interpolated(self.string_body(raw))
        except VtlSyntaxError as exc:
            raise self.error(f"in a string: {exc}", start) from None

    def _list(self) -> Node:
        self.pos += 1
        self.skip_space()
        if self.take("]"):
            return ListLiteral([])
        first = self.expression()
        self.skip_space()
        if self.take(".."):
            last = self.expression()
            self.expect("]", "a range")
            return RangeLiteral(first, last)
        items = [first]
        while True:
            self.skip_space()
            if self.take("]"):
                return ListLiteral(items)
            self.expect(",", "a list")
            items.append(self.expression())

    def _map(self) -> Node:
        self.pos += 1
        self.skip_space()
        pairs: list[tuple[Node, Node]] = []
        if self.take("}"):
            return MapLiteral(pairs)
        while True:
            key = self.expression()
            self.expect(":", "a map")
            pairs.append((key, self.expression()))
            self.skip_space()
            if self.take("}"):
                return MapLiteral(pairs)
            self.expect(",", "a map")

    # ---- references ------------------------------------------------------------------------

    def reference(self, *, in_text: bool) -> Ref | None:
        """``$name...``, ``$!name...``, ``${name...}``, at the cursor (on the "$"). None, with
        the cursor unmoved, when what follows the "$" is no reference (it is text then)."""
        start = self.pos
        text = self.text
        i = start + 1
        if text.startswith("!", i):
            i += 1
        braced = text.startswith("{", i)
        if braced:
            i += 1
        m = IDENT.match(text, i)
        if m is None:
            return None
        self.pos = m.end()
        ref = Ref(m.group(), self._steps(in_text))
        if braced:
            self.expect("}", "a ${...} reference")
        return ref

    def _steps(self, in_text: bool) -> list[Step]:
        steps: list[Step] = []
        text = self.text
        while True:
            c = text[self.pos : self.pos + 1]
            if c == ".":
                m = IDENT.match(text, self.pos + 1)  # also after a dot: ``header.X-Custom``
                if m is None:
                    return steps  # "$a." at the end of a sentence
                self.pos = m.end()
                if text.startswith("(", self.pos):
                    steps.append(Step("call", m.group(), self._arguments()))
                else:
                    steps.append(Step("prop", m.group(), []))
            elif c == "[":
                save = self.pos
                try:
                    self.pos += 1
                    key = self.expression()
                    self.expect("]", "an index")
                except VtlSyntaxError:
                    if not in_text:
                        raise
                    self.pos = save  # "$a[" followed by text that is no index
                    return steps
                steps.append(Step("index", "", [key]))
            else:
                return steps

    def _arguments(self) -> list[Node]:
        self.pos += 1  # "("
        self.skip_space()
        args: list[Node] = []
        if self.take(")"):
            return args
        while True:
            args.append(self.expression())
            self.skip_space()
            if self.take(")"):
                return args
            if not self.take(","):
                raise self.error("expected ')' in a parameter list")
