"""Warm worker processes for one function: reused across invocations, grown on demand up to the
function's concurrency (beyond it Lambda throttles instead of queueing), shrunk when idle. A worker
that times out, runs out of memory or crashes is killed with everything it started and replaced
by the next cold start.

An invocation on a warm worker runs without a Task or a Future: ``FunctionPool.submit`` writes
the frame, the worker's pipe callback settles the invocation's ``Deferred`` when the result
frame arrives, and one timer per pool (armed at the earliest deadline) ends invocations that run
out of time. Only a cold start (spawn, then wait for the runtime's init) runs in a Task.

When every warm worker is busy, an invocation within the concurrency waits for the first one to
free up, and a new worker is started only when the busy ones will not be free soon: they have
been taking longer than ``SLOW_HANDLER`` per invocation, or none has finished one for
``STUCK_AFTER`` (the handlers block now and then; or the function is new and its handler's
duration unknown).
No more than one cold start per CPU the workers run on (plus one) is under way at a time. A
short handler is thus served by a few warm processes however many requests arrive at once,
instead of one process per request: on a shared core, every extra busy process costs each
invocation a switch to a cold cache (docs/BENCHMARKS.md, "Lambda functions behind
AWS_PROXY"). A handler that blocks grows the pool as before, one cold start per CPU at a time.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import signal
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Final, cast

from frontgate.deferred import Deferred
from frontgate.functions import frames, logs, sandbox
from frontgate.functions.errors import TooManyRequests
from frontgate.functions.result import InvokeResult

_log = logging.getLogger("frontgate.functions")
_warned: set[str] = set()


def log_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        _log.warning("%s", message)


INIT_TIMEOUT = 10.0  # Lambda's limit on the init phase of an on-demand function, seconds
# A handler slower than this (ms, moving average) gets a worker per invocation: more of them
# pay off. Faster ones share a few warm workers.
SLOW_HANDLER: Final = 5.0
# Seconds without a finished invocation after which a pool of quick workers grows anyway. Longer
# than a busy gateway's loop iteration, so a saturated gateway does not read as stuck workers.
STUCK_AFTER: Final = 0.05
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


class WorkerGone(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Invocation:
    """One invocation, from submission until ``done`` is settled (exactly once) with an
    ``InvokeResult``: by the worker's result frame, its exit, or the timeout."""

    __slots__ = (
        "body",
        "caller_timer",
        "captured",
        "deadline",
        "done",
        "init_ms",
        "pool",
        "queued_at",
        "request_id",
        "start_logged",
        "started",
        "worker",
    )

    def __init__(
        self,
        pool: FunctionPool,
        request_id: str,
        body: bytes,
        done: Deferred[InvokeResult],
        tail: bool,
    ) -> None:
        self.pool = pool
        self.request_id = request_id
        self.body = body  # frames.invoke_body: the event, request id, ARN and client context
        self.done = done
        # This invocation's log text, kept only when the caller asked for it (LogType=Tail).
        self.captured: list[str] | None = [] if tail else None
        self.worker: Worker | None = None
        self.started = 0.0
        self.deadline = math.inf  # loop time at which the function's timeout ends it
        self.queued_at = 0.0
        self.init_ms: float | None = None  # the worker's init, reported by its first invocation
        self.caller_timer: asyncio.TimerHandle | None = None
        self.start_logged = True  # until it is sent to a worker: then START is owed

    def emit(self, text: str) -> None:
        """Append to the function's log; the START line goes out with the first text after
        the invocation began (one write for START, END and REPORT of a handler that logs
        nothing)."""
        if not self.start_logged:
            self.start_logged = True
            text = logs.start_line(self.request_id, self.pool.spec.version) + text
        self.pool.log.write(text)
        captured = self.captured
        if captured is not None:
            captured.append(text)

    def caller_gave_up(self) -> None:
        """The caller's own timeout (an integration timeout shorter than the function's): the
        caller gets a TimeoutError now; the invocation runs to its own end, as on AWS."""
        self.caller_timer = None
        self.done.fail(TimeoutError())

    def finished(
        self, error: bool, fatal: bool, maxrss_kb: int, handler_us: int, body: bytes
    ) -> None:
        """The worker's result frame."""
        pool = self.pool
        duration = (time.perf_counter() - self.started) * 1000
        self.emit(
            logs.end_lines(
                self.request_id, duration, pool.spec.memory_mb, maxrss_kb // 1024, self.init_ms
            )
        )
        worker = self.worker
        assert worker is not None
        pool.release(worker, fatal, handler_us / 1000)
        self._settle(body, "Unhandled" if error else None)

    def timed_out(self) -> None:
        """The function's timeout passed (or its worker's init did): Sandbox.Timedout."""
        spec = self.pool.spec
        self._lost()
        duration = self._elapsed_ms()
        self.emit(
            logs.end_lines(self.request_id, duration, spec.memory_mb, 0, self.init_ms, spec.timeout)
        )
        self._settle(_timeout_payload(self.request_id, spec.timeout), "Unhandled")

    def gone(self, detail: str) -> None:
        """The worker exited (crash, out of memory, os._exit) before answering."""
        self._lost()
        duration = self._elapsed_ms()
        self.emit(
            f"{logs.iso_now()} {self.request_id} Error: Runtime exited with error: "
            f"{detail}\nRuntime.ExitError\n"
        )
        self.emit(
            logs.end_lines(self.request_id, duration, self.pool.spec.memory_mb, 0, self.init_ms)
        )
        self._settle(_exit_payload(self.request_id, detail), "Unhandled")

    def _elapsed_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000 if self.started else 0.0

    def _lost(self) -> None:
        """Kill the worker this invocation ran on (with whatever it started, and its cgroup)."""
        worker = self.worker
        if worker is not None:
            self.worker = None
            worker.call = None
            worker.kill()
            self.pool.lost(worker, True)

    def _settle(self, payload: bytes, error: str | None) -> None:
        self.pool.in_flight -= 1
        timer = self.caller_timer
        if timer is not None:
            self.caller_timer = None
            timer.cancel()
        captured = self.captured
        tail = "".join(captured) if captured is not None else ""
        self.done.resolve(InvokeResult(payload, error, tail, self.pool.spec.version))


