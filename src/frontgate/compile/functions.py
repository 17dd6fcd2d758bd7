"""The snapshot's function table (``functions.table``), read from the store's function documents
at every build: a function write bumps the generation like any other, so the snapshot that
carries a deployment naming a new function carries that function too."""

from __future__ import annotations

import logging

from frontgate.functions.registry import FUNCTION
from frontgate.functions.table import FunctionDef, FunctionTable, function_def
from frontgate.readonly import ReadOnlyMap
from frontgate.state.store import ConfigStore

log = logging.getLogger("frontgate.compile")


async def load_functions(store: ConfigStore, generation: int) -> FunctionTable:
    found: dict[tuple[str, str], FunctionDef] = {}
    for region, _parent, doc in await store.list_all(FUNCTION):
        try:
            fn = function_def(region, doc)
        except (KeyError, ValueError, TypeError) as exc:
            # Only a document written by hand gets here; one must not take the others down.
            log.error("function %s/%s is not served: %r", region, doc.get("FunctionName"), exc)
            continue
        found[(region, fn.name)] = fn
    return FunctionTable(generation, ReadOnlyMap(found))
