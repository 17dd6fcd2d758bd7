"""Cyclic garbage collection in a data-plane worker: what the collector may walk while serving.

A full (generation 2) collection walks every tracked object: the imported modules and the
snapshot being served are most of them (about 56,000 objects with a one-route API, 176,000
with 10,000 routes), and it stops the event loop for as long as the walk takes: 28 ms and
105 ms of CPU on the 2-core benchmark VM (bench/run.py --stalls; docs/BENCHMARKS.md "Tail
latency at half load"). Those objects live as long as the worker or the snapshot, so walking
them never finds garbage. ``freeze_long_lived`` moves them out of the collector's sight once
the worker has loaded its first snapshot and started its listeners; the collector then only
walks what was made since (connections, requests), and a full collection takes 0.1-0.3 ms.

Frozen objects are still freed when their reference count drops (the first snapshot is, when
a deployment replaces it: snapshots hold no reference cycles, and neither do closed client and
upstream connections, whose parsers are released on close); only a cycle among frozen objects
would never be reclaimed.

After each snapshot swap, ``after_swap`` freezes the new snapshot too, once the young
generations (where a fresh build's garbage is) have been collected: a collection of at most a
few thousand objects, instead of walking the new snapshot in every later full collection. What
it may freeze as garbage is bounded per swap: cyclic garbage that reached the oldest
generation since the last freeze.
"""

from __future__ import annotations

import gc

# Whether this process froze its long-lived objects (only a serving worker does; tests and
# tools that swap snapshots keep the collector as it is).
_active = False


def freeze_long_lived() -> int:
    """Collect what start-up left behind, then exempt every object alive now from later
    collections (``gc.freeze``). Call once, when the first snapshot is loaded and the listeners
    are started (their modules imported), before serving. Returns how many objects are frozen."""
    global _active
    _active = True
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def after_swap() -> None:
    """A new snapshot is served: after ``freeze_long_lived``, collect the young generations
    and freeze what is alive (the new snapshot). Does nothing in a process that never froze."""
    if _active:
        gc.collect(1)
        gc.freeze()


def after_part() -> None:
    """A part of a new snapshot was loaded (serve/subscriber.py): collect the youngest
    generation, which holds the part (about 0.1 ms for 64 methods), and freeze what is alive.
    Loading a 10,000-resource stage otherwise leaves its 150,000 objects to the collector: they
    would be walked by the generation-1 collection at the swap (10-20 ms) or by a full one
    while later parts load. Does nothing in a process that never froze."""
    if _active:
        gc.collect(0)
        gc.freeze()


def collect_and_freeze() -> None:
    """The control process, after it compiled and published a snapshot: give back what the
    last call froze, run a full collection (it serves no traffic: 0.1-0.2 s with a
    10,000-resource stage), then freeze what is alive, so that the compiled snapshot and the
    compiler's cache are not walked by every collection that management calls set off (paging
    a 10,000-resource API next to its deployed stage went from 0.5 s to 1-2.7 s with the
    collector walking them). Unfreezing first matters here: the management call that caused
    the swap is still running when it freezes, and cycles among its objects that become garbage
    afterwards would otherwise never be reclaimed (about 1 MB per CreateDeployment)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def thaw() -> None:
    """Give every frozen object back to the collector and stop freezing after swaps."""
    global _active
    _active = False
    gc.unfreeze()
