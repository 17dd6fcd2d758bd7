"""Throttle accuracy of each counter store between real processes: offer 5x the configured rate
for 10 s to three gateways at once (one per store). A bucket admits rate x seconds + burst; that
figure is exact only while the load keeps the bucket drained, which a slow or busy machine
cannot promise (it may offer less, in clumps). So what is asserted here holds at any speed:
no store admits more than the window allows (the two workers of the shared store share one
bucket, Redis's script is atomic), and the burst passes. Under-admission, the other half of
"within 5 %", is proven exactly on a fake clock for the local and shared stores
(tests/counters/test_stores.py); the measured error of all three is printed and recorded."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from tests.support.gateway import Gateway
from tests.traffic.load import drive
from tests.traffic.seed import Seeded, seed, wait_for_status

RATE = 100.0
BURST = 50
SECONDS = 10.0


async def _drive_all(cases: list[tuple[Gateway, Seeded]]) -> list[tuple[Counter[int], float]]:
    return list(await asyncio.gather(*(
        drive(gw.port, gw.host(s.api_id), "/dev/pets", {"x-api-key": s.key_value},
              rate=5 * RATE, seconds=SECONDS)
        for gw, s in cases
    )))  # fmt: skip


@pytest.mark.slow
@pytest.mark.redis
def test_accuracy_of_every_counter_store(
    tmp_path: Path, redis_url: str, record_property: Any
) -> None:
    configs = {
        "local (1 worker)": (),
        "shared (2 workers)": ("--workers", "2"),
        "redis": ("--redis", redis_url),
    }
    with ExitStack() as stack:
        cases = []
        for i, args in enumerate(configs.values()):
            gw = stack.enter_context(Gateway(tmp_path / str(i), *args))
            s = seed(gw, rate=RATE, burst=BURST)
            cases.append((gw, s))
        for gw, s in cases:
            wait_for_status(gw, s, 200, {"x-api-key": s.key_value})
        time.sleep(1.0 + BURST / RATE)  # every worker has the plan; buckets refilled
        results = asyncio.run(_drive_all(cases))
    report = {}
    for name, (counts, window) in zip(configs, results, strict=True):
        # The most a bucket can admit in the window every request was decided in.
        allowed = RATE * window + BURST
        admitted = counts[200]
        report[name] = {"offered": sum(counts.values()), "admitted": admitted,
                        "throttled": counts[429], "seconds": round(window, 2),
                        "expected": round(allowed), "error_pct":
                        round(100 * (admitted - allowed) / allowed, 2)}  # fmt: skip
        assert set(counts) <= {200, 429}, counts
    print("throttle accuracy:", json.dumps(report, indent=1))
    record_property("throttle_accuracy", json.dumps(report))
    for name, row in report.items():
        assert row["admitted"] <= row["expected"] + 1, (name, row)  # never over-admits
        # The bucket starts full (the wait above refills it): the burst passes at any speed.
        assert row["admitted"] >= min(row["offered"], BURST), (name, row)
