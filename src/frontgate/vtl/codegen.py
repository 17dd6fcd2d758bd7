"""Statements (nodes.py) to the source of one Python function per template,
``def render(ns, w)``: ``ns`` holds the template's variables, ``w`` appends to the output. The
engine compiles that source once per distinct template text; rendering is then a plain
Python call with no tree to walk.

Where nothing but ``render`` itself can see the template's variables (no macro call, no
``#define``, no string with directives in it: each of those is a function of its own that
reads the namespace), they live in Python locals, loaded from ``ns`` once at the start
(``slots``); otherwise every read and ``#set`` goes through ``ns``. Consecutive text and
references are written with one call (an f-string), and ``#foreach`` charges the render's
budget once per loop, after it (limits.looped), not once per pass.

Every name and text from the template enters the source as a ``repr()`` literal (or an
f-string's escaped text, ``_fstring_text``), never as code."""

from __future__ import annotations

from frontgate.vtl import analysis
from frontgate.vtl.codegen_expr import ExpressionGenerator
from frontgate.vtl.nodes import (
    Break,
    Define,
    Foreach,
    If,
    Macro,
    MacroCall,
    Node,
    Output,
    Ref,
    Set,
    Stop,
    Text,
)


class Generator(ExpressionGenerator):
    """One template's module source: ``render`` plus a function per macro, ``#define`` and
    string holding directives (the helpers)."""

    def __init__(self, macros: dict[str, Macro]) -> None:
        self.macros = macros
        self.lines: list[str] = []
        self.helpers: list[str] = []
        self.counter = 0
        self.names: set[str] = set()
        # The innermost #foreach's counter and length variables, for $foreach.* inline.
        self.loops: list[tuple[str, str]] = []
        # Loop variables held in Python locals (name -> local), see foreach().
        self.locals: dict[str, str] = {}
        # Every variable of the function in a Python local (name -> local), or None: see
        # the module's docstring.
        self.slots: dict[str, str] | None = None

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    # ---- functions -------------------------------------------------------------------------

    def function(self, name: str, body: list[Node], params: list[str] | None = None) -> None:
        """Appends ``def name(ns, w, *params)`` to the helpers (macros bind their parameters
        in ``ns`` for the call and restore what was there)."""
        saved, self.lines = self.lines, []
        saved_loops, self.loops = self.loops, []
        saved_locals, self.locals = self.locals, {}
        saved_slots, self.slots = self.slots, None
        args = "".join(f", _a{i}" for i in range(len(params or [])))
        self.lines.append(f"def {name}(ns, w{args}):")
        if params:
            self.lines.append(f"    _old = [ns.get(n) for n in {params!r}]")
            for i, p in enumerate(params):
                self.lines.append(f"    ns[{p!r}] = _a{i}")
            self.lines.append("    try:")
            self.block(body, 2, in_loop=False)
            self.lines.append("    finally:")
            self.lines.append(f"        for n, v in zip({params!r}, _old):")
            self.lines.append("            ns[n] = v")
        else:
            self.block(body, 1, in_loop=False)
        self.helpers.extend(self.lines)
        self.lines = saved
        self.loops = saved_loops
        self.locals = saved_locals
        self.slots = saved_slots

    def render_function(self, body: list[Node]) -> None:
        """``render`` itself: in locals (``slots``) when nothing else can see its variables."""
        if analysis.calls_macros(body) or analysis.needs_helpers(body):
            self.function("render", body)
            return
        self.lines = ["def render(ns, w):"]
        self.slots = {}
        self.block(body, 1, in_loop=False)
        # Each variable starts as what the caller's namespace holds (None when nothing).
        self.lines[1:1] = [f"    {s} = ns.get({n!r})" for n, s in self.slots.items()]
        self.helpers.extend(self.lines)
        self.slots = None

    def module(self, body: list[Node]) -> str:
        for macro in self.macros.values():
            self.names.update(macro.params)
            self.function(_macro_name(macro.name), macro.body, macro.params)
        self.render_function(body)
        return "\n".join(self.helpers) + "\n"

    # ---- statements ------------------------------------------------------------------------

    def block(self, body: list[Node], depth: int, *, in_loop: bool) -> None:
        start = len(self.lines)
        run: list[Node] = []
        for node in body:
            if isinstance(node, (Text, Output)):
                run.append(node)
                continue
            if run:
                self.write(run, depth)
                run = []
            self.statement(node, depth, in_loop)
        if run:
            self.write(run, depth)
        if len(self.lines) == start:
            self.emit(depth, "pass")

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)

    def write(self, run: list[Node], depth: int) -> None:
        """Consecutive text and references in one ``w`` call: each reference printed (in
        order, into a temporary) and the pieces joined by an f-string."""
        if len(run) == 1:
            node = run[0]
            if isinstance(node, Text):
                self.emit(depth, f"w({node.text!r})")
            else:
                assert isinstance(node, Output)
                self.emit(depth, f"w({self.printed(node.ref)})")
            return
        pieces: list[str] = []
        for node in run:
            if isinstance(node, Text):
                pieces.append(_fstring_text(node.text))
            else:
                assert isinstance(node, Output)
                s = self.fresh("_s")
                self.emit(depth, f"{s} = {self.printed(node.ref)}")
                pieces.append("{" + s + "}")
        self.emit(depth, "w(f'" + "".join(pieces) + "')")

    def statement(self, node: Node, depth: int, in_loop: bool) -> None:
        if isinstance(node, (Text, Output)):
            self.write([node], depth)
        elif isinstance(node, Set):
            self.set(node, depth)
        elif isinstance(node, If):
            for i, (cond, body) in enumerate(node.branches):
                kw = "if" if i == 0 else "elif"
                self.emit(depth, f"{kw} {self.condition(cond)}:")
                self.block(body, depth + 1, in_loop=in_loop)
            if node.otherwise:
                self.emit(depth, "else:")
                self.block(node.otherwise, depth + 1, in_loop=in_loop)
        elif isinstance(node, Foreach):
            self.foreach(node, depth)
        elif isinstance(node, Break):
            self.emit(depth, "break" if in_loop else "raise _BreakLoop")
        elif isinstance(node, Stop):
            self.emit(depth, "raise _Stop")
        elif isinstance(node, MacroCall):
            macro = self.macros.get(node.name)
            if macro is None:  # no such macro: Velocity prints the call as text
                self.emit(depth, f"w({node.source!r})")
                return
            args = [self.expr(a) for a in node.args[: len(macro.params)]]
            args += ["None"] * (len(macro.params) - len(args))
            call = ", ".join(["ns", "w", *args])
            self.emit(depth, f"{_macro_name(macro.name)}({call})")
        elif isinstance(node, Define):
            fn = self.fresh("_define")
            self.function(fn, node.body)
            self.names.add(node.name)
            self.emit(depth, f"ns[{node.name!r}] = _Deferred({fn}, ns)")
        else:  # pragma: no cover - the parser makes no other statement
            raise TypeError(node)

    def set(self, node: Set, depth: int) -> None:
        target = node.target
        value = self.expr(node.value)
        self.names.add(target.root)
        if not target.steps:
            self.emit(depth, self.assign_var(target.root, value))
            return
        owner = self.expr(Ref(target.root, target.steps[:-1]))
        last = target.steps[-1]
        key = repr(last.name) if last.kind == "prop" else self.expr(last.args[0])
        self.emit(depth, f"_assign({owner}, {key}, {value})")

    def assign_var(self, name: str, value: str) -> str:
        """The statement that sets the variable ``name`` (not a member of it)."""
        if self.slots is not None:
            return f"{self.slot(name)} = {value}"
        return f"ns[{name!r}] = {value}"

    def foreach(self, node: Foreach, depth: int) -> None:
        if self.slots is not None:
            self.foreach_in_locals(node, depth)
            return
        it, n, i, x, old = (self.fresh(p) for p in ("_it", "_n", "_i", "_x", "_old"))
        var = node.var
        calls = analysis.calls_macros(node.body)
        # The loop variable lives in a Python local unless something could read it from the
        # namespace (a macro, a #define, a string with directives) or #set replaces it.
        local = not (
            calls or analysis.needs_helpers(node.body) or analysis.replaces(node.body, var)
        )
        counts = calls or analysis.reads_loop_map(node.body)
        watched = ([] if local else [var]) + (sorted(analysis.LOOP_NAMES) if counts else [])
        self.emit(depth, f"{it} = _items({self.expr(node.iterable)}, {var!r})")
        self.emit(depth, f"{n} = len({it})")
        self.emit(depth, f"{i} = 0")
        if watched:
            self.emit(depth, f"{old} = [ns.get(k) for k in {watched!r}]")
        d = depth
        if calls:
            self.emit(d, "try:")
            d += 1
        self.emit(d, f"for {i}, {x} in enumerate({it}, 1):")
        if not local:
            self.names.add(var)
            self.emit(d + 1, f"ns[{var!r}] = {x}")
        if counts:
            self.emit(
                d + 1,
                f"ns['foreach'] = _JavaMap(count={i}, index={i} - 1, hasNext={i} < {n}, "
                f"first={i} == 1, last={i} == {n})",
            )
            self.emit(d + 1, f"ns['velocityCount'] = {i}")
            self.emit(d + 1, f"ns['velocityHasNext'] = {i} < {n}")
        self.loops.append((i, n))
        saved = self.locals
        if local:
            self.locals = {**saved, var: x}
        elif var in saved:
            self.locals = {k: v for k, v in saved.items() if k != var}
        self.block(node.body, d + 1, in_loop=True)
        self.locals = saved
        self.loops.pop()
        if calls:
            self.emit(depth, "except _BreakLoop:")
            self.emit(depth + 1, "pass")
        self.emit(depth, f"_looped({i})")
        if watched:
            # Velocity restores the loop variable (and $foreach) after the loop.
            self.emit(depth, f"for k, v in zip({watched!r}, {old}):")
            self.emit(depth + 1, "ns[k] = v")

    def foreach_in_locals(self, node: Foreach, depth: int) -> None:
        """``#foreach`` in a function whose variables are all locals: the loop assigns the
        variable's local itself; the variable (and ``$foreach``) are restored after it."""
        it, n, i = (self.fresh(p) for p in ("_it", "_n", "_i"))
        var = node.var
        slot = self.slot(var)
        counts = analysis.reads_loop_map(node.body)
        watched = [var] + (sorted(analysis.LOOP_NAMES) if counts else [])
        saved = [self.fresh("_old") for _ in watched]
        self.emit(depth, f"{it} = _items({self.expr(node.iterable)}, {var!r})")
        self.emit(depth, f"{n} = len({it})")
        self.emit(depth, f"{i} = 0")
        for name, keep in zip(watched, saved, strict=True):
            self.emit(depth, f"{keep} = {self.slot(name)}")
        self.emit(depth, f"for {i}, {slot} in enumerate({it}, 1):")
        if counts:
            self.emit(
                depth + 1,
                f"{self.slot('foreach')} = _JavaMap(count={i}, index={i} - 1, "
                f"hasNext={i} < {n}, first={i} == 1, last={i} == {n})",
            )
            self.emit(depth + 1, f"{self.slot('velocityCount')} = {i}")
            self.emit(depth + 1, f"{self.slot('velocityHasNext')} = {i} < {n}")
        self.loops.append((i, n))
        saved_locals, self.locals = self.locals, {**self.locals, var: slot}
        self.block(node.body, depth + 1, in_loop=True)
        self.locals = saved_locals
        self.loops.pop()
        self.emit(depth, f"_looped({i})")
        for name, keep in zip(watched, saved, strict=True):
            self.emit(depth, f"{self.slot(name)} = {keep}")


def _macro_name(name: str) -> str:
    # Macro names are identifiers ([a-zA-Z_][a-zA-Z0-9_-]*); "-" is not valid in Python.
    return "_macro_" + name.replace("-", "_h_")


def _fstring_text(text: str) -> str:
    """``text`` as the literal part of a single-quoted f-string."""
    out: list[str] = []
    for ch in text:
        if ch == "{" or ch == "}":
            out.append(ch + ch)
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "'":
            out.append("\\'")
        elif ch.isprintable():
            out.append(ch)
        else:  # a line break, a control character...: Python's escape for it
            out.append(repr(ch)[1:-1])
    return "".join(out)


def generate(body: list[Node], macros: dict[str, Macro]) -> tuple[str, frozenset[str]]:
    """The module source (defining ``render(ns, w)``) and the root names the template reads
    or sets (the caller builds only those: ``$context`` costs nothing unless used)."""
    gen = Generator(macros)
    source = gen.module(body)
    return source, frozenset(gen.names)
