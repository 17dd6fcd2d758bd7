"""``FunctionInvoker``: the one entry point for running a function, local or remote. Pipeline
stages reach it as ``env.functions``; the Lambda API's Invoke uses it too.

It never reads the store. Which functions exist, who may invoke them and which code runs them
come with each snapshot (``Snapshot.functions``, a ``functions.table.FunctionTable``) and are
adopted as the snapshot is swapped in (``adopt``). The table is complete for its generation, so
it answers for unknown functions too: a name it does not hold is "not found" at once until the
next snapshot. A function whose code or configuration changed between two tables has its warm
workers retired, so the next invocation runs the new code; a change of its policy alone keeps
them."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from frontgate import fastjson, ids
from frontgate.deferred import Deferred, wait
from frontgate.functions import errors, frames, logs, permissions
from frontgate.functions.arns import function_arn, parse_function
from frontgate.functions.pool import FunctionPool, Invocation, RunSpec
from frontgate.functions.proxy_event import V1Parts
from frontgate.functions.remote_invoke import RemoteLambda
from frontgate.functions.result import InvokeResult
from frontgate.functions.table import FunctionDef, FunctionTable
from frontgate.upstream.pool import UpstreamPool

log = logging.getLogger("frontgate.functions")

MAX_REQUEST = 6291456  # Lambda's synchronous invocation payload quota (6 MB)
MAX_ASYNC_REQUEST = 1048576  # the asynchronous (Event) quota: 1 MB since 2024 (was 256 KB)
ASYNC_RETRIES = 2  # Lambda's default MaximumRetryAttempts for asynchronous invocations

# An event: JSON text; a JSON-compatible object (dicts, lists, str, int, float, bool, None;
# never tuples, and no container twice, so marshal gives the worker what JSON would); or the
# parts of a v1 proxy event, which a local worker assembles itself.
Payload = bytes | dict[str, Any] | V1Parts


def _run_spec(fn: FunctionDef) -> RunSpec:
    return RunSpec(
        name=fn.name,
        arn=fn.arn,
        region=fn.region,
        handler=fn.handler,
        code_path=fn.code_path,
        memory_mb=fn.memory_mb,
        timeout=fn.timeout,
        variables=dict(fn.variables),
        reserved=fn.reserved,
    )


class _Entry:
    """A function this process can run: its definition, and the runtime state made for it."""

    __slots__ = ("account", "allowed", "fn", "pool", "spec")

    def __init__(self, fn: FunctionDef, account: str) -> None:
        self.fn = fn
        self.spec = _run_spec(fn)
        self.account = account
        self.pool: FunctionPool | None = None
        # Source ARN -> whether the resource policy allows it; an entry is rebuilt whenever the
        # function (and so its policy) changes, which empties this.
        self.allowed: dict[str, bool] = {}

    def allows(self, source_arn: str) -> bool:
        allowed = self.allowed.get(source_arn)
        if allowed is None:
            if len(self.allowed) > 4096:
                self.allowed.clear()
            allowed = self.allowed[source_arn] = self.fn.allows(source_arn, self.account)
        return allowed


class FunctionInvoker:
    def __init__(
        self,
        data_path: Path,
        *,
        account_id: str,
        region: str,
        upstream: UpstreamPool | None = None,
        lambda_endpoint: str | None = None,
        concurrency: int = 100,
        idle_timeout: float = 300.0,
        max_procs: int = 128,
        housekeeping_interval: float = 1.0,
        cpus: frozenset[int] | None = None,
        retry_delay: float = 60.0,
        log_rotation: tuple[int, float] = (100 * 1024 * 1024, 86400.0),
    ) -> None:
        self.log_rotation = log_rotation  # (bytes, seconds): --log-rotate-bytes and -age
        self.retry_delay = retry_delay  # before an asynchronous invocation's first retry
        self.data_path = data_path
        self.account_id = account_id
        self.region = region
        self.concurrency = concurrency
        self.idle_timeout = idle_timeout
        self.max_procs = max_procs
        self.housekeeping_interval = housekeeping_interval  # how often idle workers are stopped
        self.cpus = cpus
        self.remote = (
            RemoteLambda(lambda_endpoint, upstream) if lambda_endpoint and upstream else None
        )
        self.table = FunctionTable()  # the last adopted
        # What the Lambda API's Invoke read from the store ahead of the table:
        # (region, name) -> (store generation it read at, definition or None when deleted).
        self._ahead: dict[tuple[str, str], tuple[int, FunctionDef | None]] = {}
        self._entries: dict[tuple[str, str], _Entry] = {}
        # FunctionName/ARN as callers spell it -> (region, name, canonical ARN, is local).
        self._refs: dict[str, tuple[str, str, str, bool]] = {}
        self._logs: dict[tuple[str, str], logs.FunctionLog] = {}
        self._task: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[Any]] = set()

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._housekeeping())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        for task in list(self._background):
            task.cancel()
        for entry in self._entries.values():
            if entry.pool is not None:
                entry.pool.close()
        for flog in self._logs.values():
            flog.close()

    async def _housekeeping(self) -> None:
        while True:
            await asyncio.sleep(self.housekeeping_interval)
            for entry in self._entries.values():
                if entry.pool is not None:
                    entry.pool.shrink(self.idle_timeout)

    # -- the function table ---------------------------------------------------------------------

    def adopt(self, table: FunctionTable) -> None:
        """Serve the functions of ``table`` (a snapshot's, as it is swapped in): functions it
        does not hold are gone, and those whose code or configuration changed retire their warm
        workers. Synchronous: no invocation sees half of it."""
        self.table = table
        # A read the table has caught up with is the table's business again.
        self._ahead = {k: v for k, v in self._ahead.items() if v[0] > table.generation}
        wanted: dict[tuple[str, str], FunctionDef | None] = {
            key: fn for key, fn in table.functions.items()
        }
        for key, (_generation, fn) in self._ahead.items():
            wanted[key] = fn
        for key in [k for k in self._entries if wanted.get(k) is None]:
            self._drop(key)
        for key, fn in wanted.items():
            if fn is not None:
                self._install(key, fn)

    def catch_up(self, region: str, name: str, found: FunctionDef | None, generation: int) -> None:
        """The Lambda API's Invoke (a management call, not the data plane's request path) read
        this function from the store at ``generation`` (``found`` None: it does not exist): run
        that, ahead of the snapshot that will carry it, so a function another worker or node
        just created or changed is invoked as it now is. A table of a later generation wins."""
        if generation <= self.table.generation:
            return  # the table read the store after this did
        key = (region, name)
        current = self._entries.get(key)
        if (None if current is None else current.fn) == found:
            return
        self._ahead[key] = (generation, found)
        if found is None:
            self._drop(key)
        else:
            self._install(key, found)

    def _install(self, key: tuple[str, str], fn: FunctionDef) -> None:
        old = self._entries.get(key)
        if old is not None and (old.fn is fn or old.fn == fn):
            return  # unchanged: keep its policy answers and warm workers
        entry = _Entry(fn, self.account_id)
        if old is not None and old.spec == entry.spec:
            entry.pool = old.pool  # only the policy changed: keep the warm workers
        elif old is not None and old.pool is not None:
            old.pool.retire()  # new code or configuration: the next invocation starts afresh
        self._entries[key] = entry

    def _drop(self, key: tuple[str, str]) -> None:
        old = self._entries.pop(key, None)
        if old is not None and old.pool is not None:
            old.pool.retire()

    def log_of(self, region: str, name: str) -> logs.FunctionLog:
        flog = self._logs.get((region, name))
        if flog is None:
            flog = self._logs[(region, name)] = logs.FunctionLog(
                logs.log_path(self.data_path, region, name), *self.log_rotation
            )
        return flog

    # -- invocation -----------------------------------------------------------------------------

    def _known(self, function: str) -> tuple[_Entry | None, str, str]:
        """(local entry, or None for a remote or unknown function; region; canonical ARN) for
        a FunctionName/ARN, from the table alone."""
        resolved = self._refs.get(function)
        if resolved is None:
            ref = parse_function(function)  # Raises for a malformed name: never cached.
            region = ref.region or self.region
            arn = function_arn(region, ref.account or self.account_id, ref.name)
            local = ref.account in (None, self.account_id)
            if len(self._refs) > 4096:
                self._refs.clear()
            resolved = self._refs[function] = (region, ref.name, arn, local)
        region, name, arn, local = resolved
        return self._entries.get((region, name)) if local else None, region, arn

    def begin(
        self,
        function_arn: str,
        payload: Payload,
        *,
        source_arn: str | None,
        timeout: float | None = None,
        client_context: str | None = None,
        tail: bool = False,
        request_id: str | None = None,
    ) -> Deferred[InvokeResult]:
        """Run a function synchronously (RequestResponse); the result arrives through the
        returned ``Deferred``.

        ``payload`` is the event: JSON text (the Lambda API's Invoke), a JSON-compatible object
        the gateway built (authorizers), or a v1 proxy event's parts (``V1Parts``: AWS_PROXY),
        which a local worker receives without a JSON round trip and assembles itself.
        ``source_arn`` set means API Gateway is the caller: the function's resource policy
        must allow it (``errors.AccessDenied`` otherwise). ``timeout`` bounds the caller's
        wait (the function keeps its own timeout). Fails with
        ``errors.LambdaError`` subclasses (not found, throttled, payload too large) and
        ``TimeoutError`` when ``timeout`` passes first. ``tail`` keeps the invocation's log
        for ``InvokeResult.log_tail``. ``request_id``: an asynchronous invocation's retries
        keep its id, as on Lambda."""
        done: Deferred[InvokeResult] = Deferred()
        try:
            entry, region, arn = self._known(function_arn)
            if entry is not None:
                self._start_local(
                    entry, payload, source_arn, timeout, client_context, tail, done, request_id
                )
                return done
            if self.remote is None:
                raise errors.not_found(arn)
        except Exception as exc:
            done.fail(exc)
            return done
        # Not a function of this gateway, and a remote Lambda is configured: in a Task.
        task = asyncio.get_running_loop().create_task(
            self._start_remote(function_arn, region, payload, timeout, done)
        )
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return done

    async def _start_remote(
        self,
        function_arn: str,
        region: str,
        payload: Payload,
        timeout: float | None,
        done: Deferred[InvokeResult],
    ) -> None:
        assert self.remote is not None
        try:
            body = _json_payload(payload)
            if len(body) > MAX_REQUEST:
                raise _too_large()
            wait = timeout if timeout is not None else 900.0
            result = await self.remote.invoke(function_arn, region, body, wait, "RequestResponse")
        except Exception as exc:
            done.fail(exc)
            return
        done.resolve(result)

    def _start_local(
        self,
        entry: _Entry,
        payload: Payload,
        source_arn: str | None,
        timeout: float | None,
        client_context: str | None,
        tail: bool,
        done: Deferred[InvokeResult],
        request_id: str | None = None,
    ) -> None:
        if source_arn is not None and not entry.allows(source_arn):
            raise _denied(entry, source_arn)
        pool = entry.pool
        if pool is None or pool.retired:
            pool = entry.pool = FunctionPool(
                entry.spec,
                self.log_of(entry.spec.region, entry.spec.name),
                self.concurrency,
                self.max_procs,
                self.cpus,
            )
        if request_id is None:
            request_id = ids.request_id()
        body = _invoke_body(request_id, entry.spec.arn, client_context, payload)
        call = Invocation(pool, request_id, body, done, tail)
        if timeout is not None and timeout < entry.spec.timeout + 1:
            # The caller gives up first; the invocation runs to its own end, as on AWS.
            call.caller_timer = pool.loop.call_later(timeout, call.caller_gave_up)
        pool.submit(call)

    async def invoke(
        self,
        function_arn: str,
        payload: Payload,
        *,
        source_arn: str | None,
        timeout: float | None = None,
        client_context: str | None = None,
        tail: bool = False,
        request_id: str | None = None,
    ) -> InvokeResult:
        """``begin`` for coroutines."""
        return await wait(
            self.begin(
                function_arn,
                payload,
                source_arn=source_arn,
                timeout=timeout,
                client_context=client_context,
                tail=tail,
                request_id=request_id,
            )
        )

    async def invoke_event(
        self, function_arn: str, payload: bytes, *, source_arn: str | None = None
    ) -> None:
        """InvocationType=Event: checks now, runs in the background (202 to the caller).
        ``source_arn`` as for ``begin`` (API Gateway's ``X-Amz-Invocation-Type: Event``)."""
        entry, region, arn = self._known(function_arn)
        if entry is not None and source_arn is not None and not entry.allows(source_arn):
            raise _denied(entry, source_arn)
        if len(payload) > MAX_ASYNC_REQUEST:
            raise errors.RequestTooLarge(
                f"Request must be smaller than {MAX_ASYNC_REQUEST} bytes for the "
                "InvokeAsync operation"
            )
        if entry is None and self.remote is None:
            raise errors.not_found(arn)

        async def run() -> None:
            if entry is None and self.remote is not None:
                try:  # the remote Lambda queues and retries it
                    await self.remote.invoke(function_arn, region, payload, 900.0, "Event")
                except Exception as exc:
                    log.warning("asynchronous invocation of %s failed: %s", arn, exc)
                return
            await self._run_event(function_arn, arn, payload)

        task = asyncio.get_running_loop().create_task(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _run_event(self, function_arn: str, arn: str, payload: bytes) -> None:
        """An asynchronous invocation, as Lambda runs one: a function error (an exception, a
        timeout, a crash) or a throttle is retried twice, after ``retry_delay`` and then twice
        that (Lambda: one and two minutes), under the same request id."""
        request_id = ids.request_id()
        for attempt in range(ASYNC_RETRIES + 1):
            try:
                result = await self.invoke(
                    function_arn, payload, source_arn=None, request_id=request_id
                )
                if result.function_error is None:
                    return
                why = f"function error {result.payload[:200].decode('utf-8', 'replace')}"
            except errors.TooManyRequests:
                why = "throttled"
            except Exception as exc:  # gone, or the gateway is stopping: nothing to retry
                log.warning("asynchronous invocation %s of %s failed: %s", request_id, arn, exc)
                return
            if attempt < ASYNC_RETRIES:
                delay = self.retry_delay * (attempt + 1)
                log.info(
                    "asynchronous invocation %s of %s: %s; retry %d in %.1f s",
                    request_id, arn, why, attempt + 1, delay,
                )  # fmt: skip
                await asyncio.sleep(delay)
        log.warning(
            "asynchronous invocation %s of %s failed %d times (%s); dropped",
            request_id, arn, ASYNC_RETRIES + 1, why,
        )  # fmt: skip


def _denied(entry: _Entry, source_arn: str) -> errors.AccessDenied:
    return errors.AccessDenied(
        f"The resource policy of {entry.spec.arn} does not allow principal "
        f"{permissions.APIGATEWAY} to perform lambda:InvokeFunction with source ARN "
        f"{source_arn} (add one with: aws lambda add-permission --function-name "
        f"{entry.spec.name} --principal {permissions.APIGATEWAY} --action "
        f"lambda:InvokeFunction --statement-id <id> --source-arn <pattern>)"
    )


def _invoke_body(request_id: str, arn: str, client_context: str | None, payload: Payload) -> bytes:
    """The invoke frame's body for a local worker; raises RequestTooLarge."""
    if isinstance(payload, bytes):
        if len(payload) > MAX_REQUEST:
            raise _too_large()
        return frames.invoke_body(request_id, arn, client_context, frames.EVENT_JSON, payload)
    try:
        if isinstance(payload, V1Parts):
            kind = frames.EVENT_V2_PARTS if payload.v2 else frames.EVENT_V1_PARTS
            body = frames.invoke_body(request_id, arn, client_context, kind, payload.parts)
        else:
            body = frames.invoke_body(request_id, arn, client_context, frames.EVENT_OBJECT, payload)
    except ValueError:  # not marshallable: only JSON will do
        return _invoke_body(request_id, arn, client_context, _json_payload(payload))
    # Lambda's quota counts the event's JSON; the sizes are close, so encode only when near.
    if len(body) > MAX_REQUEST // 2 and len(_json_payload(payload)) > MAX_REQUEST:
        raise _too_large()
    return body


def _json_payload(payload: Payload) -> bytes:
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, V1Parts):
        return fastjson.dumps(payload.event()).encode()
    return fastjson.dumps(payload).encode()


def _too_large() -> errors.RequestTooLarge:
    return errors.RequestTooLarge(
        f"Request must be smaller than {MAX_REQUEST} bytes for the InvokeFunction operation"
    )
