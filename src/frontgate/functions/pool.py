"""Warm worker processes for one function: reused across invocations, grown on demand up to the
function's concurrency (beyond it Lambda throttles instead of queueing), shrunk when idle. A worker
that times out, runs out of memory or crashes is killed with everything it started and replaced
by the next cold start."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, cast

from frontgate.functions import frames, logs, sandbox
from frontgate.functions.errors import TooManyRequests

_log = logging.getLogger("frontgate.functions")
_warned: set[str] = set()


def log_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        _log.warning("%s", message)


INIT_TIMEOUT = 10.0  # Lambda's limit on the init phase of an on-demand function, seconds
_PY = f"{sys.version_info[0]}.{sys.version_info[1]}"
_BASE_ENV = ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "VIRTUAL_ENV", "PYTHONPATH")


@dataclass(frozen=True, slots=True)
class RunSpec:
    """What a worker is started from: one revision of a function's code and configuration."""

    name: str
    arn: str
    region: str
    handler: str
    code_path: str
    memory_mb: int
    timeout: float
    variables: dict[str, str] = field(default_factory=dict)
    revision: str = ""
    reserved: int | None = None
    version: str = "$LATEST"


class Outcome:
    """One finished invocation, before it is logged. A plain class, not a dataclass: one is
    made per invocation, and mypyc compiles only a hand-written ``__init__``."""

    __slots__ = ("error", "init_ms", "log", "max_rss_mb", "payload")

    def __init__(
        self,
        payload: bytes,
        error: str | None,  # Lambda's X-Amz-Function-Error semantics: None, or the error type
        max_rss_mb: int = 0,
        init_ms: float | None = None,
        log: list[str] | None = None,
    ) -> None:
        self.payload = payload
        self.error = error
        self.max_rss_mb = max_rss_mb
        self.init_ms = init_ms
        self.log: list[str] = [] if log is None else log


