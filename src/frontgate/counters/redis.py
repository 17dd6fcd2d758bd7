"""The cluster-wide counter store: Redis, one atomic Lua script per request doing every token
bucket and the quota together (read, decide, write), timed by Redis's own clock so nodes with
skewed clocks still share one bucket exactly.

When Redis is unreachable every call fails at once with ``CounterStoreError`` (no waiting on a
dead server); a reconnect is tried at most once per ``retry_interval`` in the background. A call
that gets no answer within ``timeout`` drops the connection, failing every call waiting on it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Sequence
from typing import Any

from frontgate.counters import (
    Bucket,
    CounterStoreError,
    Quota,
    Rejection,
    quota_rejection,
    throttle_rejection,
)
from frontgate.counters.resp import RedisUrl, RespConnection, RespError, connect

log = logging.getLogger("frontgate.counters.redis")

# KEYS: the n buckets, then the quota (if any).
# ARGV: n, (rate, burst) x n, quota limit (-1: none), quota period end (epoch seconds).
# Returns {0} admitted; {1, i, tokens} bucket i refused; {2, used} quota exhausted.
SCRIPT = """
local n = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local qlimit = tonumber(ARGV[2 * n + 2])
if qlimit >= 0 then
  local used = tonumber(redis.call('GET', KEYS[n + 1]) or '0')
  if used >= qlimit then return {2, used} end
end
local tokens = {}
local refused = 0
for i = 1, n do
  local rate = tonumber(ARGV[2 * i])
  local burst = tonumber(ARGV[2 * i + 1])
  local st = redis.call('HMGET', KEYS[i], 't', 'l')
  local tk = burst
  if st[1] then
    tk = tonumber(st[1]) + (now - tonumber(st[2])) * rate
    if tk > burst then tk = burst end
  end
  tokens[i] = tk
  if tk < 1 and refused == 0 then refused = i end
end
for i = 1, n do
  local rate = tonumber(ARGV[2 * i])
  local burst = tonumber(ARGV[2 * i + 1])
  local tk = tokens[i]
  if refused == 0 then tk = tk - 1 end
  redis.call('HSET', KEYS[i], 't', string.format('%.6f', tk), 'l', string.format('%.6f', now))
  local ttl = 60000
  if rate > 0 then ttl = math.ceil(burst / rate * 1000) + 1000 end
  redis.call('PEXPIRE', KEYS[i], ttl)
end
if refused > 0 then return {1, refused, string.format('%.6f', tokens[refused])} end
if qlimit >= 0 then
  redis.call('INCR', KEYS[n + 1])
  redis.call('EXPIREAT', KEYS[n + 1], math.floor(tonumber(ARGV[2 * n + 3])) + 86400)
end
return {0}
"""

_PREFIX = "fg:"


class RedisCounters:
    name = "redis"

    def __init__(self, url: str, timeout: float = 0.5, retry_interval: float = 1.0) -> None:
        parts = RedisUrl(url)
        self.host, self.port, self.db = parts.host, parts.port, parts.db
        self.password, self.username = parts.password, parts.username
        self.timeout = timeout
        self.retry_interval = retry_interval
        self._conn: RespConnection | None = None
        self._sha = ""
        self._next_try = 0.0
        self._connecting: asyncio.Task[None] | None = None
        self._watchdog: asyncio.TimerHandle | None = None
        self._closed = False

    async def start(self) -> None:
        """First connection attempt; failing here is not fatal (the fail policy applies)."""
        await self._connect()
        self._arm_watchdog()

    async def _connect(self) -> None:
        try:
            conn = await connect(self.host, self.port, self.timeout)
            if self.password is not None:
                auth = (self.username, self.password) if self.username else (self.password,)
                await asyncio.wait_for(conn.call("AUTH", *auth), self.timeout)
            if self.db:
                await asyncio.wait_for(conn.call("SELECT", self.db), self.timeout)
            sha = await asyncio.wait_for(conn.call("SCRIPT", "LOAD", SCRIPT), self.timeout)
        except (OSError, TimeoutError, RespError) as exc:
            if self._conn is not None or not self._next_try:
                log.warning("Redis %s:%d unreachable: %s", self.host, self.port, exc)
            self._conn = None
            self._next_try = time.monotonic() + self.retry_interval
            return
        self._sha = sha.decode() if isinstance(sha, bytes) else str(sha)
        self._conn = conn
        log.info("connected to Redis %s:%d", self.host, self.port)

    def _arm_watchdog(self) -> None:
        if not self._closed:
            loop = asyncio.get_running_loop()
            self._watchdog = loop.call_later(self.timeout / 2, self._check)

    def _check(self) -> None:
        conn = self._conn
        if conn is not None and (conn.lost or conn.oldest_wait() > self.timeout):
            if not conn.lost:
                log.warning("Redis did not answer within %.2fs; reconnecting", self.timeout)
            conn.fail(CounterStoreError("Redis did not answer in time"))
            self._conn = None
            self._next_try = 0.0
        self._arm_watchdog()

    def _live(self) -> RespConnection:
        conn = self._conn
        if conn is not None and not conn.lost:
            return conn
        self._conn = None
        if self._connecting is None and time.monotonic() >= self._next_try and not self._closed:
            self._connecting = asyncio.get_running_loop().create_task(self._reconnect())
        raise CounterStoreError("Redis unavailable")

    async def _reconnect(self) -> None:
        try:
            await self._connect()
        finally:
            self._connecting = None

    def acquire(self, buckets: Sequence[Bucket], quota: Quota | None) -> Any:
        conn = self._live()
        args: list[Any] = ["EVALSHA", self._sha, len(buckets) + (quota is not None)]
        args.extend(_PREFIX + b.name for b in buckets)
        if quota is not None:
            args.append(_PREFIX + quota.name)
        args.append(len(buckets))
        for b in buckets:
            args.append(b.rate)
            args.append(b.burst)
        args.append(quota.limit if quota is not None else -1)
        args.append(quota.reset_at if quota is not None else 0)
        return self._decide(conn.call(*args), buckets, quota)

    async def _decide(
        self, reply: asyncio.Future[Any], buckets: Sequence[Bucket], quota: Quota | None
    ) -> Rejection | None:
        try:
            result = await reply
        except (ConnectionError, RespError, CounterStoreError) as exc:
            raise CounterStoreError(str(exc)) from exc
        code = result[0]
        if code == 0:
            return None
        if code == 1:
            return throttle_rejection(buckets[result[1] - 1], float(result[2]))
        assert quota is not None  # the script reports a quota only when it was given one
        return quota_rejection(quota, time.time())

    async def _write_quota(self, quota: Quota, used: int, only_if_new: bool) -> None:
        conn = self._live()
        ttl = max(math.ceil(quota.reset_at - time.time()) + 86400, 1)
        extra = ("NX",) if only_if_new else ()
        try:
            await conn.call("SET", _PREFIX + quota.name, used, "EX", ttl, *extra)
        except (ConnectionError, RespError) as exc:
            raise CounterStoreError(str(exc)) from exc

    def seed_quota(self, quota: Quota, used: int) -> Any:
        return self._write_quota(quota, used, only_if_new=True)

    def set_quota(self, quota: Quota, used: int) -> Any:
        return self._write_quota(quota, used, only_if_new=False)

    async def close(self) -> None:
        self._closed = True
        if self._watchdog is not None:
            self._watchdog.cancel()
        if self._connecting is not None:
            self._connecting.cancel()
        if self._conn is not None and self._conn.transport is not None:
            self._conn.transport.close()
        self._conn = None
