"""The worker's GC policy (frontgate/gc_policy.py): what is alive when serving starts is never
walked by a collection again, what is made later still is, each swapped-in snapshot is frozen
too, and a frozen snapshot is still freed when a deployment replaces it (snapshots hold no
reference cycles)."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator

import pytest

from frontgate.compile.compiler import compile_stage
from frontgate.gc_policy import freeze_long_lived, thaw
from frontgate.openapi import import_openapi
from frontgate.pipeline.env import Env
from frontgate.pipeline.runner import Pipeline
from frontgate.snapshot.snapshot import Snapshot
from frontgate.upstream.pool import UpstreamPool


@pytest.fixture
def thawed() -> Iterator[None]:
    """Freezing is per process: give the test run its collector back afterwards."""
    thaw()
    yield
    thaw()


class _Node:
    def __init__(self) -> None:
        self.peer: object = None


def _tracked(obj: object) -> bool:
    """Whether a collection would walk ``obj`` (frozen objects are in no generation)."""
    return any(o is obj for o in gc.get_objects())


def test_objects_alive_at_start_are_never_walked_again(thawed: None) -> None:
    long_lived = [_Node() for _ in range(3)]
    assert _tracked(long_lived[0])

    frozen = freeze_long_lived()

    # Other threads of the test process (the moto server's) may free a frozen object of theirs
    # meanwhile, which only lowers the count.
    assert 0 < gc.get_freeze_count() <= frozen
    assert not any(_tracked(node) for node in long_lived)
    assert not _tracked(long_lived)


def test_cycles_made_after_the_freeze_are_still_collected(thawed: None) -> None:
    freeze_long_lived()
    a, b = _Node(), _Node()
    a.peer, b.peer = b, a
    assert _tracked(a)
    del a, b

    assert gc.collect() >= 2  # the two nodes (and their attribute dicts)


def _snapshot(generation: int, routes: int) -> Snapshot:
    paths = {
        f"/r{i}": {
            "get": {
                "x-amazon-apigateway-integration": {
                    "type": "http_proxy",
                    "httpMethod": "GET",
                    "uri": f"http://127.0.0.1:9/r{i}",
                }
            }
        }
        for i in range(routes)
    }
    doc = {"openapi": "3.0.1", "info": {"title": "gc", "version": "1"}, "paths": paths}
    stage = compile_stage(
        import_openapi(json.dumps(doc), source="gc.json"),
        {"stageName": "dev", "deploymentId": f"d{generation}", "variables": {}},
        "us-east-1",
        "123456789012",
    )
    return Snapshot(generation, {(stage.api_id, "dev"): stage}, frozenset({stage.api_id}))


def test_a_swap_freezes_the_new_snapshot_only_in_a_process_that_froze(thawed: None) -> None:
    pipeline = Pipeline(Env(domain="localhost", pool=UpstreamPool()))
    first = _snapshot(1, routes=3)
    pipeline.swap(first)
    assert gc.get_freeze_count() == 0  # tests and tools keep their collector as it is
    assert _tracked(first.stages)

    freeze_long_lived()
    second = _snapshot(2, routes=3)
    assert _tracked(second.stages)
    pipeline.swap(second)

    assert not _tracked(second.stages)


def test_a_frozen_snapshot_is_freed_when_a_deployment_replaces_it(thawed: None) -> None:
    pipeline = Pipeline(Env(domain="localhost", pool=UpstreamPool()))
    enabled = gc.isenabled()
    gc.disable()  # no collection may help: only reference counts free the old snapshot
    try:
        _snapshot(0, routes=200)  # fills the compiler's caches (parsed URLs, ...) once
        second = _snapshot(2, routes=1)
        gc.collect()
        before = len(gc.get_objects())
        pipeline.swap(_snapshot(1, routes=200))
        gc.collect()  # what the build left as cyclic garbage
        first_size = len(gc.get_objects()) - before
        assert first_size > 1000  # the objects of 200 compiled routes
        frozen_with_first = freeze_long_lived()

        pipeline.swap(second)

        # Every object of the first snapshot left the frozen generation as it was freed.
        assert gc.get_freeze_count() <= frozen_with_first - 0.95 * first_size
    finally:
        if enabled:
            gc.enable()


def test_after_part_freezes_a_loaded_part_only_once_serving_froze(thawed: None) -> None:
    from frontgate.gc_policy import after_part

    class Node:  # tracked by the collector, like a loaded stage's objects
        def __init__(self) -> None:
            self.children: list[Node] = []

    part = [Node() for _ in range(500)]
    before = gc.get_freeze_count()
    after_part()  # not serving: the collector is left as it is
    assert gc.get_freeze_count() == before
    freeze_long_lived()
    frozen = gc.get_freeze_count()
    more = [Node() for _ in range(500)]
    after_part()
    assert gc.get_freeze_count() >= frozen + len(more)
    assert part and more