class WorkerGone(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Worker(asyncio.SubprocessProtocol):
    """One worker process; talks frames on its stdin/stdout, its stderr is raw log output."""

    def __init__(self, pool: FunctionPool) -> None:
        self.pool = pool
        self.transport: asyncio.SubprocessTransport | None = None
        loop = self.loop = asyncio.get_running_loop()
        self.ready: asyncio.Future[dict[str, Any]] = loop.create_future()
        self.current: asyncio.Future[tuple[dict[str, Any], bytes]] | None = None
        self.captured: list[str] | None = None
        self.decoder = frames.Decoder()
        self.exit_detail: str | None = None
        self.last_used = time.monotonic()
        self.pid = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio's; they implement the same interface.
        self.transport = cast(asyncio.SubprocessTransport, transport)
        self.pid = self.transport.get_pid()

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        if fd == 2:
            self._log(data.decode("utf-8", "replace"))
            return
        for meta, body in self.decoder.feed(data):
            kind = meta.get("kind")
            if kind == frames.LOG:
                self._log(body.decode("utf-8", "replace"))
            elif kind == frames.RESULT:
                fut, self.current = self.current, None
                if fut is not None and not fut.done():
                    fut.set_result((meta, body))
            elif kind == frames.READY and not self.ready.done():
                self.ready.set_result(meta)

    def _log(self, text: str) -> None:
        self.pool.log.write(text)
        if self.captured is not None:
            self.captured.append(text)

    def process_exited(self) -> None:
        code = self.transport.get_returncode() if self.transport is not None else None
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name[3:].lower()
            except ValueError:
                name = str(-code)
            self.exit_detail = f"signal: {name}"
        else:
            self.exit_detail = f"exit status {code}"
        gone = WorkerGone(self.exit_detail)
        for fut in (self.ready, self.current):
            if fut is not None and not fut.done():
                fut.set_exception(gone)
        self.pool.forget(self)

    def send(
        self, meta: dict[str, Any], body: bytes
    ) -> asyncio.Future[tuple[dict[str, Any], bytes]]:
        assert self.transport is not None
        fut: asyncio.Future[tuple[dict[str, Any], bytes]] = self.loop.create_future()
        self.current = fut
        pipe = cast(asyncio.WriteTransport, self.transport.get_pipe_transport(0))
        pipe.write(frames.encode(meta, body))
        return fut

    def kill(self, *, wait: bool = False) -> None:
        """Kill the worker's whole process group and cgroup (fork bombs, stray children);
        ``wait`` cleans the cgroup up before returning (at shutdown, when no executor runs)."""
        if self.pid:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            if wait:
                sandbox.kill_cgroup(self.pid)
            else:
                asyncio.get_running_loop().run_in_executor(None, sandbox.kill_cgroup, self.pid)
        if self.transport is not None:
            self.transport.close()


class FunctionPool:
    """The workers of one function revision in this gateway process."""

    def __init__(
        self,
        spec: RunSpec,
        log: logs.FunctionLog,
        limit: int,
        max_procs: int,
        cpus: frozenset[int] | None = None,
    ) -> None:
        self.spec = spec
        self.cpus = cpus  # CPU affinity of the workers (function_cpus), None: inherited
        self.log = log
        self.limit = spec.reserved if spec.reserved is not None else limit
        self.max_procs = max_procs
        self.idle: deque[Worker] = deque()
        self.live: set[Worker] = set()
        self.retired = False

    async def invoke(
        self, request_id: str, payload: bytes, invoked_arn: str, client_context: str | None
    ) -> Outcome:
        """Run one invocation; raises TooManyRequests when every allowed worker is busy."""
        cold = not self.idle
        if cold:
            if len(self.live) >= self.limit:
                reserved = self.spec.reserved is not None
                raise TooManyRequests(
                    "Rate Exceeded.",
                    reason="ReservedFunctionConcurrentInvocationLimitExceeded"
                    if reserved
                    else "ConcurrentInvocationLimitExceeded",
                )
            worker = await self._spawn()
        else:
            worker = self.idle.pop()  # the most recently used: the warmest
        started = time.perf_counter()
        init_ms: float | None = None
        captured: list[str] = []

        def emit(text: str) -> None:
            self.log.write(text)
            captured.append(text)

        try:
            if cold:
                ready = await asyncio.wait_for(asyncio.shield(worker.ready), INIT_TIMEOUT)
                init_ms = (time.perf_counter() - started) * 1000
                if ready.get("init_error"):
                    self.log.write(f"{_init_error_line(ready['init_error'])}\n")
                started = time.perf_counter()
            emit(logs.start_line(request_id, self.spec.version))
            worker.captured = captured
            meta = {
                "kind": frames.INVOKE,
                "id": request_id,
                "arn": invoked_arn,
                "deadline_ms": int((time.time() + self.spec.timeout) * 1000),
                "client_context": client_context,
            }
            fut = worker.send(meta, payload)
            result_meta, body = await asyncio.wait_for(fut, self.spec.timeout)
        except TimeoutError:
            worker.kill()
            self.forget(worker)
            duration = (time.perf_counter() - started) * 1000
            emit(
                logs.end_lines(
                    request_id, duration, self.spec.memory_mb, 0, init_ms, self.spec.timeout
                )
            )
            body = _timeout_payload(request_id, self.spec.timeout)
            return Outcome(body, "Unhandled", 0, init_ms, captured)
        except WorkerGone as gone:
            worker.kill()  # whatever it started, and its cgroup
            self.forget(worker)
            duration = (time.perf_counter() - started) * 1000
            emit(
                f"{logs.iso_now()} {request_id} Error: Runtime exited with error: "
                f"{gone.detail}\nRuntime.ExitError\n"
            )
            emit(logs.end_lines(request_id, duration, self.spec.memory_mb, 0, init_ms))
            body = _exit_payload(request_id, gone.detail)
            return Outcome(body, "Unhandled", 0, init_ms, captured)
        except BaseException:
            worker.kill()
            self.forget(worker)
            raise
        finally:
            worker.captured = None
        duration = (time.perf_counter() - started) * 1000
        max_mb = int(result_meta.get("maxrss_kb", 0)) // 1024
        emit(logs.end_lines(request_id, duration, self.spec.memory_mb, max_mb, init_ms))
        self._release(worker, bool(result_meta.get("fatal")))
        error = "Unhandled" if result_meta.get("error") else None
        return Outcome(body, error, max_mb, init_ms, captured)

    async def _spawn(self) -> Worker:
        loop = asyncio.get_running_loop()
        worker = Worker(self)
        self.live.add(worker)
        try:
            transport, _ = await loop.subprocess_exec(
                lambda: worker,
                sys.executable,
                "-m",
                "frontgate.functions.bootstrap",
                cwd=self.spec.code_path,
                env=self._environment(),
                start_new_session=True,
            )
        except BaseException:
            self.live.discard(worker)
            raise
        if self.cpus is not None:
            pid = transport.get_pid()
            try:
                # Before the worker has read its first invocation, so the handler never runs on
                # the gateway's cores; children it starts inherit the set.
                os.sched_setaffinity(pid, self.cpus)
            except OSError as exc:
                log_once(f"function_cpus {sorted(self.cpus)} not applied: {exc}")
        return worker

    def _environment(self) -> dict[str, str]:
        spec = self.spec
        env = {k: os.environ[k] for k in _BASE_ENV if k in os.environ}
        env.update(spec.variables)
        stream = time.strftime("%Y/%m/%d/") + f"[{spec.version}]{os.urandom(16).hex()}"
        env.update(
            {
                "LAMBDA_TASK_ROOT": spec.code_path,
                "_HANDLER": spec.handler,
                "AWS_REGION": spec.region,
                "AWS_DEFAULT_REGION": spec.region,
                "AWS_EXECUTION_ENV": f"AWS_Lambda_python{_PY}",
                "AWS_LAMBDA_FUNCTION_NAME": spec.name,
                "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
                "AWS_LAMBDA_LOG_STREAM_NAME": stream,
                "TZ": ":UTC",
                "PYTHONUNBUFFERED": "1",
                # glibc reserves 64 MB of address space per thread arena; keep RLIMIT_AS meaningful.
                "MALLOC_ARENA_MAX": "2",
                "_FRONTGATE_MAX_PROCS": str(self.max_procs),
            }
        )
        return env

    def _release(self, worker: Worker, fatal: bool) -> None:
        if fatal or self.retired or worker.exit_detail is not None:
            worker.kill()
            self.forget(worker)
            return
        worker.last_used = time.monotonic()
        self.idle.append(worker)

    def forget(self, worker: Worker) -> None:
        self.live.discard(worker)
        try:
            self.idle.remove(worker)
        except ValueError:
            pass

    def shrink(self, idle_timeout: float) -> None:
        """Stop workers idle for longer than ``idle_timeout`` seconds (oldest first)."""
        cutoff = time.monotonic() - idle_timeout
        while self.idle and self.idle[0].last_used < cutoff:
            worker = self.idle.popleft()
            worker.kill()
            self.live.discard(worker)

    def retire(self) -> None:
        """A newer revision replaced this one: idle workers go now, busy ones when they finish."""
        self.retired = True
        while self.idle:
            worker = self.idle.popleft()
            worker.kill()
            self.live.discard(worker)


def _init_error_line(err: dict[str, Any]) -> str:
    return f"[ERROR] {err.get('errorType')}: {err.get('errorMessage')}"


def _timeout_payload(request_id: str, timeout: float) -> bytes:
    msg = f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds"
    return ('{"errorType":"Sandbox.Timedout","errorMessage":"' + msg + '"}').encode()


def _exit_payload(request_id: str, detail: str) -> bytes:
    msg = f"RequestId: {request_id} Error: Runtime exited with error: {detail}"
    return ('{"errorType":"Runtime.ExitError","errorMessage":"' + msg + '"}').encode()
