"""The WebSocket data plane of one worker: the listener's upgrade handler (which API and stage
a handshake names, then a ``session.Session`` takes the connection), ``$disconnect`` calls, and
the ``@connections`` integration the HTTP pipeline dispatches to (``compile.websocket``)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from frontgate import ids
from frontgate.http.message import Request, Response
from frontgate.http.write_batch import WriteBatch, batch_for
from frontgate.websocket import domains, events, messages, telemetry
from frontgate.websocket.handshake import BadHandshake, read_offer, refuse
from frontgate.websocket.integrations import Call, call
from frontgate.websocket.registry import LocalRegistry, Registry, execute
from frontgate.websocket.session import Session
from frontgate.websocket.timers import DeadlineWheel

if TYPE_CHECKING:
    from frontgate.http.server import HttpProtocol
    from frontgate.pipeline.context import Context
    from frontgate.pipeline.env import Env
    from frontgate.pipeline.runner import Pipeline
    from frontgate.snapshot.snapshot import Integration, Stage

log = logging.getLogger("frontgate.websocket")

MAX_POST_BYTES = 128 * 1024  # @connections POST: AWS's message size limit


@dataclass(frozen=True, slots=True)
class WsLimits:
    """AWS's WebSocket quotas (settable for tests: ``Settings.websocket_idle_timeout``...)."""

    idle_timeout: float = 600.0  # 10 minutes
    max_duration: float = 7200.0  # 2 hours
    max_frame_bytes: int = 32 * 1024
    max_message_bytes: int = 128 * 1024
    max_backlog: int = 1024 * 1024  # flow.py: unsent bytes per connection
    stall_timeout: float = 30.0  # flow.py: how long a backlog may stay over max_backlog
    max_in_flight: int = 64  # flow.py: a connection's messages at their integrations at once


