"""The compiled snapshot as bytes: how the control process ships it to the data-plane workers.

A stage is dumped as a sequence of *parts*, each a pickle that loads in a few milliseconds, so a
worker can load a 10,000-resource stage between requests (``StageLoader.step`` then
``await asyncio.sleep(0)``) instead of stalling its event loop for the whole stage:

1. the methods, ``chunk`` at a time;
2. the route trie's nodes, ``chunk`` at a time, children before parents; a node names its
   methods and the children in earlier parts by index (pickle's ``persistent_id``);
3. the stage's own fields, naming the trie's root by index.

What cannot be pickled as data is pickled as a *recipe*: policy stages made by closures carry
``(factory, args)`` (``snapshot.recipe``), the compiled-module classes reduce to their
constructor's arguments, and policies, access-log formats and model validators reduce to the
text they were compiled from (recompiled once per process, cached by that text). Runtime state
(metric series, log sinks, derived signing keys) is not shipped.

Only load parts made by the same Frontgate version's control process: unpickling runs code.
"""

from __future__ import annotations

import dataclasses
import gc
import io
import itertools
import pickle
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from frontgate.snapshot.recipe import recipe_of
from frontgate.snapshot.snapshot import Method, RouteNode, Snapshot, Stage

PROTOCOL = pickle.HIGHEST_PROTOCOL


class _Pickler(pickle.Pickler):
    """Pickles recipe-tagged closures as their recipe, and the objects of earlier parts (and
    the methods) as their index in the loader's table."""

    def __init__(self, file: io.BytesIO, refs: dict[int, int], own: range) -> None:
        super().__init__(file, PROTOCOL)
        self._refs = refs  # id(object) -> index in the loader's table
        self._own = own  # the indexes this part defines itself

    def persistent_id(self, obj: Any) -> int | None:
        index = self._refs.get(id(obj))
        if index is None or index in self._own:
            return None
        return index

    def reducer_override(self, obj: Any) -> Any:
        found = recipe_of(obj)
        if found is None:
            return NotImplemented
        return found


class _Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes, table: list[Any]) -> None:
        super().__init__(io.BytesIO(data))
        self._table = table

    def persistent_load(self, pid: Any) -> Any:
        return self._table[pid]


def _dump(value: Any, refs: dict[int, int] | None = None, own: range = range(0)) -> bytes:
    out = io.BytesIO()
    _Pickler(out, refs if refs is not None else {}, own).dump(value)
    return out.getvalue()


