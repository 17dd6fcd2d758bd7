"""The code generator's fast paths (variables in Python locals, text and references written
together, loops charged to the budget once, direct calls on ``$input``/``$util`` and maps) give
what the general path (every variable in the namespace: what a template calling a macro gets)
gives, edge cases included."""

from __future__ import annotations

import re
from typing import Any

import pytest

from frontgate.vtl.engine import VtlRenderError, compile_template, render
from frontgate.vtl.inputs import Input
from frontgate.vtl.util import UTIL, escape_javascript
from frontgate.vtl.values import JavaMap

# A macro that writes nothing, called first: the template then keeps its variables in the
# namespace (the general path).
GENERAL = "#macro(nop)#end#nop()"
PROLOGUE = re.compile(r"    _L\d+ = ns\.get\('[A-Za-z0-9_-]+'\)$")


def both(text: str, **ns: Any) -> tuple[str, str]:
    fast_tpl, general_tpl = compile_template(text), compile_template(GENERAL + text)
    # After the prologue that loads them, the fast path reads and sets locals only.
    body = [ln for ln in fast_tpl.source.splitlines()[1:] if not PROLOGUE.match(ln)]
    assert not [ln for ln in body if "ns" in ln.replace("_Input", "")], fast_tpl.source
    assert "_L0" not in general_tpl.source
    return render(fast_tpl, dict(ns)), render(general_tpl, dict(ns))


def same(text: str, **ns: Any) -> str:
    fast, general = both(text, **ns)
    assert fast == general
    return fast


def request_input(query: str = "id=42&a=x&b=it%27s", body: bytes = b"") -> Input:
    return Input(body, {"p": "path-v"}, query, [("User-Agent", "ua/1"), ("X-H", "h")])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Nulls and missing references print nothing; a missing member of a missing map too.
        ("[$missing][$!quiet][${braced}][$nil.a.b][$m.none][$m.get('none')]", "[][][][][][]"),
        ("#set($x = $nothing)[$x]#if($x)t#{else}f#end", "[]t"),
        # A variable #set, read, set again.
        ("#set($a = 1)$a#set($a = $a + 1)$a#set($a = 'z')$a", "12z"),
        # Members and get() on a map, an index on a list, map and list literals.
        ("$m.k $m.get('k') $m['k'] $l[1] $l.get(0) $l.size()", "v v v 2 1 3"),
        ("#set($mm = {'a': 1, 'b': [1, 2]})$mm $mm.b $mm.a", "{a=1, b=[1, 2]} [1, 2] 1"),
        # Text the f-string must carry as is: braces, quotes, backslashes, control characters.
        ("{'\"}\\n {{x}} \\\t\x01 é ☃ $m.k {}", "{'\"}\\n {{x}} \\\t\x01 é ☃ v {}"),
        # Nested loops, $foreach of the innermost, the loop variable restored after the loop.
        (
            "#set($x = 'out')#foreach($x in [1, 2])#foreach($y in ['a', 'b'])"
            "$x$y$foreach.index#if($foreach.hasNext),#end#end;#end$x",
            "1a0,1b1;2a0,2b1;out",
        ),
        # #break leaves the innermost loop; what follows it runs.
        (
            "#foreach($a in [1, 2, 3])#foreach($b in [1, 2, 3])#if($b == 2)#break#end$a$b "
            "#end#if($a == 2)#break#end|#end.",
            "11 |21 .",
        ),
        # $foreach as a map (not one of the members read inline), $velocityCount.
        (
            "#set($foreach = 'f')#foreach($x in ['a', 'b'])$foreach.get('count')/$velocityCount"
            "/$foreach.last #end$foreach",
            "1/1/false 2/2/true f",
        ),
        # #set of the loop variable inside the loop, and of a variable read after it.
        ("#foreach($x in [1, 2])#set($x = 'z')$x#set($last = $x)#end $last $x", "zz z "),
        # A loop over a map's keys and over nothing.
        ("#foreach($k in $m.keySet())$k=$m.get($k);#end#foreach($n in $nil)never#end", "k=v;"),
        # #stop in a loop keeps what was written.
        ("a#foreach($i in [1, 2, 3])$i#if($i == 2)#stop#end#end", "a12"),
        # Strings with references (no directives) and arithmetic.
        ('#set($s = "[$m.k|$nil]")$s #set($n = 7 / 2)$n ${n}x', "[v|] 3 3x"),
    ],
)
def test_the_fast_path_renders_as_the_general_path(text: str, expected: str) -> None:
    assert same(text, m=JavaMap(k="v"), l=[1, 2, 3]) == expected


