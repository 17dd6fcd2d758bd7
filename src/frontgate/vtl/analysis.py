"""What the code generator needs to know about a part of a template before generating it:
every node inside it (statements and expressions, at any depth), and from that whether a loop
body could read its loop values through the namespace. Linear in the template's size."""

from __future__ import annotations

from collections.abc import Iterator

from frontgate.vtl.nodes import (
    Binary,
    Define,
    Foreach,
    If,
    Interpolated,
    ListLiteral,
    MacroCall,
    MapLiteral,
    Node,
    Output,
    RangeLiteral,
    Ref,
    Set,
    Text,
    Unary,
)

# $foreach's members that codegen reads from the loop's counters.
INLINE_MEMBERS = frozenset({"hasNext", "count", "index", "first", "last"})
LOOP_NAMES = frozenset({"foreach", "velocityCount", "velocityHasNext"})


def nodes(body: list[Node]) -> Iterator[Node]:
    """Every node in ``body``, statements and the expressions inside them, depth first."""
    stack: list[Node] = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(_children(node)))


def _children(node: Node) -> list[Node]:
    if isinstance(node, Ref):
        return [a for step in node.steps for a in step.args]
    if isinstance(node, Output):
        return [node.ref]
    if isinstance(node, Set):
        return [node.target, node.value]
    if isinstance(node, If):
        out: list[Node] = []
        for cond, body in node.branches:
            out.append(cond)
            out.extend(body)
        out.extend(node.otherwise)
        return out
    if isinstance(node, Foreach):
        return [node.iterable, *node.body]
    if isinstance(node, (Define, Interpolated)):
        return list(node.body)
    if isinstance(node, MacroCall):
        return list(node.args)
    if isinstance(node, Binary):
        return [node.left, node.right]
    if isinstance(node, Unary):
        return [node.operand]
    if isinstance(node, ListLiteral):
        return list(node.items)
    if isinstance(node, RangeLiteral):
        return [node.first, node.last]
    if isinstance(node, MapLiteral):
        return [x for pair in node.pairs for x in pair]
    return []


def needs_helpers(body: list[Node]) -> bool:
    """Whether ``body`` holds a ``#define`` or a string with directives in it (code of their
    own, which reads variables from the namespace)."""
    for node in nodes(body):
        if isinstance(node, Define):
            return True
        if isinstance(node, Interpolated) and not all(
            isinstance(s, (Text, Output)) for s in node.body
        ):
            return True
    return False


def reads_loop_map(body: list[Node]) -> bool:
    """Whether ``body`` uses ``$foreach`` (or ``$velocityCount``...) other than through the
    members codegen reads from the loop's counters, or sets one of them."""
    for node in nodes(body):
        if isinstance(node, Set) and node.target.root in LOOP_NAMES:
            return True
        if isinstance(node, Ref) and node.root == "foreach":
            first = node.steps[0] if node.steps else None
            if first is None or first.kind != "prop" or first.name not in INLINE_MEMBERS:
                return True
    return False


def calls_macros(body: list[Node]) -> bool:
    return any(isinstance(n, MacroCall) for n in nodes(body))


def replaces(body: list[Node], var: str) -> bool:
    """Whether ``body`` sets ``$var`` itself (not a member of it) or #defines it."""
    for node in nodes(body):
        if isinstance(node, Set) and node.target.root == var and not node.target.steps:
            return True
        if isinstance(node, Define) and node.name == var:
            return True
    return False
