"""FlushStageAuthorizersCache across workers: the apigateway API's flush hook records a runtime
change (frontgate.pipeline.runtime_changes), which every worker applies when it picks up the next
generation."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from frontgate.pipeline.runtime_changes import FLUSH_AUTHORIZERS, Changes

log = logging.getLogger("frontgate.admin")


def make_flush_hook(changes: Changes) -> Callable[[str, str, str, str], None]:
    tasks: set[asyncio.Task[None]] = set()

    async def submit(region: str, api_id: str, stage_name: str) -> None:
        try:
            await changes.submit(FLUSH_AUTHORIZERS, region, api_id, stage_name)
        except Exception:
            log.exception(
                "could not record the authorizer cache flush of %s/%s", api_id, stage_name
            )

    def flush(region: str, api_id: str, stage_name: str, what: str) -> None:
        if what != "authorizers":
            return
        # The task's first step (this worker's caches) runs before the next request is read.
        task = asyncio.get_running_loop().create_task(submit(region, api_id, stage_name))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    return flush
