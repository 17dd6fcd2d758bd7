"""Template text to statements (nodes.py): text, references and Velocity's directives, with
Velocity 1.x's whitespace rule that the line break ending a line after ``#set(...)``,
``#if(...)``, ``#elseif(...)``, ``#else``, ``#end``, ``#foreach(...)``, ``#macro(...)`` and
``#define(...)`` belongs to the directive."""

from __future__ import annotations

import re
from typing import Final

from frontgate.vtl.expressions import IDENT, ExpressionParser, VtlSyntaxError
from frontgate.vtl.nodes import (
    Break,
    Define,
    Foreach,
    If,
    Macro,
    MacroCall,
    Node,
    Output,
    Set,
    Stop,
    Text,
)

_SPECIAL: Final = re.compile(r"[$#\\]")
_LINE_END: Final = re.compile(r"[ \t]*\r?\n")
# "#name", "#{name}": a directive or a macro call.
_DIRECTIVE: Final = re.compile(r"#(?:\{([a-zA-Z][a-zA-Z0-9_]*)\}|([a-zA-Z][a-zA-Z0-9_]*))")
# Directive words Velocity reads even when letters follow ("#endif" is "#end" then "if").
_BLOCK_WORDS: Final = re.compile(r"#(?:\{(elseif|else|end)\}|(elseif|else|end))")
_RESERVED: Final = frozenset(
    {"if", "else", "elseif", "set", "macro", "foreach", "parse", "include", "stop", "end",
     "define", "break", "evaluate"}
)  # fmt: skip
_ESCAPED: Final = re.compile(r"[!{]?[a-zA-Z0-9_.-]*")
_LOOP: Final = re.compile(r"\$!?\{?([a-zA-Z_][a-zA-Z0-9_]*)\}?\s+in\b")
_DEFINE_NAME: Final = re.compile(r"\$([a-zA-Z_][a-zA-Z0-9_]*)")
_PARAM: Final = re.compile(r"[\s,]*\$([a-zA-Z_][a-zA-Z0-9_]*)")


