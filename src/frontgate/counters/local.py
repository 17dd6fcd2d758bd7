"""The in-process counter store: plain dicts, exact, for a single worker (``--workers 1``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from frontgate.counters import Bucket, Quota, Rejection, quota_rejection, throttle_rejection


class _Tokens:
    """One bucket's state. A compiled class keeps both floats unboxed: refilling allocates
    nothing, where a ``[tokens, at]`` list would box a float per operation."""

    __slots__ = ("at", "tokens")

    def __init__(self, tokens: float, at: float) -> None:
        self.tokens = tokens
        self.at = at  # last refill, monotonic seconds

    def refill(self, bucket: Bucket, now: float) -> None:
        tokens = self.tokens + (now - self.at) * bucket.rate
        # A lowered burst applies at once: the bucket never holds more than it allows.
        self.tokens = tokens if tokens < bucket.burst else bucket.burst
        self.at = now


class LocalCounters:
    name = "local"

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        """``clock``: monotonic seconds for the token buckets (tests drive a fake one)."""
        self._clock = clock
        self._buckets: dict[str, _Tokens] = {}
        self._quotas: dict[str, int] = {}
        self._quota_ends: dict[str, float] = {}

    def acquire(self, buckets: Sequence[Bucket], quota: Quota | None) -> Rejection | None:
        used = 0
        if quota is not None:
            used = self._quotas.get(quota.name, 0)
            if used >= quota.limit:
                return quota_rejection(quota, time.time())
        now = self._clock()
        if len(buckets) == 1:  # The usual case (the account's bucket): no list to build.
            b = buckets[0]
            st = self._refilled(b, now)
            if st.tokens < 1.0:
                return throttle_rejection(b, st.tokens)
            st.tokens -= 1.0
        else:
            states: list[_Tokens] = []
            for b in buckets:
                st = self._refilled(b, now)
                if st.tokens < 1.0:
                    return throttle_rejection(b, st.tokens)
                states.append(st)
            for st in states:
                st.tokens -= 1.0
        if quota is not None:
            self._quotas[quota.name] = used + 1
            self._remember(quota)
        return None

    def _refilled(self, bucket: Bucket, now: float) -> _Tokens:
        st = self._buckets.get(bucket.name)
        if st is None:
            st = self._buckets[bucket.name] = _Tokens(bucket.burst, now)
        st.refill(bucket, now)
        return st

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
