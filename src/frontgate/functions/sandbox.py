"""Limits a function worker applies to itself before loading user code: address space (the
function's memory size), process count (a pids cgroup when one can be made, else RLIMIT_NPROC)
and core dumps. The gateway removes the cgroup when the worker is gone."""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

_CGROUP_ROOTS = (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup"))


def cgroup_dir(pid: int) -> Path | None:
    """Where the worker ``pid`` puts itself (v1 ``pids`` controller or the v2 hierarchy)."""
    for root in _CGROUP_ROOTS:
        if (root / "pids.max").exists() or (root / "cgroup.procs").exists():
            if root.name != "pids" and not (root / "cgroup.controllers").exists():
                continue  # a v1 layout without the pids controller mounted
            return root / f"frontgate-fn-{pid}"
    return None


def _join_cgroup(max_procs: int) -> bool:
    path = cgroup_dir(os.getpid())
    if path is None:
        return False
    try:
        path.mkdir(exist_ok=True)
        (path / "pids.max").write_text(str(max_procs))
        (path / "cgroup.procs").write_text(str(os.getpid()))
    except OSError:
        try:
            path.rmdir()
        except OSError:
            pass
        return False
    return True


def _address_space_now() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 64 * 1024 * 1024


def apply(memory_mb: int, max_procs: int) -> None:
    """Memory: what the interpreter already maps plus the function's memory size, so a 128 MB
    function can allocate about 128 MB (RLIMIT_AS counts mappings, not resident pages)."""
    limit = _address_space_now() + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if _join_cgroup(max_procs):
        return
    if os.getuid() != 0:
        # RLIMIT_NPROC counts all of the user's processes (and never binds root).
        _soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
        want = max_procs + _count_user_processes()
        if hard == resource.RLIM_INFINITY or want <= hard:
            resource.setrlimit(resource.RLIMIT_NPROC, (want, hard))
            return
    _guard_spawning(max_procs)


_SPAWN_EVENTS = frozenset(
    ("os.fork", "os.forkpty", "os.posix_spawn", "os.spawn", "subprocess.Popen", "os.system")
)


def _guard_spawning(max_procs: int) -> None:
    """Last resort when the kernel cannot count for us (root without a pids cgroup): the worker
    may start at most ``max_procs`` processes in its life, and processes it forks may start none.
    An audit hook cannot be removed by user code; it does not see forks made from C."""
    worker = os.getpid()
    started = [0]

    def hook(event: str, _args: tuple[object, ...]) -> None:
        if event not in _SPAWN_EVENTS:
            return
        if os.getpid() != worker or started[0] >= max_procs:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        started[0] += 1

    sys.addaudithook(hook)


def _count_user_processes() -> int:
    uid = os.getuid()
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += 1
            except OSError:
                continue
    return count


def kill_cgroup(pid: int) -> None:
    """SIGKILL whatever the worker left behind in its cgroup, then remove the cgroup."""
    path = cgroup_dir(pid)
    if path is None or not path.exists():
        return
    for _ in range(50):
        try:
            pids = [int(p) for p in (path / "cgroup.procs").read_text().split()]
        except OSError:
            break
        if not pids:
            break
        for p in pids:
            try:
                os.kill(p, 9)
            except ProcessLookupError:
                pass
        time.sleep(0.01)  # let the killed processes be reaped before looking again
    try:
        path.rmdir()
    except OSError:
        pass