class Worker(asyncio.SubprocessProtocol):
    """One worker process; talks frames on its stdin/stdout, its stderr is raw log output."""

    def __init__(self, pool: FunctionPool) -> None:
        self.pool = pool
        self.transport: asyncio.SubprocessTransport | None = None
        self.stdin: asyncio.WriteTransport | None = None
        self.ready: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.call: Invocation | None = None  # the invocation it is running
        self.init_ms: float | None = None  # until its first invocation reports it
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
        try:
            for meta, body in self.decoder.feed(data):
                result = frames.result_meta(meta)
                if result is not None:
                    call = self.call
                    if call is not None:
                        self.call = None
                        error, fatal, maxrss_kb, handler_us = result
                        call.finished(error, fatal, maxrss_kb, handler_us, body)
                    continue
                doc = frames.worker_meta(meta)
                kind = doc.get("kind")
                if kind == frames.LOG:
                    self._log(body.decode("utf-8", "replace"))
                elif kind == frames.READY and not self.ready.done():
                    self.ready.set_result(doc)
        except ValueError as exc:  # not our framing: the handler wrote to the frame pipe
            self._log(f"[ERROR] worker protocol error: {exc}\n")
            self.kill()

    def _log(self, text: str) -> None:
        call = self.call
        if call is not None:
            call.emit(text)
        else:
            self.pool.log.write(text)

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
        if not self.ready.done():
            self.ready.set_exception(WorkerGone(self.exit_detail))
        call = self.call
        if call is not None:
            call.gone(self.exit_detail)  # kills what is left and tells the pool
        elif self in self.pool.live:
            self.pool.lost(self, False)

    def send(self, call: Invocation, deadline_ms: int) -> None:
        self.call = call
        stdin = self.stdin
        if stdin is None:
            assert self.transport is not None
            stdin = self.stdin = cast(asyncio.WriteTransport, self.transport.get_pipe_transport(0))
        stdin.write(frames.invoke_frame(deadline_ms, call.body))

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
        # Workers kept busy at once while invocations are short, and cold starts under way at
        # once: two per CPU the workers may use (one runs while the other's result travels to
        # the gateway and its next event comes back), plus one.
        self.eager = 2 * len(cpus if cpus else _inherited_cpus()) + 1
        self.idle: deque[Worker] = deque()
        self.live: set[Worker] = set()  # started, starting or busy; not yet killed
        self.waiting: deque[Invocation] = deque()  # submitted, no worker yet
        self.in_flight = 0  # submitted and not yet settled: what the concurrency limit counts
        self.busy = 0  # workers running an invocation
        self.starting = 0  # workers in their cold start
        self.handler_ms = 0.0  # moving average of the handler's own duration
        self.progress = 0.0  # loop time of the last finished invocation or ready worker
        self.retired = False
        self.loop = asyncio.get_running_loop()
        self._expiry: asyncio.TimerHandle | None = None  # at the earliest running deadline
        self._regrow: asyncio.TimerHandle | None = None  # when waiters will have waited enough
        self._tasks: set[asyncio.Task[None]] = set()

    def submit(self, call: Invocation) -> None:
        """Start ``call`` on a warm worker, or queue it for the next one (starting one when
        needed); fails its ``done`` with TooManyRequests beyond the function's concurrency."""
        if self.in_flight >= self.limit:
            reserved = self.spec.reserved is not None
            call.done.fail(
                TooManyRequests(
                    "Rate Exceeded.",
                    reason="ReservedFunctionConcurrentInvocationLimitExceeded"
                    if reserved
                    else "ConcurrentInvocationLimitExceeded",
                )
            )
            return
        self.in_flight += 1
        if self.idle and not self.waiting and (self.busy < self.eager or self._slow()):
            self._run(self.idle.pop(), call)  # the most recently used: the warmest
            return
        call.queued_at = self.loop.time()
        self.waiting.append(call)
        self._dispatch()

    def _slow(self) -> bool:
        """Whether invocations keep workers busy long enough that more of them pay off."""
        return self.handler_ms > SLOW_HANDLER

    def _dispatch(self) -> None:
        """Give waiting invocations to idle workers, and start workers, as far as the rules in
        the module's docstring allow; arm a timer for when waiting long enough lifts them."""
        waiting = self.waiting
        while waiting:
            slow = self._slow()
            if self.busy >= self.eager and not slow:
                since = max(self.progress, waiting[0].queued_at)
                if self.loop.time() - since < STUCK_AFTER:
                    # The busy workers are quick and will take these in turn.
                    if self._regrow is None:
                        self._regrow = self.loop.call_at(since + STUCK_AFTER, self._regrown)
                    return
                slow = True  # stuck: grow as for a slow handler
            if self.idle:
                self._run(self.idle.pop(), waiting.popleft())
            elif (
                len(waiting) > self.starting
                and self.starting < self.eager
                and len(self.live) < self.limit
                and (slow or len(self.live) < self.eager)
            ):
                self._cold()
            else:
                return  # a starting worker or a release will take the next one

    def _regrown(self) -> None:
        self._regrow = None
        self._dispatch()

    def _run(self, worker: Worker, call: Invocation) -> None:
        call.worker = worker
        call.init_ms, worker.init_ms = worker.init_ms, None
        self.busy += 1
        call.start_logged = False
        timeout = self.spec.timeout
        call.started = time.perf_counter()
        call.deadline = self.loop.time() + timeout
        worker.send(call, int((time.time() + timeout) * 1000))
        if self._expiry is None:
            self._expiry = self.loop.call_at(call.deadline, self._expire)

    def _expire(self) -> None:
        """End the invocations whose timeout has passed; re-arm at the next deadline."""
        self._expiry = None
        now = self.loop.time()
        earliest = math.inf
        for worker in list(self.live):
            call = worker.call
            if call is None:
                continue
            if call.deadline <= now:
                call.timed_out()
            elif call.deadline < earliest:
                earliest = call.deadline
        if earliest != math.inf:
            self._expiry = self.loop.call_at(earliest, self._expire)

    def _cold(self) -> None:
        self.starting += 1
        task = self.loop.create_task(self._start_worker())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _start_worker(self) -> None:
        """A cold start. When it fails, the first waiting invocation gets the error, as the
        one that asked for the worker would on Lambda."""
        worker: Worker | None = None
        started = time.perf_counter()
        try:
            worker = await self._spawn()
            ready = await asyncio.wait_for(asyncio.shield(worker.ready), INIT_TIMEOUT)
        except BaseException as exc:
            self.starting -= 1
            if worker is not None:
                worker.kill()
                self.lost(worker, False)
            failed = isinstance(exc, Exception)  # not a cancellation at shutdown
            call = self.waiting.popleft() if self.waiting and failed else None
            if call is not None:
                call.started = started
                if isinstance(exc, TimeoutError):
                    call.timed_out()
                elif isinstance(exc, WorkerGone):
                    call.gone(exc.detail)
                else:
                    self.in_flight -= 1
                    call.done.fail(exc)
            self._dispatch()
            if not failed:
                raise
            return
        self.starting -= 1
        worker.init_ms = (time.perf_counter() - started) * 1000
        if ready.get("init_error"):
            self.log.write(f"{_init_error_line(ready['init_error'])}\n")
        self.progress = self.loop.time()
        if worker.exit_detail is None:
            self.idle.append(worker)
        self._dispatch()

    async def _spawn(self) -> Worker:
        worker = Worker(self)
        self.live.add(worker)
        try:
            transport, _ = await self.loop.subprocess_exec(
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
        if env.get("PYTHONPATH"):
            # The worker starts in the function's directory: a relative entry ("src") would
            # name another tree there, and the worker would run another Frontgate's runtime.
            env["PYTHONPATH"] = os.pathsep.join(
                os.path.abspath(p) if p else p for p in env["PYTHONPATH"].split(os.pathsep)
            )
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

    def release(self, worker: Worker, fatal: bool, handler_ms: float) -> None:
        """A worker answered: it takes the next waiting invocation, goes idle, or is killed."""
        self.busy -= 1
        self.handler_ms += (handler_ms - self.handler_ms) * 0.125
        self.progress = self.loop.time()
        if fatal or worker.exit_detail is not None:
            worker.kill()
            self.forget(worker)
        elif self.retired and not self.waiting:
            worker.kill()
            self.forget(worker)
            self.retire()  # the last waiter is served: the idle ones go too
        else:
            worker.last_used = time.monotonic()
            self.idle.append(worker)
        if self.waiting:
            self._dispatch()

    def lost(self, worker: Worker, busy: bool) -> None:
        """A worker died or was killed outside ``release`` (timeout, crash, failed start)."""
        if busy:
            self.busy -= 1
        self.forget(worker)
        if self.waiting:
            self._dispatch()

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
        """A newer revision replaced this one: idle workers go now, busy ones once they have
        served the invocations already waiting here."""
        self.retired = True
        if self.waiting:
            return
        while self.idle:
            worker = self.idle.popleft()
            worker.kill()
            self.live.discard(worker)

    def close(self) -> None:
        """Shutdown: kill every worker and wait for their cgroups to go."""
        self.retired = True
        self.idle.clear()
        for handle in (self._expiry, self._regrow):
            if handle is not None:
                handle.cancel()
        for task in list(self._tasks):
            task.cancel()
        for worker in list(self.live):
            worker.kill(wait=True)


def _inherited_cpus() -> set[int]:
    """The CPUs a worker would inherit from this process (``taskset`` applies)."""
    try:
        return os.sched_getaffinity(0)
    except (AttributeError, OSError):  # not on Linux
        return set(range(os.cpu_count() or 1))


def _init_error_line(err: dict[str, Any]) -> str:
    return f"[ERROR] {err.get('errorType')}: {err.get('errorMessage')}"


def _timeout_payload(request_id: str, timeout: float) -> bytes:
    msg = f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds"
    return ('{"errorType":"Sandbox.Timedout","errorMessage":"' + msg + '"}').encode()


def _exit_payload(request_id: str, detail: str) -> bytes:
    msg = f"RequestId: {request_id} Error: Runtime exited with error: {detail}"
    return ('{"errorType":"Runtime.ExitError","errorMessage":"' + msg + '"}').encode()
