"""The in-process counter store: plain dicts, exact, for a single worker (``--workers 1``)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from frontgate.counters import Bucket, Quota, Rejection, quota_rejection, throttle_rejection


class LocalCounters:
    name = "local"

    def __init__(self) -> None:
        # bucket name -> [tokens, last refill (monotonic seconds)]
        self._buckets: dict[str, list[float]] = {}
        self._quotas: dict[str, int] = {}
        self._quota_ends: dict[str, float] = {}

    def acquire(self, buckets: Sequence[Bucket], quota: Quota | None) -> Rejection | None:
        used = 0
        if quota is not None:
            used = self._quotas.get(quota.name, 0)
            if used >= quota.limit:
                return quota_rejection(quota, time.time())
        now = time.monotonic()
        states = []
        refused: Rejection | None = None
        table = self._buckets
        for b in buckets:
            st = table.get(b.name)
            if st is None:
                st = table[b.name] = [b.burst, now]
            else:
                tokens = st[0] + (now - st[1]) * b.rate
                # A lowered burst applies at once: the bucket never holds more than it allows.
                st[0] = tokens if tokens < b.burst else b.burst
                st[1] = now
            if st[0] < 1.0 and refused is None:
                refused = throttle_rejection(b, st[0])
            states.append(st)
        if refused is not None:
            return refused
        for st in states:
            st[0] -= 1.0
        if quota is not None:
            self._quotas[quota.name] = used + 1
            self._remember(quota)
        return None

    def seed_quota(self, quota: Quota, used: int) -> None:
        if quota.name not in self._quotas:
            self._quotas[quota.name] = used
            self._remember(quota)

    def set_quota(self, quota: Quota, used: int) -> None:
        self._quotas[quota.name] = used
        self._remember(quota)

    def _remember(self, quota: Quota) -> None:
        if quota.name not in self._quota_ends:
            self._quota_ends[quota.name] = quota.reset_at
            # Periods end; their counters are garbage afterwards (checked when a new one starts).
            now = time.time()
            for name, end in list(self._quota_ends.items()):
                if end < now:
                    del self._quota_ends[name]
                    self._quotas.pop(name, None)

    async def close(self) -> None:
        self._buckets.clear()
