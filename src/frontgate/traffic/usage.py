"""Persist per-key per-day usage for GetUsage: every ``interval`` seconds each worker adds the
counts it admitted since the last write to the ``usage`` documents (parent: plan id, id
``<keyId>:<YYYY-MM-DD>``, ``{"used": n}``), all in one transaction.

Accuracy: GetUsage lags traffic by at most one interval; a worker that dies loses at most its
last interval's counts (the live quota counters are not affected)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from frontgate.background import cancel_and_wait
from frontgate.definition import kinds
from frontgate.outage import Outage
from frontgate.state.store import ConfigStore
from frontgate.traffic.limiter import Limiter
from frontgate.traffic.periods import DAY, usage_id

log = logging.getLogger("frontgate.traffic.usage")


class UsageWriter:
    def __init__(self, store: ConfigStore, limiter: Limiter, interval: float = 1.0) -> None:
        self.store = store
        self.limiter = limiter
        self.interval = interval
        self._task: asyncio.Task[None] | None = None
        self._outage = Outage(log, "writing usage counts")

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        await self.flush()  # what was admitted before shutdown still counts

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.flush()

    async def flush(self) -> int:
        """Write the pending counts; on failure keep them for the next attempt."""
        pending = self.limiter.take_pending()
        if not pending:
            return 0
        try:
            async with self.store.transaction(config=False) as tx:
                for (region, plan_id, key_id, day), n in pending.items():
                    date = dt.datetime.fromtimestamp(day * DAY, dt.UTC).date().isoformat()
                    doc_id = usage_id(key_id, date)
                    doc = await tx.get(region, kinds.USAGE, plan_id, doc_id) or {}
                    await tx.put(region, kinds.USAGE, plan_id, doc_id,
                                 {**doc, "used": int(doc.get("used", 0)) + n})  # fmt: skip
        except Exception as exc:
            # Kept for the next attempt; a store outage is logged when it starts and ends.
            self._outage.failed(exc, "the counts are kept and written when the store is back")
            self.limiter.restore_pending(pending)
            return 0
        self._outage.succeeded()
        return sum(pending.values())
