"""Render time of a 10-line mapping template (``$input.json``, ``$input.params``, ``#foreach``,
``$util.escapeJavaScript``): parsed once, rendered many times, through Frontgate's engine
(airspeed-ext) and, when ``--plain DIR`` names an unpacked airspeed 0.7.1, through plain airspeed
with the same ``$input``/``$util`` objects.

    PYTHONPATH=src python bench/vtl_render.py [--plain /tmp/aplain/x]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

TEMPLATE = """#set($root = $input.path('$'))
{
  "id": "$input.params('id')",
  "q": "$util.escapeJavaScript($input.params('q'))",
  "raw": $input.json('$.items'),
  "items": [
#foreach($elem in $root.items)
    {"name": "$util.escapeJavaScript($elem.name)", "n": $elem.n}#if($foreach.hasNext),#end
#end
  ]
}"""
BODY = json.dumps({"items": [{"name": f'item "{i}"', "n": i} for i in range(5)]}).encode()
N = 5000


def _namespace() -> dict[str, object]:
    from frontgate.vtl.inputs import Input
    from frontgate.vtl.util import UTIL

    inp = Input(BODY, {"id": "42"}, [("q", "it's")], [("Accept", "application/json")])
    return {"input": inp, "util": UTIL}


def _time(render: object) -> float:
    fn = render  # type: ignore[assignment]
    for _ in range(200):
        fn()  # type: ignore[operator]
    t0 = time.perf_counter()
    for _ in range(N):
        fn()  # type: ignore[operator]
    return (time.perf_counter() - t0) / N * 1e6


def ours() -> None:
    from frontgate.vtl.engine import compile_template, render

    t0 = time.perf_counter()
    for i in range(200):
        compile_template.__wrapped__(TEMPLATE + " " * i)  # type: ignore[attr-defined]
    parse = (time.perf_counter() - t0) / 200 * 1e6
    tpl = compile_template(TEMPLATE)
    # A fresh $input per request, as the gateway builds one (the body parsed once per render).
    us = _time(lambda: render(tpl, _namespace()))
    print(f"airspeed-ext (Frontgate's engine): parse {parse:.0f} us, render {us:.1f} us")


def plain() -> None:
    import airspeed  # the plain 0.7.1 module, first on sys.path

    tpl = airspeed.Template(TEMPLATE)
    tpl.ensure_compiled()
    us = _time(lambda: tpl.merge(_namespace()))
    print(f"airspeed 0.7.1 (not chosen): render {us:.1f} us")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--plain", help="directory holding the plain airspeed package")
    parser.add_argument("--only-plain", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only_plain:
        plain()
        sys.exit(0)
    ours()
    if args.plain:
        # Both packages are named "airspeed": the plain one runs in its own interpreter.
        env_path = f"{args.plain}:" + ":".join(p for p in sys.path if p)
        subprocess.run(
            [sys.executable, __file__, "--only-plain"],
            check=True,
            env={"PYTHONPATH": env_path},
        )
