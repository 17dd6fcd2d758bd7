"""Shipping a compiled stage to a worker (issue 13, "planes apart"): how long the control process
takes to dump it and how long a worker's event loop is held by each part it loads.

    python bench/image.py DATA_DIR [--chunk 256] [--repeat 3]

DATA_DIR is a ``frontgate serve`` data directory (SQLite) with deployed APIs, e.g. one made by
``bench/paging.py`` with a 10,000-resource API deployed. The store is only read. Prints the
compile time, then per stage: dump time, part count and sizes, total load time and the longest
single part's load time (best of ``--repeat``; the longest part also in CPU time, steadier on
a shared machine). Run it with and without FRONTGATE_PURE=1 to see the interpreted and the
compiled build.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from pathlib import Path

from frontgate import native
from frontgate.compile.compiler import Compiler
from frontgate.snapshot.image import StageLoader, dump_globals, dump_stage, load_globals
from frontgate.snapshot.snapshot import Snapshot
from frontgate.state.keyring import open_keyring, resolve_master_key
from frontgate.state.open import open_store


async def compiled(data: Path) -> tuple[Snapshot, float]:
    store = open_store(None, data)
    await store.open()
    try:
        key = resolve_master_key(None, None, data)
        keyring = (await open_keyring(store, key, create=False)).keyring
        compiler = Compiler(store, "000000000000", keyring)
        generation = await store.generation()
        started, cpu = time.perf_counter(), time.process_time()
        snapshot = await compiler.build(generation)
        print(f"compile CPU time: {(time.process_time() - cpu) * 1000:.0f} ms")
        return snapshot, time.perf_counter() - started
    finally:
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--chunk", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    snapshot, build = asyncio.run(compiled(args.data))
    print(f"request path: {native.mode}")
    print(f"compile (Compiler.build, cold): {build * 1000:.0f} ms")
    started = time.perf_counter()
    globals_ = dump_globals(snapshot)
    dumped = time.perf_counter() - started
    started = time.perf_counter()
    load_globals(globals_)
    loaded = time.perf_counter() - started
    print(
        f"globals: {len(globals_)} bytes, dump {dumped * 1000:.1f} ms, load {loaded * 1000:.1f} ms"
    )
    for (api_id, name), stage in snapshot.stages.items():
        dump_best = total_best = longest_best = young_best = cpu_best = float("inf")
        parts: tuple[bytes, ...] = ()
        for _ in range(args.repeat):
            started = time.perf_counter()
            parts = dump_stage(stage, args.chunk)
            dump_best = min(dump_best, time.perf_counter() - started)
            loader = StageLoader(parts)
            longest = total = young = longest_cpu = 0.0
            done = False
            while not done:
                started, cpu = time.perf_counter(), time.process_time()
                done = loader.step()
                took = time.perf_counter() - started
                longest_cpu = max(longest_cpu, time.process_time() - cpu)
                total += took
                longest = max(longest, took)
                # The young collection a part's objects cost at the worker's next allocation
                # (step() pauses the collector while it unpickles).
                started = time.perf_counter()
                gc.collect(0)
                young = max(young, time.perf_counter() - started)
            total_best = min(total_best, total)
            longest_best = min(longest_best, longest)
            young_best = min(young_best, young)
            cpu_best = min(cpu_best, longest_cpu)
        sizes = [len(p) for p in parts]
        print(
            f"stage {api_id}/{name}: {_methods(stage.root)} methods;"
            f" dump {dump_best * 1000:.0f} ms;"
            f" {len(parts)} parts, {sum(sizes) / 1e6:.2f} MB (largest {max(sizes) / 1e3:.0f} kB);"
            f" load {total_best * 1000:.0f} ms in all, longest part {longest_best * 1000:.2f} ms"
            f" ({cpu_best * 1000:.2f} ms CPU)"
            f" (+ young collection after it, at most {young_best * 1000:.2f} ms)"
        )


def _methods(node: object) -> int:
    from frontgate.snapshot.image import _nodes

    return sum(len(n.methods) for n in _nodes(node))  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
