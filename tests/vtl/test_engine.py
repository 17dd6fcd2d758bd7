"""The engine: Velocity's directives as AWS runs them, compile-once, pickling, errors."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from frontgate.vtl.engine import (
    MAX_FOREACH,
    VtlRenderError,
    VtlSyntaxError,
    compile_template,
    compile_templates,
    render,
)
from frontgate.vtl.inputs import Input


def run(text: str, **ns: Any) -> str:
    return render(compile_template(text), ns)


def test_missing_references_render_as_nothing_as_on_aws() -> None:
    # Plain Velocity prints "$missing"; AWS prints nothing.
    assert run("[$missing][$!quiet][${braced}][$a.b.c()]") == "[][][][]"


def test_set_if_elseif_else() -> None:
    text = "#set($n = 2)#if($n == 1)one#elseif($n == 2)two#{else}many#end"
    assert run(text) == "two"
    assert run("#if($f)yes#{else}no#end", f=False) == "no"


def test_a_missing_reference_is_true_in_if() -> None:
    # airspeed-ext's AWS parity (a null reads as "", which Velocity 1.x finds true); Velocity
    # itself says false. Kept: LocalStack validates this fork against AWS.
    assert run("#if($nothing)yes#{else}no#end") == "yes"
    assert run("#if($nothing == $null)null#end") == "null"


def test_foreach_with_has_next_and_count() -> None:
    text = "#foreach($x in $xs)$foreach.count:$x#if($foreach.hasNext),#end#end"
    assert run(text, xs=["a", "b", "c"]) == "1:a,2:b,3:c"


def test_break_leaves_only_the_innermost_loop() -> None:
    text = "#foreach($a in [1,2])#foreach($b in [1,2,3])$a$b #if($b == 2)#break#end#end|#end"
    assert run(text) == "11 12 |21 22 |"


def test_stop_ends_the_output() -> None:
    assert run("before#stop after") == "before"


def test_macros_and_comments() -> None:
    text = "## a line comment\n#* a block\ncomment *##macro(tag $v)<$v>#end#tag('x')#tag(\"y\")"
    assert run(text) == "<x><y>"


def test_foreach_stops_at_aws_limit() -> None:
    out = run("#foreach($i in $xs)x#end", xs=list(range(MAX_FOREACH + 5)))
    assert out == "x" * MAX_FOREACH


def test_map_and_list_methods() -> None:
    text = '#set($m = {"a": 1})#set($l = [1, 2])$m.size() $l.size() $l.isEmpty() $m.get("a")'
    assert run(text) == "1 2 false 1"


def test_static_text_is_not_parsed() -> None:
    tpl = compile_template('{"statusCode": 200}')
    assert tpl.is_static
    assert render(tpl, {}) == '{"statusCode": 200}'


def test_compiled_once_per_text() -> None:
    assert compile_template("$a x") is compile_template("$a x")


def test_a_template_pickles_as_its_text() -> None:
    tpl = compile_template("#foreach($x in $xs)$x#end")
    loaded = pickle.loads(pickle.dumps(tpl))
    assert loaded == tpl
    assert render(loaded, {"xs": [1, 2]}) == "12"


@pytest.mark.parametrize("text", ["#if($x", "#if($x)", "#foreach($a)#end", "#end", "$input.json("])
def test_syntax_errors_say_where(text: str) -> None:
    with pytest.raises(VtlSyntaxError, match="line 1, column"):
        compile_template(text)


def test_templates_that_do_not_parse_compile_to_none() -> None:
    compiled = compile_templates({"application/json": "$a", "text/plain": "#if($x)"})
    assert compiled is not None
    assert compiled["text/plain"] is None
    assert compiled["application/json"] is not None
    assert compile_templates({}) is None


def test_run_time_failures_are_render_errors() -> None:
    class Boom:
        def go(self) -> None:
            raise RuntimeError("no")

    with pytest.raises(VtlRenderError, match="no"):
        run("$b.go()", b=Boom())


def test_a_directive_ending_its_line_takes_the_line_break() -> None:
    # Velocity 1.x: the line break after #set(...), #if(...), #foreach(...) and #end is theirs.
    text = "#set($a = 1)\n[\n#foreach($x in [1,2])\n$x\n#end\n]"
    assert run(text) == "[\n1\n2\n]"


def test_escapes_and_unparsed_text() -> None:
    # An escaped directive is text; a reference after it is still one (Velocity).
    assert run("\\$a \\#if(x$a) \\\\$a", a="v") == "$a #if(xv) \\\\v"
    assert run("cost: $ 5, $5, #hash, a#b, 50% #[[$raw #if]]#") == (
        "cost: $ 5, $5, #hash, a#b, 50% $raw #if"
    )


def test_define_renders_its_body_where_used() -> None:
    assert run("#define($greet)hi $name#end#set($name = 'bo')$greet!") == "hi bo!"


def test_foreach_loop_values() -> None:
    text = (
        "#foreach($x in ['a', 'b', 'c'])$velocityCount/$foreach.index"
        "#if($foreach.first)F#end#if($foreach.last)L#end $x;#end"
    )
    assert run(text) == "1/0F a;2/1 b;3/2L c;"
    # The loop variable and $foreach come back afterwards; a map walks its keys.
    nested = (
        "#set($x = 'out')#foreach($x in [1, 2])#foreach($y in {'k': 1, 'l': 2})$y#end"
        "$foreach.hasNext|#end$x"
    )
    assert run(nested) == "kltrue|klfalse|out"
    assert run("#foreach($i in [3..1])$i#end #foreach($i in $none)x#end.") == "321 ."


def test_break_and_stop_inside_macros_and_loops() -> None:
    text = "#macro(stopAt $v)#if($v == 2)#break#end#end#foreach($i in [1..4])#stopAt($i)$i#end"
    assert run(text) == "1"
    assert run("#foreach($i in [1..3])$i#if($i == 2)#stop#end#end after") == "12"


def test_unknown_macro_call_prints_as_text() -> None:
    assert run("#nosuch('x') #ff0000") == "#nosuch('x') #ff0000"


def test_numbers_print_as_java_does() -> None:
    text = "$a $b $c $d #set($q = 7 / 2)$q #set($r = -7 / 2)$r #set($f = 7.0 / 2)$f $e"
    out = run(text, a=1.0, b=1e7, c=1.5e-5, d=123456789012, e=10 % 3)
    assert out == "1.0 1.0E7 1.5E-5 123456789012 3 -3 3.5 1"
    assert run("#set($x = 1 + 2 * 3 - 4 % 3)$x #set($s = 'n' + 1)$s") == "6 n1"


def test_comparisons_and_logic() -> None:
    assert run("#if($n > 2 && $n <= 3)a#end#if($n == 3.0)b#end#if('3' == $n)c#end", n=3) == "abc"
    assert run("#if(!$t || $f)x#{else}y#end#if($t and not $f)z#end", t=True, f=False) == "yz"
    assert run("#if($missing == '')a#end#if($missing != 'x')b#end#if(!$missing)c#end") == "ab"
    assert run("#if('abc' lt 'b')lt#end#if($s eq 'abc')eq#end", s="abc") == "lteq"


def test_string_methods() -> None:
    text = (
        "$s.length() $s.toUpperCase() $s.substring(1, 3) $s.indexOf('c') $s.startsWith('ab') "
        "$s.endsWith('x') $s.replaceAll('(b)', '[$1]') $s.split('c') $s.trim().isEmpty() "
        "$s.replace('a', 'A') $s.matches('a.*') $s.equalsIgnoreCase('ABCD')"
    )
    assert run(text, s="abcd") == "4 ABCD bc 2 true false a[b]cd [ab, d] false Abcd true true"


def test_map_and_list_literals_print_the_java_way() -> None:
    text = "#set($m = {'a': [1, 'x'], 'b': {'c': true}})$m $m.b.c $m['a'][1] $m.keySet()"
    assert run(text) == "{a=[1, x], b={c=true}} true x [a, b]"
    text = "#set($l = [])#set($ok = $l.add('z'))$l.size()$l#set($m = {})$m.put('k', 'v')$m.k"
    assert run(text) == "1[z]v"


def test_key_sets_and_values_print_as_java_collections() -> None:
    # Java's keySet()/values() print as [a, b]; they printed as JSON (["a","b"]).
    text = "$m.keySet() $m.values() $m.keySet().size() $m.keySet().contains('a')"
    assert run(text, m={"a": 1, "b": "x"}) == "[a, b] [1, x] 2 true"
    body = Input(b'{"k": {"a": 1, "b": "x"}}', {}, [], [])
    assert run("$input.path('$.k').keySet()", input=body) == "[a, b]"


def test_set_on_a_nested_map_and_interpolated_strings() -> None:
    text = '#set($m = {})#set($m.inner = "v=$v")#set($m["k"] = "#if($v)yes#end")$m'
    assert run(text, v=5) == "{inner=v=5, k=yes}"


def test_formal_and_hyphenated_references() -> None:
    assert run("${a}b $!{a}c ${a.size()}", a=["x"]) == '["x"]b ["x"]c 1'
    assert run("$h.X-Custom", h={"X-Custom": "v"}) == "v"


def test_else_and_end_take_their_line_break() -> None:
    text = "#if($x)\nyes\n#else\nno\n#end\ndone"
    assert run(text, x=True) == "yes\ndone"
    assert run(text, x=False) == "no\ndone"
    assert run("## comment\n#* block *#\nline") == "line"


def test_variables_the_template_uses() -> None:
    tpl = compile_template("#set($a = 1)$input.json('$') #foreach($k in $xs)$k#end")
    assert tpl.names == {"a", "input", "xs"}  # the loop variable lives in Python


def test_syntax_error_positions() -> None:
    with pytest.raises(VtlSyntaxError, match=r"line 3, column 8: expected '\)' in #if"):
        compile_template("a\nb\n#if($x x)#end")
    with pytest.raises(VtlSyntaxError, match="line 1, column 3: unexpected #else"):
        compile_template("ab#else")
    with pytest.raises(VtlSyntaxError, match="unterminated #\\* comment"):
        compile_template("#* never closed")


def test_deep_nesting_compiles_in_linear_time_or_is_refused() -> None:
    deep = "#foreach($a in [1])" * 20 + "x" + "#end" * 20
    assert run(deep) == "x"
    with pytest.raises(VtlSyntaxError, match="nests too deeply"):
        compile_template("#if(true)" * 300 + "x" + "#end" * 300)


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        # A string doubled in a loop: 2**900 characters took the worker's memory (killed).
        ('#set($s = "xxxxxxxxxx")#foreach($i in [1..900])#set($s = "$s$s")#end$s', "string"),
        ('#set($s = "xxxxxxxxxx")#foreach($i in [1..900])#set($s = $s.concat($s))#end', "string"),
        ('#set($s = "xxxxxxxxxx")#foreach($i in [1..900])#set($s = $s + $s)#end', "string"),
        # Loops nested three deep: a billion iterations held the worker for minutes.
        (
            "#foreach($i in [1..999])#foreach($j in [1..999])#foreach($k in [1..999])x#end#end#end",
            "iterations",
        ),
        (
            "#define($d)#foreach($i in [1..999])#foreach($j in [1..999])"
            "#foreach($k in [1..9])y#end#end#end#end$d",
            "iterations",
        ),
        # A range allocated before any loop caps it.
        ("#set($r = [1..100000000000])$r.size()", "range"),
        # Each string under the bound, the output over it.
        (
            '#set($s = "xxxxxxxxxx")#foreach($i in [1..21])#set($s = "$s$s")#end'
            "#foreach($i in [1..999])$s#end",
            "output",
        ),
    ],
)
def test_runaway_templates_fail_fast_instead_of_exhausting_the_worker(
    text: str, limit: str
) -> None:
    with pytest.raises(VtlRenderError, match=limit):
        run(text)


def test_the_render_budget_is_per_render() -> None:
    loop = compile_template("#foreach($i in [1..999])#foreach($j in [1..999])#end#end.")
    for _ in range(3):  # each just under the iteration bound; a shared budget would trip
        assert render(loop, {}) == "."
