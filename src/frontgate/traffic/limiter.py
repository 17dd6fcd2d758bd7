"""Admission against usage-plan, stage and account limits through a counter store, the per-key
per-day usage waiting to be persisted, and the fail-open/fail-closed policy.

Headers on a 429 follow draft-ietf-httpapi-ratelimit-headers-09: ``RateLimit-Policy`` names the
refusing limit (``"throttle";q=<burst>;w=<seconds to refill>`` or ``"quota";q=<limit>;w=<period
seconds>``) and ``RateLimit`` its state (``r=0;t=<seconds until a retry can pass>``), beside
``Retry-After`` (whole seconds, at least 1). Admitted responses carry none of them: they would
cost every request a header build for a courtesy most clients ignore.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from frontgate import gateway_errors
from frontgate.counters import Bucket, CounterStore, CounterStoreError, Quota, Rejection
from frontgate.definition import kinds
from frontgate.gateway_errors import GatewayError
from frontgate.state.store import ConfigStore
from frontgate.traffic.keys import KeyIndex, PlanBinding
from frontgate.traffic.periods import DAY, PeriodClock, period_days, usage_id

if TYPE_CHECKING:
    from frontgate.counters.local import LocalCounters
    from frontgate.counters.shared import SharedCounters
    from frontgate.pipeline.context import Context

log = logging.getLogger("frontgate.traffic")

# Usage not yet persisted: (region, planId, keyId, UTC day number) -> admitted requests.
UsageKey = tuple[str, str, str, int]
# A key's persisted count in one quota period: (region, planId, keyId) -> (period start, used).
SeedKey = tuple[str, str, str]


def rejection_error(rej: Rejection) -> GatewayError:
    wait = max(1, math.ceil(rej.retry_after))
    name = "quota" if rej.kind == "quota" else "throttle"
    headers = (
        ("Retry-After", str(wait)),
        ("RateLimit-Policy", f'"{name}";q={rej.limit};w={rej.window}'),
        ("RateLimit", f'"{name}";r={rej.remaining};t={wait}'),
    )
    return (
        gateway_errors.quota_exceeded(headers)
        if rej.kind == "quota"
        else gateway_errors.throttled(headers)
    )


def quota_name(plan_id: str, key_id: str, start: int) -> str:
    """The counter of one key's quota in the period starting at ``start``."""
    return f"q|{plan_id}|{key_id}|{start}"


def store_failure() -> GatewayError:
    # AWS logs "Usage Plan check failed due to an internal error" and answers 500.
    return gateway_errors.internal_error()


def _used(
    key: SeedKey,
    start: int,
    days: list[str],
    docs: dict[str, dict[str, Any]],
    pending: dict[SeedKey, list[tuple[int, int]]],
) -> int:
    """A key's count in the period starting at ``start`` whose days to date are ``days``: its
    usage documents (UpdateUsage credits included: they are stored as negative days) plus what
    this worker has admitted and not written yet."""
    total = 0
    for day in days:
        total += int((docs.get(usage_id(key[2], day)) or {}).get("used", 0))
    first = start // DAY
    for day_number, n in pending.get(key, ()):
        if first <= day_number < first + len(days):
            total += n
    return total


