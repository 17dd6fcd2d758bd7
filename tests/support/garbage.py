"""What the cyclic collector would have to free: for tests that objects die by reference
counting alone (a serving worker freezes its long-lived objects out of the collector,
frontgate/gc_policy.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


def cyclic_garbage_kinds() -> set[str]:
    """Type names of the objects only a collection would free now (nothing is freed)."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        return {type(o).__name__ for o in gc.garbage}
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


@contextmanager
def collector_off() -> Iterator[None]:
    """No automatic collection meanwhile, so that garbage stays to be found."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
