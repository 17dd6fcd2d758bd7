"""The node-wide counter store: one anonymous shared mapping created by the supervisor before it
forks the workers, so every worker updates the same counters in place — exact, and with no
round trip to another process per request.

The mapping is split into ``stripes`` independent open-addressing tables, each guarded by its own
process-shared semaphore; a request touching several stripes takes their locks in ascending
order, so two requests can never wait on each other in a cycle. A slot is four 8-byte words:
``[key hash, a, b, last touch]`` — a bucket keeps ``a`` = tokens, ``b`` = last refill; a quota
keeps ``a`` = count. Keys are identified by their 63-bit ``hash()``: forked workers share the
supervisor's hash seed, and a collision at 63 bits is not a practical concern.
"""

from __future__ import annotations

import mmap
import multiprocessing
import time
from collections.abc import Callable, Sequence
from typing import Any

from frontgate.counters import (
    Bucket,
    CounterStoreError,
    Quota,
    Rejection,
    quota_rejection,
    throttle_rejection,
)

_WORDS = 4  # words per slot
_PROBES = 16  # slots tried before the least recently touched one in the window is reused
_LOCK_TIMEOUT = 0.25  # seconds; only a worker killed inside the critical section holds longer
_MASK63 = (1 << 63) - 1


class SharedCounters:
    name = "shared"

    def __init__(
        self,
        slots_per_stripe: int = 4096,
        stripes: int = 16,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Call in the supervisor, before forking: the mapping and the locks are inherited.
        ``clock``: monotonic seconds, one clock for every process (tests drive a fake one)."""
        self._clock = clock
        self.per = slots_per_stripe
        self.stripes = stripes
        size = slots_per_stripe * stripes * _WORDS * 8
        self._mm = mmap.mmap(-1, size)  # anonymous + MAP_SHARED: shared with forked children
        self._q = memoryview(self._mm).cast("q")  # the same words read as int64 ...
        self._d = memoryview(self._mm).cast("d")  # ... and as float64
        ctx = multiprocessing.get_context("fork")
        self._locks: list[Any] = [ctx.Lock() for _ in range(stripes)]

    def _slot(self, h: int, stripe: int, now: float) -> tuple[int, bool]:
        """Word offset of the slot for hash ``h`` and whether it is new. Caller holds the lock."""
        q, d = self._q, self._d
        base = stripe * self.per
        start = (h >> 5) % self.per
        oldest, oldest_at = -1, float("inf")
        for i in range(_PROBES):
            off = (base + (start + i) % self.per) * _WORDS
            held = q[off]
            if held == h:
                return off, False
            if held == 0:
                q[off] = h
                d[off + 1] = d[off + 2] = 0.0
                return off, True
            if d[off + 3] < oldest_at:
                oldest, oldest_at = off, d[off + 3]
        # The window is full: reuse the slot idle the longest (a bucket there refills to full,
        # which is what an idle bucket would have done anyway).
        q[oldest] = h
        d[oldest + 1] = d[oldest + 2] = 0.0
        d[oldest + 3] = now
        return oldest, True

    def _lock(self, stripes: list[int]) -> list[Any]:
        taken: list[Any] = []
        for s in sorted(set(stripes)):
            lock = self._locks[s]
            # Uncontended: a non-blocking try is several times cheaper than a timed wait.
            if not lock.acquire(False) and not lock.acquire(timeout=_LOCK_TIMEOUT):
                for held in taken:
                    held.release()
                raise CounterStoreError(f"shared counter stripe {s} stayed locked")
            taken.append(lock)
        return taken

    def acquire(self, buckets: Sequence[Bucket], quota: Quota | None) -> Rejection | None:
        hashes = [(hash(b.name) & _MASK63) | 1 for b in buckets]
        qh = (hash(quota.name) & _MASK63) | 1 if quota is not None else 0
        stripes = [h % self.stripes for h in hashes]
        if quota is not None:
            stripes.append(qh % self.stripes)
        taken = self._lock(stripes)
        try:
            now = self._clock()  # CLOCK_MONOTONIC is one clock for every process
            d = self._d
            qoff = -1
            if quota is not None:
                qoff, _ = self._slot(qh, qh % self.stripes, now)
                d[qoff + 3] = now
                if d[qoff + 1] >= quota.limit:
                    return quota_rejection(quota, time.time())
            offs = []
            refused: Rejection | None = None
            for b, h in zip(buckets, hashes, strict=True):
                off, new = self._slot(h, h % self.stripes, now)
                if new:
                    tokens = b.burst
                else:
                    tokens = d[off + 1] + (now - d[off + 2]) * b.rate
                    if tokens > b.burst:
                        tokens = b.burst
                d[off + 1] = tokens
                d[off + 2] = now
                d[off + 3] = now
                if tokens < 1.0 and refused is None:
                    refused = throttle_rejection(b, tokens)
                offs.append(off)
            if refused is not None:
                return refused
            for off in offs:
                d[off + 1] -= 1.0
            if qoff >= 0:
                d[qoff + 1] += 1.0
            return None
        finally:
            for lock in taken:
                lock.release()

    def _write_quota(self, quota: Quota, used: int, only_if_new: bool) -> None:
        h = (hash(quota.name) & _MASK63) | 1
        taken = self._lock([h % self.stripes])
        try:
            now = self._clock()
            off, new = self._slot(h, h % self.stripes, now)
            self._d[off + 3] = now
            if new or not only_if_new:
                self._d[off + 1] = float(used)
        finally:
            for lock in taken:
                lock.release()

    def seed_quota(self, quota: Quota, used: int) -> None:
        self._write_quota(quota, used, only_if_new=True)

    def set_quota(self, quota: Quota, used: int) -> None:
        self._write_quota(quota, used, only_if_new=False)

    async def close(self) -> None:
        # The mapping outlives one worker: the supervisor owns it until the process exits.
        pass