def test_input_and_util_calls_go_direct_and_agree_with_the_general_path() -> None:
    text = (
        "$input.params('id') $input.params('p') $input.params('user-agent') [$input.params('no')]"
        " $input.params().querystring $input.params().path.p $input.params().header.get('X-H')"
        " $util.escapeJavaScript($input.params('b')) $input.json('$') $input.path('$').n"
    )
    fast, general = both(text, input=request_input(body=b'{"n": 1}'), util=UTIL)
    assert fast == general
    assert fast == ("42 path-v ua/1 [] {id=42, a=x, b=it's} path-v h it\\'s {\"n\":1} 1")


def test_a_params_section_is_the_map_params_holds() -> None:
    # #set on $input.params().querystring is seen through $input.params() and the reverse.
    text = (
        "#set($q = $input.params().querystring)#set($q.new = 'n')"
        "$input.params().querystring.new $input.params().get('querystring').new"
    )
    assert same(text, input=request_input()) == "n n"


def test_input_and_util_of_another_kind_take_the_general_call() -> None:
    # A template variable named like the gateway's: its own methods (Java's, for a map).
    assert same("$input.size() $util.size() $input.params()", input={"a": 1}, util={}) == "1 0 "


def test_macros_setting_variables_are_seen_by_the_caller() -> None:
    text = "#macro(setit $v)#set($shared = $v)#end#setit('one')$shared #setit('two')$shared"
    assert render(compile_template(text), {}) == "one two"


def test_a_define_and_a_string_with_directives_read_the_namespace() -> None:
    text = '#set($a = 1)#define($d)[$a]#end$d#set($a = 2)$d #set($s = "#if($a == 2)two#end")$s'
    assert render(compile_template(text), {}) == "[1][2] two"


def test_variables_set_by_the_template_stay_out_of_the_callers_namespace() -> None:
    ns: dict[str, Any] = {"keep": "k", "o": JavaMap()}
    assert render(compile_template("#set($keep = 'x')#set($o.a = 1)$keep"), ns) == "x"
    assert ns["keep"] == "k" and ns["o"] == {"a": 1}  # a member set writes through


def test_loops_are_charged_to_the_budget_after_each_loop() -> None:
    # 1000 x 1000 inner passes end the render at the bound, as per-pass counting did.
    tpl = compile_template(
        "#foreach($i in [1..999])#foreach($j in [1..999])#foreach($k in [1..2])#end#end#end"
    )
    with pytest.raises(VtlRenderError, match="iterations"):
        render(tpl, {})
    # A loop left by #break is charged what it ran.
    ok = compile_template(
        "#foreach($i in [1..999])#foreach($j in [1..999])#if($j == 500)#break#end#end#end."
    )
    assert render(ok, {}) == "."


@pytest.mark.parametrize(
    "value", ["", "abc123", "ÄÖ", "x y", "it's", "a/b", "\u2028", "😀", None, 7]
)
def test_escape_javascript_fast_path_matches_the_table(value: Any) -> None:
    text = "" if value is None else str(value)
    expected = "".join(
        {'"': '\\"', "'": "\\'", "\\": "\\\\", "/": "\\/", "\n": "\\n"}.get(c)
        or (c if 0x20 <= ord(c) < 0x7F else "")
        or (f"\\u{ord(c):04X}" if ord(c) <= 0xFFFF else "\\uD83D\\uDE00")
        for c in text
    )
    assert escape_javascript(value) == expected


def test_key_set_of_a_plain_map_is_direct_and_same_as_the_runtime() -> None:
    """``$m.keySet()`` reads a plain map's keys in place; anything else (a ``$context`` group,
    a list, a string, null) still goes through the runtime, and all print as before."""
    from frontgate.vtl import runtime
    from frontgate.vtl.context import ContextMap

    text = "$m.keySet() #foreach($k in $m.keySet())$k=$m.get($k);#end"
    assert "_VList(" in compile_template(text).source
    ctx = ContextMap(lambda name: name.upper() if name == "stage" else None)
    values: list[Any] = [JavaMap(b=1, a="x"), {"z": None, "y": 2}, {}, ctx, [1, 2], "text", None]
    for m in values:
        keys = runtime.call(m, "keySet")
        walked = "".join(f"{k}={runtime.get(m, k)};" for k in runtime.items(keys, "k"))
        expected = ("" if keys is None else str(keys)) + " " + walked
        expected = expected.replace("=None;", "=;")
        assert same(text, m=m) == expected, m
