"""Wire traffic control into one worker: the counter stores the settings ask for
(in-process, node-shared, or Redis with the node store for the account limit) and the usage
writer."""

from __future__ import annotations

from dataclasses import dataclass

from frontgate.config import Settings
from frontgate.counters.local import LocalCounters
from frontgate.counters.shared import SharedCounters
from frontgate.state.store import ConfigStore
from frontgate.traffic.limiter import Limiter
from frontgate.traffic.usage import UsageWriter


@dataclass
class Traffic:
    limiter: Limiter
    usage: UsageWriter

    async def close(self) -> None:
        await self.usage.stop()
        await self.limiter.store.close()


async def start_traffic(
    settings: Settings, store: ConfigStore, shared: SharedCounters | None
) -> Traffic:
    """``shared``: the node-wide counters the supervisor mapped before forking (None with one
    worker, where plain in-process counters are exact and cheaper)."""
    node = shared if shared is not None else LocalCounters()
    if settings.redis:
        from frontgate.counters.redis import RedisCounters

        remote = RedisCounters(settings.redis)
        await remote.start()
        fail_open = settings.redis_failure != "closed"
        limiter = Limiter(remote, account_store=node, config=store, fail_open=fail_open)
    else:
        limiter = Limiter(node, config=store)
    usage = UsageWriter(store, limiter, settings.usage_flush_interval)
    usage.start()
    return Traffic(limiter, usage)
