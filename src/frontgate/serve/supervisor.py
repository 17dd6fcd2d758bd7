"""``--workers N``: N forked processes serve the same inherited sockets; the supervisor
restarts a worker that dies and forwards SIGTERM/SIGINT for a graceful stop."""

from __future__ import annotations

import logging
import os
import signal
import ssl
import time
from types import FrameType

import uvloop

from frontgate.config import Settings
from frontgate.counters.shared import SharedCounters
from frontgate.observe.metrics import Shard, create_shards
from frontgate.serve.listeners import Listeners
from frontgate.serve.worker import run_worker
from frontgate.state.keyring import Keyring

log = logging.getLogger("frontgate.supervisor")

_RESTART_BACKOFF = 0.5  # seconds before restarting a worker that died; bounds a crash loop


def run_single(
    settings: Settings, listeners: Listeners, tls: ssl.SSLContext | None, keyring: Keyring
) -> int:
    uvloop.run(run_worker(settings, listeners, tls, keyring=keyring))
    return 0


def _spawn(
    settings: Settings,
    listeners: Listeners,
    tls: ssl.SSLContext | None,
    counters: SharedCounters | None = None,
    metric_shards: tuple[int, list[Shard]] | None = None,
    keyring: Keyring | None = None,
) -> int:
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            uvloop.run(run_worker(settings, listeners, tls, counters, metric_shards, keyring))
        except BaseException:
            log.exception("worker %d failed", os.getpid())
            code = 1
        finally:
            logging.shutdown()
            os._exit(code)
    return pid


def run_supervised(
    settings: Settings, listeners: Listeners, tls: ssl.SSLContext | None, keyring: Keyring
) -> int:
    """``keyring``: the data key, opened once before forking (a restarted worker inherits it,
    so it keeps working after ``frontgate rotate-key`` until this node restarts)."""
    children: set[int] = set()
    stopping = False

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    # Mapped before forking so every worker (and every restarted one) shares the same counters.
    counters = SharedCounters()
    # One metrics shard per worker slot, also mapped before forking; a restarted worker takes
    # over its predecessor's shard so /metrics counters never go back.
    shards = create_shards(settings.workers)
    slot_of: dict[int, int] = {}
    for i in range(settings.workers):
        pid = _spawn(settings, listeners, tls, counters, (i, shards), keyring)
        children.add(pid)
        slot_of[pid] = i
    log.info("supervising %d workers: %s", len(children), sorted(children))
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        children.discard(pid)
        if stopping:
            continue
        log.warning("worker %d exited (status %d); starting a new one", pid, status)
        time.sleep(_RESTART_BACKOFF)
        if not stopping:
            slot = slot_of.pop(pid, 0)
            new_pid = _spawn(settings, listeners, tls, counters, (slot, shards), keyring)
            children.add(new_pid)
            slot_of[new_pid] = slot
    return 0