class Limiter:
    def __init__(
        self,
        store: CounterStore,
        account_store: LocalCounters | SharedCounters | None = None,
        config: ConfigStore | None = None,
        fail_open: bool = True,
    ) -> None:
        """``account_store``: where the account bucket lives when ``store`` is remote (every
        request passes the account limit; a Redis round trip for it alone would tax them all)."""
        self.store = store
        self.account_store = account_store
        self.config = config
        self.fail_open = fail_open
        self.clock = PeriodClock()
        self.pending: dict[UsageKey, int] = {}
        self._seeded: set[str] = set()
        # Persisted counts read off the request path (``load_seeds``, before each snapshot is
        # served): what a quota counter no worker has started yet begins from.
        self.seeds: dict[SeedKey, tuple[int, int]] = {}
        self.stats: dict[str, int] = {
            "api_key_missing": 0, "api_key_invalid": 0, "throttled": 0,
            "quota_exceeded": 0, "counter_store_errors": 0,
        }  # fmt: skip
        self._log_until = 0.0
        self._log_suppressed = 0
        self._quotas: dict[tuple[str, str, tuple[int, str, int]], Quota] = {}

    def quota(self, binding: PlanBinding, now: float) -> Quota | None:
        if binding.quota is None:
            return None
        # One Quota per key and period, reused by every request of the period.
        cache_key = (binding.plan_id, binding.key_id, binding.quota)
        cached = self._quotas.get(cache_key)
        if cached is not None and cached.reset_at - cached.window <= now < cached.reset_at:
            return cached
        limit, period, offset = binding.quota
        start, end = self.clock.bounds(period, offset, now)
        quota = Quota(quota_name(binding.plan_id, binding.key_id, start), limit, end, end - start)
        if len(self._quotas) > 100_000:  # Keys come and go; do not keep dead ones forever.
            self._quotas.clear()
        self._quotas[cache_key] = quota
        return quota

    def admit(
        self, ctx: Context, buckets: list[Bucket], account: Bucket, binding: PlanBinding | None
    ) -> Awaitable[None] | None:
        """Raise a GatewayError for a refused request; record usage for an admitted one.
        ``buckets`` are in AWS's order (plan method, plan, stage); ``account`` comes last."""
        quota = self.quota(binding, ctx.start_wall) if binding is not None else None
        if quota is not None and quota.name not in self._seeded:
            assert binding is not None  # only keyed requests have a quota
            try:
                seeded = self.store.seed_quota(quota, self.seed(binding, quota))
            except CounterStoreError as exc:
                self._store_failed(ctx, exc)  # not marked seeded: the next request tries again
            else:
                if seeded is not None:  # a round trip to the counter store (Redis)
                    return self._seed_then_admit(ctx, buckets, account, binding, quota, seeded)
                self._seeded.add(quota.name)
        return self._admit(ctx, buckets, account, binding, quota)

    def seed(self, binding: PlanBinding, quota: Quota) -> int:
        """Where the key's counter starts when no worker has counted it in this period yet:
        the persisted count ``load_seeds`` read before this snapshot was served, or 0 for a
        period that began since (nothing can be persisted for it that the shared counter did
        not count first). Never a store read."""
        got = self.seeds.get((binding.region, binding.plan_id, binding.key_id))
        if got is not None and got[0] == int(quota.reset_at) - quota.window:
            return got[1]
        return 0

    def _admit(
        self,
        ctx: Context,
        buckets: list[Bucket],
        account: Bucket,
        binding: PlanBinding | None,
        quota: Quota | None,
    ) -> Awaitable[None] | None:
        try:
            if self.account_store is not None:
                rej = self.account_store.acquire((account,), None)
                if rej is not None:
                    raise self._refused(rej)
                if not buckets and quota is None:
                    self._count(ctx, binding)
                    return None
            else:
                buckets.append(account)
            out = self.store.acquire(buckets, quota)
        except CounterStoreError as exc:
            self._store_failed(ctx, exc)
            self._count(ctx, binding)
            return None
        if out is None:
            self._count(ctx, binding)
            return None
        if isinstance(out, Rejection):
            raise self._refused(out)
        return self._finish(ctx, out, binding)

    async def _finish(
        self, ctx: Context, out: Awaitable[Rejection | None], binding: PlanBinding | None
    ) -> None:
        try:
            rej = await out
        except CounterStoreError as exc:
            self._store_failed(ctx, exc)
            rej = None
        if rej is not None:
            raise self._refused(rej)
        self._count(ctx, binding)

    async def _seed_then_admit(
        self,
        ctx: Context,
        buckets: list[Bucket],
        account: Bucket,
        binding: PlanBinding | None,
        quota: Quota,
        seeded: Awaitable[None],
    ) -> None:
        try:
            await seeded
            self._seeded.add(quota.name)
        except CounterStoreError as exc:
            self._store_failed(ctx, exc)
        more = self._admit(ctx, buckets, account, binding, quota)
        if more is not None:
            await more

    async def load_seeds(self, keys: KeyIndex, now: float | None = None) -> None:
        """Read the persisted count of every key of a plan with a quota, for the period under
        way, that is not read yet (a new key, a new period): off the request path, before a
        snapshot holding ``keys`` is served; one store read per plan. Raises when the store
        cannot be read (the caller keeps serving the snapshot it has)."""
        if self.config is None:
            return
        at = time.time() if now is None else now
        seeds: dict[SeedKey, tuple[int, int]] = {}
        todo: dict[tuple[str, str], list[tuple[SeedKey, int, list[str]]]] = {}
        periods: dict[tuple[str, int], list[str]] = {}
        for binding in keys.bindings.values():
            q = binding.quota
            if q is None:
                continue
            key = (binding.region, binding.plan_id, binding.key_id)
            if key in seeds:
                continue
            start = self.clock.bounds(q[1], q[2], at)[0]
            got = self.seeds.get(key)
            if got is not None and got[0] == start:
                seeds[key] = got
            elif quota_name(binding.plan_id, binding.key_id, start) in self._seeded:
                seeds[key] = (start, 0)  # counting already: the seed is not needed
            else:
                seeds[key] = (start, 0)  # read below
                days = periods.get((q[1], q[2]))
                if days is None:
                    days = periods[q[1], q[2]] = period_days(q[1], q[2], at)
                todo.setdefault((binding.region, binding.plan_id), []).append((key, start, days))
        read: list[tuple[list[tuple[SeedKey, int, list[str]]], dict[str, dict[str, Any]]]] = []
        for (region, plan_id), wanted in todo.items():
            ids = [usage_id(key[2], day) for key, _start, days in wanted for day in days]
            read.append((wanted, await self.config.get_many(region, kinds.USAGE, plan_id, ids)))
        pending = self._pending_by_key()
        for wanted, docs in read:
            for key, start, days in wanted:
                seeds[key] = (start, _used(key, start, days, docs, pending))
        self.seeds = seeds

    def _pending_by_key(self) -> dict[SeedKey, list[tuple[int, int]]]:
        """Admitted here but not yet written (counted already by the live counter), by key:
        (UTC day number, requests)."""
        out: dict[SeedKey, list[tuple[int, int]]] = {}
        for (r, p, k, d), n in self.pending.items():
            out.setdefault((r, p, k), []).append((d, n))
        return out

    async def persisted_usage(self, region: str, plan_id: str, key_id: str) -> int:
        """The key's persisted count in the plan's current quota period."""
        if self.config is None:
            return 0
        plan = await self.config.get(region, kinds.USAGE_PLAN, "", plan_id)
        quota = (plan or {}).get("quota") or {}
        period, offset = str(quota.get("period") or "DAY"), int(quota.get("offset") or 0)
        now = time.time()
        days = period_days(period, offset, now)
        ids = [usage_id(key_id, day) for day in days]
        docs = await self.config.get_many(region, kinds.USAGE, plan_id, ids)
        start = self.clock.bounds(period, offset, now)[0]
        key = (region, plan_id, key_id)
        return _used(key, start, days, docs, self._pending_by_key())

    async def reset_quota(self, region: str, plan_id: str, key_id: str) -> None:
        """UpdateUsage changed the persisted counts: make the live counter follow them."""
        plan = await self.config.get(region, kinds.USAGE_PLAN, "", plan_id) if self.config else None
        q = (plan or {}).get("quota")
        if not q or q.get("limit") is None:
            return
        binding = PlanBinding(plan_id, region, key_id, "", None, {},
                              (int(q["limit"]), str(q.get("period") or "DAY"),
                               int(q.get("offset") or 0)))  # fmt: skip
        quota = self.quota(binding, time.time())
        assert quota is not None
        used = await self.persisted_usage(region, plan_id, key_id)
        done = self.store.set_quota(quota, used)
        if done is not None:
            await done
        self._seeded.add(quota.name)

    def _count(self, ctx: Context, binding: PlanBinding | None) -> None:
        if binding is not None:
            key = (binding.region, binding.plan_id, binding.key_id, int(ctx.start_wall // DAY))
            self.pending[key] = self.pending.get(key, 0) + 1

    def _refused(self, rej: Rejection) -> GatewayError:
        self.stats["quota_exceeded" if rej.kind == "quota" else "throttled"] += 1
        return rejection_error(rej)

    def _store_failed(self, ctx: Context, exc: Exception) -> None:
        self.stats["counter_store_errors"] += 1
        ctx.error = "Usage Plan check failed due to an internal error"
        ctx.log(f"Usage Plan check failed due to an internal error: {exc}")
        self._log(logging.ERROR, "counter store %s failed (%s): %s", self.store.name,
                  "failing open" if self.fail_open else "failing closed", exc)  # fmt: skip
        if not self.fail_open:
            raise store_failure()

    def invalid_key(self, ctx: Context, value: str | None, why: str) -> GatewayError:
        """Count and log a refused key by a short hash of its value (never the value)."""
        if value:
            self.stats["api_key_invalid"] += 1
            tag = hashlib.sha256(value.encode()).hexdigest()[:12]
            self._log(logging.WARNING, "invalid API key sha256:%s (%s) from %s on %s/%s",
                      tag, why, ctx.request.client_addr[0], ctx.api_id, ctx.stage_name)  # fmt: skip
        else:
            self.stats["api_key_missing"] += 1
        return gateway_errors.invalid_api_key()

    def _log(self, level: int, msg: str, *args: object) -> None:
        # At most one line per second, so a key brute force cannot flood the log.
        now = time.monotonic()
        if now < self._log_until:
            self._log_suppressed += 1
            return
        if self._log_suppressed:
            log.log(level, "(%d similar messages suppressed)", self._log_suppressed)
            self._log_suppressed = 0
        self._log_until = now + 1.0
        log.log(level, msg, *args)

    def take_pending(self) -> dict[UsageKey, int]:
        taken, self.pending = self.pending, {}
        return taken

    def restore_pending(self, taken: dict[UsageKey, int]) -> None:
        for key, n in taken.items():
            self.pending[key] = self.pending.get(key, 0) + n
