"""Counter stores: token buckets and quota counters behind one interface, so the throttling stage
does not care whether its counts live in this process, in memory shared by a node's workers, or
in Redis shared by several nodes.

One ``acquire`` call is atomic over all the buckets and the quota it is given: the request is
admitted only if every bucket has a token and the quota has room, and only then is anything
consumed — a rejected request costs no quota and no tokens at the levels it passed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol


@dataclass(frozen=True, slots=True)
class Bucket:
    """A token bucket: ``burst`` tokens at most, refilled at ``rate`` tokens per second."""

    name: str
    rate: float
    burst: float

    def __reduce__(self) -> tuple[Any, ...]:  # compiled frozen classes lose dataclass pickling
        return (Bucket, (self.name, self.rate, self.burst))


@dataclass(frozen=True, slots=True)
class Quota:
    """A request count for one period: ``name`` identifies the key *and* the period, so a new
    period starts from zero without any reset job."""

    name: str
    limit: int
    reset_at: float  # epoch seconds when the period ends
    window: int  # period length in seconds (for the RateLimit-Policy header)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Quota, (self.name, self.limit, self.reset_at, self.window))


class Rejection(NamedTuple):
    """Why a request was refused. ``level`` is the bucket's name or the quota's name."""

    kind: str  # "throttle" | "quota"
    level: str
    limit: int  # the burst (throttle) or the quota limit
    window: int  # seconds: time to refill a full bucket, or the quota period
    retry_after: float  # seconds until a retry can succeed
    remaining: int


# What a store answers: synchronously (in-memory stores) or after a round trip (Redis).
Outcome = Rejection | None | Awaitable[Rejection | None]


class CounterStoreError(Exception):
    """The store could not answer (Redis down, a lock held by a dead worker): the caller applies
    the configured fail-open / fail-closed policy."""


class CounterStore(Protocol):
    name: str

    def acquire(self, buckets: Sequence[Bucket], quota: Quota | None) -> Outcome:
        """Admit or reject one request against all ``buckets`` and ``quota`` atomically."""
        ...

    def seed_quota(self, quota: Quota, used: int) -> Awaitable[None] | None:
        """Start ``quota`` at ``used`` unless it already has a count (another worker or node got
        there first; its count is newer than the persisted one)."""
        ...

    def set_quota(self, quota: Quota, used: int) -> Awaitable[None] | None:
        """Overwrite the count (UpdateUsage)."""
        ...

    async def close(self) -> None: ...


def throttle_rejection(bucket: Bucket, tokens: float) -> Rejection:
    rate = bucket.rate
    wait = (1.0 - tokens) / rate if rate > 0 else 3600.0
    window = int(-(-bucket.burst // rate)) if rate > 0 else 3600
    return Rejection("throttle", bucket.name, int(bucket.burst), max(window, 1), wait, 0)


def quota_rejection(quota: Quota, now_wall: float) -> Rejection:
    return Rejection(
        "quota", quota.name, quota.limit, quota.window, max(quota.reset_at - now_wall, 0.0), 0
    )
