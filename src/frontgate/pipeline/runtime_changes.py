"""Runtime changes: how the control plane reaches the data plane's runtime state.

A management call that changes what workers hold at runtime (FlushStageAuthorizersCache clears
Lambda authorizer results, UpdateUsage moves a quota counter) does not touch that state in
place: it records a *change* in the store, in the same transaction-and-generation channel as
deployments. The compiler carries the recent changes in every snapshot (``Snapshot.changes``);
each worker applies the ones it has not seen when it picks up the generation, before the
snapshot is swapped in. The worker that took the call applies its change at once, so the caller
sees the effect on its next request. A worker that starts later begins with fresh runtime state
and skips the changes already recorded.

Function writes (Lambda API) are not runtime changes: functions are configuration, compiled into
every snapshot (``Snapshot.functions``) like routes, so a function reaches a worker in the same
snapshot as any deployment that names it, never after.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable

from frontgate.definition import kinds
from frontgate.pipeline.runner import Pipeline
from frontgate.snapshot.snapshot import Snapshot
from frontgate.state.store import ConfigStore

log = logging.getLogger("frontgate.changes")

KIND = kinds.RUNTIME_CHANGE  # read into every snapshot by compile.compiler
KEEP_SECONDS = 600.0  # a change older than this is dropped when the next one is recorded

FLUSH_AUTHORIZERS = "flushAuthorizers"  # (region, apiId, stageName)
RESET_QUOTA = "resetQuota"  # (region, usagePlanId, keyId)
# Recorded by nodes from before functions were in the snapshot (a rolling upgrade on one
# PostgreSQL database): the snapshot carries the function, nothing to apply.
_FORMER_FUNCTION = "function"


class Changes:
    """One worker's end of the channel: ``submit`` for its management APIs, ``prepare`` for its
    reloader."""

    def __init__(
        self, store: ConfigStore, pipeline: Pipeline, poke: Callable[[], None] = lambda: None
    ) -> None:
        self.store = store
        self.pipeline = pipeline
        self.poke = poke
        self._seen: set[str] | None = None  # None until the first snapshot
        self._local: set[str] = set()  # applied here at once, not in a snapshot yet

    async def submit(self, action: str, *args: str) -> None:
        """Apply a change here now, then record it for every other worker (and node)."""
        change_id = f"{time.time_ns():020d}-{secrets.token_hex(4)}"
        self._local.add(change_id)
        await self._apply(action, args)
        now = time.time()
        async with self.store.transaction() as tx:
            for doc in await tx.list("", KIND):
                if float(doc.get("at", 0)) < now - KEEP_SECONDS:
                    await tx.delete("", KIND, "", str(doc["id"]))
            doc = {"id": change_id, "action": action, "args": list(args), "at": now}
            await tx.put("", KIND, "", change_id, doc)
        self.poke()

    async def prepare(self, snapshot: Snapshot) -> None:
        """Apply the snapshot's changes this worker has not applied yet (before it serves)."""
        ids = {c[0] for c in snapshot.changes}
        if self._seen is not None:
            for change_id, action, args in snapshot.changes:
                if change_id in self._seen or change_id in self._local:
                    continue
                try:
                    await self._apply(action, args)
                except Exception:
                    log.exception("could not apply runtime change %s %s", action, args)
        self._seen = ids
        self._local -= ids

    async def _apply(self, action: str, args: tuple[str, ...]) -> None:
        env = self.pipeline.env
        if action == FLUSH_AUTHORIZERS:
            env.runtime.flush_authorizers(args[1], args[2])
        elif action == RESET_QUOTA:
            if env.limiter is not None:
                await env.limiter.reset_quota(args[0], args[1], args[2])
        elif action == _FORMER_FUNCTION:
            pass
        else:
            log.warning("unknown runtime change %s", action)
