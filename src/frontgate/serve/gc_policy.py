"""Cyclic garbage collection in a data-plane worker: what the collector may walk while serving.

A full (generation 2) collection walks every tracked object: the imported modules and the
snapshot being served are most of them (about 58,000 objects with a one-route API, 156,000
with 10,000 routes), and it stops the event loop for as long as the walk takes: 20 ms and
90 ms of CPU measured on the 2-core benchmark VM (bench/run.py --stalls; docs/BENCHMARKS.md
"Tail latency"). Those objects live as long as the worker or the snapshot, so walking them
never finds garbage. ``freeze_long_lived`` moves them out of the collector's sight once the
worker has loaded its first snapshot and started its listeners; the collector then
only walks what was made since (connections, requests, later snapshots), and a full
collection costs about a millisecond.

Frozen objects are still freed when their reference count drops (the first snapshot is, when
a deployment replaces it: snapshots hold no reference cycles); only a cycle among them would
never be reclaimed, and at start-up almost nothing that ends in a cycle is alive yet (at most
the few connections accepted while the listeners were being started, frozen once). This is also
why a swap does not freeze again: a client or upstream connection open
at that moment dies later as a reference cycle (its httptools parser refers back to it), and
frozen, it would never be collected.
"""

from __future__ import annotations

import gc


def freeze_long_lived() -> int:
    """Collect what start-up left behind, then exempt every object alive now from later
    collections (``gc.freeze``). Call once, when the first snapshot is loaded and the listeners
    are started (their modules imported), before serving. Returns how many objects are frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
