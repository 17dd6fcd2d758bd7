"""Throttle accuracy of each counter store, as the issue asks: offer 5x the configured rate for
10 s; admitted requests must be rate x seconds + burst within 5%. The three stores run at once
(one gateway each) so the whole check takes one 10-second window."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

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
def test_accuracy_of_every_counter_store(tmp_path: Path, redis_url: str) -> None:
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
    for name, (counts, elapsed) in zip(configs, results, strict=True):
        expected = RATE * elapsed + BURST
        admitted = counts[200]
        report[name] = {"offered": sum(counts.values()), "admitted": admitted,
                        "throttled": counts[429], "seconds": round(elapsed, 2),
                        "expected": round(expected), "error_pct":
                        round(100 * (admitted - expected) / expected, 2)}  # fmt: skip
        assert set(counts) <= {200, 429}, counts
    print("throttle accuracy:", json.dumps(report, indent=1))
    for name, row in report.items():
        assert abs(row["error_pct"]) <= 5.0, (name, row)
