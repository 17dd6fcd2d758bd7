"""The order resources are made in: every resource after those it names through ``Ref``,
``Fn::GetAtt``, ``Fn::Sub`` or ``DependsOn``; a cycle is an error naming its members."""

from __future__ import annotations

from collections.abc import Mapping

from frontgate.cli.deploy.intrinsics import references
from frontgate.cli.deploy.template import Template, TemplateError


def dependencies(tpl: Template) -> dict[str, set[str]]:
    """Each resource's direct dependencies among the template's resources."""
    deps: dict[str, set[str]] = {}
    for logical, res in tpl.resources.items():
        named = references(res.get("Properties", {}))
        depends = res.get("DependsOn", [])
        if isinstance(depends, str):
            depends = [depends]
        if not isinstance(depends, list):
            raise TemplateError(f"resource {logical}: DependsOn is a name or a list of names")
        for other in depends:
            if other not in tpl.resources:
                raise TemplateError(f"resource {logical}: DependsOn {other}: no such resource")
            named.add(str(other))
        deps[logical] = {n for n in named if n in tpl.resources and n != logical}
        if logical in named:
            raise TemplateError(f"resource {logical} refers to itself")
    return deps


def creation_order(deps: Mapping[str, set[str]]) -> list[str]:
    """A topological order of ``deps`` (template order among equals)."""
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = placed

    def visit(node: str, path: list[str]) -> None:
        if state.get(node) == 2:
            return
        if state.get(node) == 1:
            cycle = [*path[path.index(node) :], node]
            raise TemplateError("circular dependency between resources: " + " -> ".join(cycle))
        state[node] = 1
        for dep in sorted(deps[node], key=list(deps).index):
            visit(dep, [*path, node])
        state[node] = 2
        order.append(node)

    for node in deps:
        visit(node, [])
    return order
