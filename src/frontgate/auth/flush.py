"""FlushStageAuthorizersCache across workers: this worker's caches are cleared at once, and a
per-stage epoch in the stage document is bumped so every worker recompiles the stage (with
empty authorizer caches) on its next reload."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from frontgate.control import kinds
from frontgate.pipeline.runner import Pipeline
from frontgate.state.store import ConfigStore

log = logging.getLogger("frontgate.auth")
EPOCH = "_authorizerCacheEpoch"  # internal member: never serialized by the admin API


def make_flush_hook(
    store: ConfigStore, pipeline: Pipeline, on_change: Callable[[], None]
) -> Callable[[str, str, str, str], None]:
    tasks: set[asyncio.Task[None]] = set()

    async def bump(region: str, api_id: str, stage_name: str) -> None:
        try:
            async with store.transaction() as tx:
                doc = await tx.get(region, kinds.STAGE, api_id, stage_name)
                if doc is None:
                    return
                doc[EPOCH] = int(doc.get(EPOCH, 0)) + 1
                await tx.put(region, kinds.STAGE, api_id, stage_name, doc)
            on_change()
        except Exception:
            log.exception(
                "could not record the authorizer cache flush of %s/%s", api_id, stage_name
            )

    def flush(region: str, api_id: str, stage_name: str, what: str) -> None:
        if what != "authorizers":
            return
        pipeline.env.runtime.flush_authorizers(api_id, stage_name)
        task = asyncio.get_running_loop().create_task(bump(region, api_id, stage_name))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    return flush