class WebSocketGateway:
    def __init__(
        self, pipeline: Pipeline, limits: WsLimits | None = None, registry: Registry | None = None
    ) -> None:
        self.pipeline = pipeline
        self.limits = limits or WsLimits()
        self.registry: Registry = registry if registry is not None else LocalRegistry()
        # The idle timeout and maximum duration of every open connection, on one loop timer.
        self.wheel = DeadlineWheel(min(self.limits.idle_timeout, self.limits.max_duration))
        self._tasks: set[asyncio.Task[Any]] = set()
        self._batch: WriteBatch | None = None

    def batch(self) -> WriteBatch:
        """The worker loop's write batch (sessions write what they post through it)."""
        batch = self._batch
        if batch is None:
            batch = self._batch = batch_for(asyncio.get_running_loop())
        return batch

    @property
    def env(self) -> Env:
        return self.pipeline.env

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- the upgrade handler (http.server.UpgradeHandler) ---------------------------------------

    def upgrade(
        self, request: Request, transport: asyncio.Transport, rest: bytes, http: HttpProtocol
    ) -> bool:
        """Take a handshake for a deployed WebSocket API stage; False for anything else (the
        HTTP pipeline answers it as a plain request)."""
        found = self._stage(request)
        if found is None:
            return False
        stage, domain_name = found
        if stage.websocket is None:
            return False
        try:
            offer = read_offer(request)
        except BadHandshake as exc:
            transport.write(refuse(exc.status, ids.request_ids()[1], str(exc), exc.headers))
            transport.close()
            return True
        session = Session(
            self, http, transport, request, offer, stage.websocket, domain_name, rest, stage
        )
        transport.pause_reading()
        transport.set_protocol(session)
        http.upgraded = session.shutdown
        self.spawn(session.open())
        return True

    def _stage(self, request: Request) -> tuple[Stage, str] | None:
        """The WebSocket stage a handshake names (Host ``{apiId}.execute-api.{domain}`` or
        the path form), and the ``domainName`` its events carry: the Host as sent, or for the
        path form ``{Host}/_aws/execute-api/{apiId}``, so that ``http://{domainName}/{stage}``
        reaches this gateway either way."""
        env = self.env
        snap = self.pipeline.snapshot
        host = request.host
        name = host.rsplit(":", 1)[0].lower() if not host.endswith("]") else host.lower()
        path = request.target.partition("?")[0]
        if snap.domains and name in snap.domains:
            return domains.mapped_stage(snap, name, host, path)
        api_id = ""
        domain_name = host
        if name.endswith(env.host_suffix):
            api_id = name[: -len(env.host_suffix)]
        if path.startswith(env.path_prefix) and api_id not in snap.api_ids:
            api_id, _, path = path[len(env.path_prefix) :].partition("/")
            path = "/" + path
            domain_name = f"{host}{env.path_prefix}{api_id}"
        stage_name = path[1:].partition("/")[0]
        stage = snap.stages.get((api_id, stage_name))
        if stage is None or stage.websocket is None or api_id in snap.disabled_execute_api:
            return None
        return stage, domain_name

    # -- lifecycle ------------------------------------------------------------------------------

    def disconnected(self, session: Session, status: int, reason: str) -> None:
        """``$disconnect``, best effort: its answer goes nowhere."""
        route = session.stage.routes.get("$disconnect")
        request_id = ids.request_ids()[1]
        ev = None
        if session.stage.observe is not None:
            ev = telemetry.disconnect(session, request_id, status, reason)
        if route is None or route.integration is None:
            if ev is not None:
                telemetry.done(ev)
            return
        integ = route.integration
        event = events.disconnect_event(session, status, reason, request_id, time.time())
        # The same $context as the connection's other routes (domainName, connectedAt,
        # identity...), so a template reads $context.domainName on $disconnect too.
        context = messages.template_context(session, "$disconnect", "DISCONNECT", request_id)

        async def run() -> None:
            c = Call(session.stage, "$disconnect", "", None, event, context)
            try:
                env = self.env
                await (call(env, integ, c) if ev is None else telemetry.call(ev, env, integ, c))
            except Exception as exc:
                log.info("%s $disconnect: %s", session.api_id, exc)

        self.spawn(run())

    # -- @connections (the HTTP pipeline's WS_CONNECTIONS integration) ---------------------------

    def connections_call(
        self, ctx: Context, env: Env, integ: Integration
    ) -> Awaitable[None] | None:
        """POST (send a message), GET (describe), DELETE (disconnect) one connection; 410
        GoneException when it is not open. A connection of this process is served at once;
        another one through the registry (``node.NodeRegistry``: another worker of this node;
        ``cluster.RedisRegistry``: another worker or node). A slow reader's POST: 429."""
        ctx.integration_latency = 0
        connection_id = unquote(ctx.path_params.get("connectionId", ""))
        conn = self.registry.lookup(ctx.api_id, ctx.stage_name, connection_id)
        method = ctx.request.method
        body = ctx.request.body
        if method == "POST" and len(body) > MAX_POST_BYTES:
            ctx.response = _error(413, "PayloadTooLargeException", "Message too long")
            return None
        if conn is None:
            elsewhere = self.registry.remote(
                ctx.api_id, ctx.stage_name, connection_id, method, body
            )
            if elsewhere is not None:
                return _answer_later(ctx, elsewhere)
        ctx.response = _answer(*execute(conn, method, body))
        return None


async def _answer_later(ctx: Context, reply: Awaitable[tuple[int, bytes]]) -> None:
    ctx.response = _answer(*await reply)


def _answer(status: int, body: bytes) -> Response:
    if status == 200:
        return Response(200, [("Content-Type", "application/json")], body)
    if status == 204:
        return Response(204)
    if status == 410:
        return _error(410, "GoneException", None)
    if status == 429:  # the client's side buffer is full (flow.backlogged)
        return _error(429, "LimitExceededException", "Limit Exceeded")
    # The owner could not be asked (Redis down, no answer in time): its state is unknown.
    return _error(500, "InternalServerErrorException", "Internal server error")


def _error(status: int, error_type: str, message: str | None) -> Response:
    return Response(
        status,
        [("Content-Type", "application/json"), ("x-amzn-ErrorType", error_type)],
        json.dumps({"message": message}).encode(),
    )
