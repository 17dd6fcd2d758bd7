"""The node's processes: one control process (``serve/control.py``: management APIs and the
compiler) and ``--workers N`` data-plane workers (``serve/worker.py``), all forked from here and
sharing the sockets bound before forking. The supervisor restarts any process that dies and
forwards SIGTERM/SIGINT for a graceful stop.

The snapshot channel between them is a Unix socket in a directory only this user can enter,
bound here before forking, so a restarted control process listens on the same address and the
workers reconnect to it."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import ssl
import tempfile
import time
from collections.abc import Callable, Coroutine
from types import FrameType
from typing import Any

import uvloop

from frontgate.config import Settings
from frontgate.counters.shared import SharedCounters
from frontgate.observe.metrics import create_shards
from frontgate.serve.control import lower_priority, run_control
from frontgate.serve.listeners import Listeners
from frontgate.serve.worker import run_worker
from frontgate.state.keyring import Keyring

log = logging.getLogger("frontgate.supervisor")

_RESTART_BACKOFF = 0.5  # seconds before restarting a process that died; bounds a crash loop
CONTROL = -1  # the control process's slot; workers have 0..N-1
_STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def _spawn(name: str, main: Callable[[], Coroutine[Any, Any, None]]) -> int:
    """Fork a process running ``main``. Call with SIGTERM and SIGINT blocked (``spawn``): a
    stop signal arriving while the child still had the supervisor's handler would run that
    handler in the child and be lost there (a Ctrl-C right after the banner left a worker
    serving, and the supervisor waiting for it, forever)."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            # One that came during the fork stops this process now; later ones, the event loop's
            # handlers (plane.stop_on_signals) take.
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
            uvloop.run(main())
        except BaseException:
            log.exception("%s %d failed", name, os.getpid())
            code = 1
        finally:
            logging.shutdown()
            os._exit(code)
    return pid


def _channel_socket(directory: str) -> tuple[socket.socket, str]:
    path = os.path.join(directory, "control.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(path)
    sock.listen(128)
    sock.setblocking(False)
    return sock, path


def run_supervised(
    settings: Settings, listeners: Listeners, tls: ssl.SSLContext | None, keyring: Keyring
) -> int:
    """``keyring``: the data key, opened once before forking (a restarted control process
    inherits it, so it keeps working after ``frontgate rotate-key`` until this node restarts)."""
    children: dict[int, int] = {}  # pid -> slot
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
    directory = tempfile.mkdtemp(prefix="frontgate-")  # mode 0700
    channel_sock, channel_path = _channel_socket(directory)
    # Mapped before forking so every worker (and every restarted one) shares the same counters;
    # one worker keeps plain in-process counters, exact and cheaper.
    counters = SharedCounters() if settings.workers > 1 else None
    # One metrics shard per worker slot and one for the control process, also mapped before
    # forking; a restarted process takes over its predecessor's shard so /metrics counters
    # never go back. The control process reads them all for /metrics.
    shards = create_shards(settings.workers + 1)

    def start(slot: int) -> int:
        if slot == CONTROL:

            async def control() -> None:
                lower_priority()
                await run_control(
                    settings, listeners, channel_sock, (settings.workers, shards), keyring
                )

            return _spawn("control process", control)

        async def worker() -> None:
            listeners.close_admin()
            channel_sock.close()
            await run_worker(settings, listeners, tls, channel_path, counters, (slot, shards))

        return _spawn("worker", worker)

    def spawn(slot: int) -> None:
        # Blocked until the child is in `children`, so that on_signal, run after, stops it too;
        # none started once stopping (a Ctrl-C before the first fork reaches no child).
        signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            if not stopping:
                children[start(slot)] = slot
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)

    try:
        for slot in (CONTROL, *range(settings.workers)):
            spawn(slot)
        log.info("supervising control process and %d workers: %s", settings.workers, children)
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            slot = children.pop(pid, None)
            if stopping or slot is None:
                continue
            what = "control process" if slot == CONTROL else "worker"
            log.warning("%s %d exited (status %d); starting a new one", what, pid, status)
            time.sleep(_RESTART_BACKOFF)
            spawn(slot)
    finally:
        channel_sock.close()
        shutil.rmtree(directory, ignore_errors=True)
    return 0
