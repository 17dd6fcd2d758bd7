"""The package layout: no import cycle anywhere in ``src/frontgate``, between modules or between
packages.

Every ``import``/``from ... import`` is counted, including the ones inside functions: a lazy
import only hides a cycle from the interpreter, not from a reader (or mypyc, which compiles the
modules as one group). Imports under ``if TYPE_CHECKING:`` are left out: they exist only for the
type checker and never run, so they cannot tie two modules' import order together.

An edge ``a -> b`` means module ``a`` imports ``b`` (``from b import name`` where ``name`` is a
submodule of ``b`` is an edge to that submodule). ``a`` importing a package ``p`` also means
running ``p/__init__.py``, so that is an edge to ``p`` only; a package does not depend on its
submodules unless its ``__init__`` imports them.

A package here is ``frontgate.X`` for a first-level sub-package ``X``, with everything under it; a
top-level module is a package of its own. Packages form layers (docs/ARCHITECTURE.md, "Layers"),
so the package graph must have no cycle either: two packages that import each other are one
package in all but name.
"""

from __future__ import annotations

import ast
from itertools import pairwise
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
ROOT = "frontgate"


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted((SRC / ROOT).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement in the tree except those under ``if TYPE_CHECKING:``."""
    out: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            out.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in _imports(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = name.split(".")
                    anchor = anchor if is_package else anchor[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in modules else base)
            for target in targets:
                while target and target not in modules:  # `import a.b.c` of a non-module
                    target = target.rpartition(".")[0]
                if target.startswith(ROOT) and target != name:
                    graph[name].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph[node]):
            if succ not in index:
                connect(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(found)


def _describe(graph: dict[str, set[str]], component: list[str]) -> str:
    members = set(component)
    edges = [f"  {a} -> {b}" for a in component for b in sorted(graph[a] & members)]
    return "\n".join([f"cycle among {len(component)} modules:", *edges])


def test_no_import_cycle() -> None:
    graph = _graph()
    cycles = _cycles(graph)
    assert not cycles, "\n\n".join(_describe(graph, c) for c in cycles)


def _package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _packages(graph: dict[str, set[str]]) -> tuple[dict[str, set[str]], dict[tuple[str, str], str]]:
    """The package graph, and for each of its edges one module edge that makes it (the first in
    sorted order), written ``a -> b``."""
    packages: dict[str, set[str]] = {}
    witness: dict[tuple[str, str], str] = {}
    for a in sorted(graph):
        pa = _package(a)
        packages.setdefault(pa, set())
        for b in sorted(graph[a]):
            pb = _package(b)
            if pa != pb:
                packages[pa].add(pb)
                witness.setdefault((pa, pb), f"{a} -> {b}")
    return packages, witness


def _one_cycle(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """A shortest cycle through the component's first node, staying inside the component:
    ``[n0, n1, ..., n0]``."""
    members = set(component)
    start = component[0]
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for succ in sorted(graph[node] & members):
                if succ == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [*reversed(path), start]
                if succ not in came_from:
                    came_from[succ] = node
                    following.append(succ)
        frontier = following
    raise AssertionError(f"no cycle through {start}")


def _describe_packages(
    graph: dict[str, set[str]], witness: dict[tuple[str, str], str], component: list[str]
) -> str:
    cycle = _one_cycle(graph, component)
    edges = [f"  {witness[(a, b)]}" for a, b in pairwise(cycle)]
    names = " -> ".join(cycle)
    return "\n".join(
        [f"package cycle {names} (one of {len(component)} packages tied together):", *edges]
    )


def test_no_package_cycle() -> None:
    packages, witness = _packages(_graph())
    cycles = _cycles(packages)
    assert not cycles, "\n\n".join(_describe_packages(packages, witness, c) for c in cycles)


# The packages that serve requests and the ones that manage configuration (docs/ARCHITECTURE.md).
DATA_PLANE = (
    "http",
    "pipeline",
    "websocket",
    "functions",
    "iam",
    "auth",
    "traffic",
    "counters",
    "upstream",
    "observe",
)
CONTROL_PLANE = ("admin", "openapi", "cli")


def _in(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == f"{ROOT}.{p}" or module.startswith(f"{ROOT}.{p}.") for p in packages)


def test_the_data_plane_does_not_import_the_control_plane() -> None:
    graph = _graph()
    wrong = [
        f"{a} -> {b}"
        for a in sorted(graph)
        if _in(a, DATA_PLANE)
        for b in sorted(graph[a])
        if _in(b, CONTROL_PLANE)
    ]
    assert not wrong, "\n".join(wrong)


def test_the_checker_sees_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_the_checker_sees_a_package_cycle_and_names_one_module_edge_per_step() -> None:
    modules = {
        "frontgate.compile.compiler": {"frontgate.pipeline.plan"},
        "frontgate.pipeline.plan": set(),
        "frontgate.pipeline.context": {"frontgate.compile.snapshot"},
        "frontgate.compile.snapshot": {"frontgate.ids"},
        "frontgate.ids": set(),
    }
    assert _cycles(modules) == []
    packages, witness = _packages(modules)
    [component] = _cycles(packages)
    assert _describe_packages(packages, witness, component).splitlines() == [
        "package cycle frontgate.compile -> frontgate.pipeline -> frontgate.compile"
        " (one of 2 packages tied together):",
        "  frontgate.compile.compiler -> frontgate.pipeline.plan",
        "  frontgate.pipeline.context -> frontgate.compile.snapshot",
    ]