class TemplateParser(ExpressionParser):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.macros: dict[str, Macro] = {}

    def string_body(self, raw: str) -> list[Node]:
        inner = TemplateParser(raw)
        body = inner.template()
        self.macros.update(inner.macros)
        return body

    def template(self) -> list[Node]:
        body, end = self.block()
        if end is not None:
            raise self.error(f"unexpected #{end}", self.pos - len(end) - 1)
        return body

    def block(self) -> tuple[list[Node], str | None]:
        """Statements up to ``#end``, ``#else`` or ``#elseif`` (returned, the cursor after it)
        or the end of the text (None)."""
        out: list[Node] = []
        text = self.text
        buf: list[str] = []
        n = len(text)
        while self.pos < n:
            m = _SPECIAL.search(text, self.pos)
            if m is None:
                buf.append(text[self.pos :])
                self.pos = n
                break
            i = m.start()
            if i > self.pos:
                buf.append(text[self.pos : i])
            self.pos = i
            c = text[i]
            if c == "\\":
                self._escape(buf)
                continue
            if c == "$":
                ref = self.reference(in_text=True)
                if ref is None:
                    buf.append("$")
                    self.pos = i + 1
                    continue
                _flush(buf, out)
                out.append(Output(ref))
                continue
            # "#"
            if text.startswith("##", i):
                end = text.find("\n", i)
                self.pos = n if end < 0 else end + 1
                continue
            if text.startswith("#*", i):
                end = text.find("*#", i + 2)
                if end < 0:
                    raise self.error("unterminated #* comment")
                self.pos = end + 2
                self._line_end()
                continue
            if text.startswith("#[[", i):
                end = text.find("]]#", i + 3)
                if end < 0:
                    raise self.error("unterminated #[[ ]]# block")
                buf.append(text[i + 3 : end])
                self.pos = end + 3
                continue
            word = _BLOCK_WORDS.match(text, i)
            if word is not None:
                _flush(buf, out)
                self.pos = word.end()
                kind = word.group(1) or word.group(2)
                if kind != "elseif":
                    self._line_end()
                return out, kind
            d = _DIRECTIVE.match(text, i)
            if d is None:
                buf.append("#")
                self.pos = i + 1
                continue
            name = d.group(1) or d.group(2)
            self.pos = d.end()
            node = self._directive(name, i)
            if node is None:
                buf.append(text[i : self.pos])
                continue
            _flush(buf, out)
            if not isinstance(node, Macro):
                out.append(node)
        _flush(buf, out)
        return out, None

    def _escape(self, buf: list[str]) -> None:
        # "\$x" and "\#if" print the "$" or "#" and what follows as text; "\\" is text.
        text = self.text
        i = self.pos
        nxt = text[i + 1 : i + 2]
        if nxt in ("$", "#") and text[i + 2 : i + 3].strip():
            buf.append(nxt)
            # The escaped reference or directive's name is text too.
            m = _ESCAPED.match(text, i + 2)
            end = m.end() if m else i + 2
            buf.append(text[i + 2 : end])
            self.pos = end
        elif nxt == "\\":
            buf.append("\\\\")
            self.pos = i + 2
        else:
            buf.append("\\")
            self.pos = i + 1

    def _line_end(self) -> None:
        m = _LINE_END.match(self.text, self.pos)
        if m is not None:
            self.pos = m.end()

    def _directive(self, name: str, start: int) -> Node | Macro | None:
        if name == "set":
            return self._set()
        if name == "if":
            return self._if()
        if name == "foreach":
            return self._foreach()
        if name == "break":
            return Break()
        if name == "stop":
            return Stop()
        if name == "macro":
            return self._macro()
        if name == "define":
            return self._define()
        if name in _RESERVED:
            raise self.error(f"#{name} is not supported", start)
        # A macro call: "#name(...)"; anything else ("#ff0000") is text.
        save = self.pos
        self.skip_space()
        if not self.peek("("):
            self.pos = save
            return None
        self.pos += 1
        args: list[Node] = []
        while True:
            self.skip_space()
            if self.take(")"):
                break
            if args:
                self.take(",")
                self.skip_space()
            args.append(self.expression())
        return MacroCall(name, args, self.text[start : self.pos])

    def _open(self, where: str) -> None:
        self.skip_space()
        if not self.take("("):
            raise self.error(f"expected '(' after {where}")

    def _close(self, where: str) -> None:
        self.expect(")", where)
        self._line_end()

    def _set(self) -> Node:
        self._open("#set")
        self.skip_space()
        target = self.reference(in_text=False) if self.peek("$") else None
        if target is None or (target.steps and target.steps[-1].kind == "call"):
            raise self.error("expected a reference to assign in #set")
        self.expect("=", "#set")
        value = self.expression()
        self._close("#set")
        return Set(target, value)

    def _if(self) -> Node:
        branches: list[tuple[Node, list[Node]]] = []
        while True:
            self._open("#if")
            cond = self.expression()
            self._close("#if")
            body, end = self.block()
            branches.append((cond, body))
            if end == "elseif":
                continue
            otherwise: list[Node] = []
            if end == "else":
                otherwise, end = self.block()
            if end != "end":
                raise self.error("expected #else, #elseif or #end in #if")
            return If(branches, otherwise)

    def _foreach(self) -> Node:
        self._open("#foreach")
        self.skip_space()
        m = _LOOP.match(self.text, self.pos)
        if m is None:
            raise self.error("expected '$name in' in #foreach")
        self.pos = m.end()
        iterable = self.expression()
        self._close("#foreach")
        body, end = self.block()
        if end != "end":
            raise self.error("expected #end in #foreach")
        return Foreach(m.group(1), iterable, body)

    def _macro(self) -> Macro:
        self._open("#macro")
        self.skip_space()
        m = IDENT.match(self.text, self.pos)
        if m is None or m.group() in _RESERVED:
            raise self.error("expected a macro name in #macro")
        self.pos = m.end()
        params: list[str] = []
        while True:
            p = _PARAM.match(self.text, self.pos)
            if p is None:
                break
            params.append(p.group(1))
            self.pos = p.end()
        self._close("#macro")
        body, end = self.block()
        if end != "end":
            raise self.error("expected #end in #macro")
        macro = Macro(m.group(), params, body)
        self.macros[macro.name] = macro
        return macro

    def _define(self) -> Node:
        self._open("#define")
        self.skip_space()
        m = _DEFINE_NAME.match(self.text, self.pos)
        if m is None:
            raise self.error("expected '$name' in #define")
        self.pos = m.end()
        self._close("#define")
        body, end = self.block()
        if end != "end":
            raise self.error("expected #end in #define")
        return Define(m.group(1), body)


def _flush(buf: list[str], out: list[Node]) -> None:
    if buf:
        out.append(Text("".join(buf)))
        buf.clear()


def parse(text: str) -> tuple[list[Node], dict[str, Macro]]:
    """The template's statements and its macros; raises VtlSyntaxError."""
    parser = TemplateParser(text)
    try:
        body = parser.template()
    except RecursionError:
        raise VtlSyntaxError("the template nests too deeply") from None
    return body, parser.macros