def _nodes(root: RouteNode) -> list[RouteNode]:
    """Every node of the trie, children before their parent (iterative: no recursion limit)."""
    order: list[RouteNode] = []
    stack: list[tuple[RouteNode, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        stack.append((node, True))
        children = list(node.static.values())
        if node.param is not None:
            children.append(node.param)
        if node.greedy is not None:
            children.append(node.greedy)
        stack.extend((child, False) for child in reversed(children))
    return order


def dump_stage(stage: Stage, chunk: int = 256) -> tuple[bytes, ...]:
    """The stage as parts for :class:`StageLoader`: methods and trie nodes ``chunk`` at a time,
    then the stage itself. Each part is a pickle that loads on its own, given the earlier ones."""
    nodes = _nodes(stage.root)
    methods: list[Method] = []
    refs: dict[int, int] = {}
    for node in nodes:
        for method in node.methods.values():
            if id(method) not in refs:
                refs[id(method)] = len(methods)
                methods.append(method)
    parts: list[bytes] = []
    for lo in range(0, len(methods), chunk):
        parts.append(_dump(methods[lo : lo + chunk]))
    base = len(methods)
    for i, node in enumerate(nodes):
        refs[id(node)] = base + i
    for lo in range(0, len(nodes), chunk):
        own = range(base + lo, base + min(lo + chunk, len(nodes)))
        parts.append(_dump(nodes[lo : lo + chunk], refs, own))
    parts.append(_dump(stage, refs))
    return tuple(parts)


class StageLoader:
    """Loads the parts of :func:`dump_stage` one :meth:`step` at a time, so the caller can yield
    to its event loop between parts. ``result`` is the stage once ``step`` has returned True."""

    def __init__(self, parts: Sequence[bytes]) -> None:
        if not parts:
            raise ValueError("a stage image has at least one part")
        self._parts = parts
        self._next = 0
        self._table: list[Any] = []  # methods, then trie nodes, by the index parts refer to
        self._result: Stage | None = None

    @property
    def done(self) -> bool:
        return self._result is not None

    @property
    def result(self) -> Stage:
        if self._result is None:
            raise RuntimeError("the stage is not loaded yet: call step() until it returns True")
        return self._result

    def step(self) -> bool:
        """Load the next part; True once the stage is complete."""
        if self._result is not None:
            return True
        # A part makes tens of thousands of objects and no garbage. With the collector on, they
        # would set off dozens of young collections per part, and every tenth of those an older
        # one, and now and then a full one that walks the whole heap (a 10,000-method stage
        # took one of 230 ms, interpreted): paused, the part costs one young collection after.
        enabled = gc.isenabled()
        gc.disable()
        try:
            value = _Unpickler(self._parts[self._next], self._table).load()
        finally:
            if enabled:
                gc.enable()
        self._next += 1
        if self._next < len(self._parts):
            self._table.extend(value)
            return False
        if not isinstance(value, Stage):
            raise ValueError("the last part of a stage image is not a stage")
        self._result = value
        self._table = []
        return True


def load_stage(parts: Sequence[bytes]) -> Stage:
    """All the parts at once (tests, tools): not for an event loop that serves traffic."""
    loader = StageLoader(parts)
    while not loader.step():
        pass
    return loader.result


def dump_globals(snapshot: Snapshot) -> bytes:
    """Every field of the snapshot except ``stages`` (shipped per stage by :func:`dump_stage`),
    by name: a field added to Snapshot later is carried without changing this."""
    fields = {
        f.name: getattr(snapshot, f.name)
        for f in dataclasses.fields(Snapshot)
        if f.name != "stages"
    }
    return _dump(fields)


def load_globals(data: bytes) -> dict[str, Any]:
    value = _Unpickler(data, []).load()
    if not isinstance(value, dict):
        raise ValueError("not a snapshot's globals")
    return value


def assemble(globals: dict[str, Any], stages: dict[tuple[str, str], Stage]) -> Snapshot:
    """The snapshot from :func:`load_globals` and the loaded stages, keyed (apiId, stageName)."""
    return Snapshot(stages=stages, **globals)


class StageTokens:
    """Names for compiled stages, to send a worker only the stages that changed: the same Stage
    object always gets the same token, a new object a new one. The compiler reuses the Stage
    object of a stage whose inputs did not change, so an unchanged stage keeps its token across
    snapshots. The table holds the stages it named (so no ``id()`` is reused while it is in
    it); :meth:`tokens` keeps only the given snapshot's. Tokens carry a per-process nonce, so a
    restarted control process never repeats one a worker holds."""

    def __init__(self) -> None:
        self._nonce = secrets.token_hex(4)
        self._counter = itertools.count(1)
        self._known: dict[int, tuple[Stage, str]] = {}

    def token(self, stage: Stage) -> str:
        found = self._known.get(id(stage))
        if found is not None and found[0] is stage:
            return found[1]
        name = f"{stage.api_id}/{stage.stage_name}/{stage.deployment_id}/"
        token = f"{name}{self._nonce}.{next(self._counter)}"
        self._known[id(stage)] = (stage, token)
        return token

    def tokens(self, snapshot: Snapshot) -> dict[tuple[str, str], str]:
        """The token of each stage of ``snapshot``; forgets stages no longer in it."""
        out = {key: self.token(stage) for key, stage in snapshot.stages.items()}
        self.retain(snapshot.stages.values())
        return out

    def retain(self, stages: Iterable[Stage]) -> None:
        keep = {id(s) for s in stages}
        self._known = {k: v for k, v in self._known.items() if k in keep}
