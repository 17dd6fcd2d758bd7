"""``cluster.RedisRegistry`` against a real Redis: two registries stand for two worker processes
(of one node or two); an ``@connections`` call made on one reaches a connection the other
holds, and each way it can fail answers AWS's status (410 gone, 500 owner unknown).

Every test uses its own key prefix, so parallel runs never see each other's entries."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from frontgate.counters.resp import RedisUrl, RespConnection
from frontgate.websocket.cluster import RedisRegistry

pytestmark = pytest.mark.redis


class Held:
    """An open connection as the registry sees it (``registry.Connection``): what the owner
    did with it is what a client would have seen."""

    def __init__(self, api_id: str = "api1", stage_name: str = "dev") -> None:
        self.connection_id = uuid.uuid4().hex[:14] + "="
        self.api_id = api_id
        self.stage_name = stage_name
        self.connected_at = time.time() - 5
        self.last_active_at = time.time()
        self.source_ip = "127.0.0.1"
        self.user_agent = "agent/1"
        self.posted: list[str] = []
        self.disconnected = False

    def post(self, text: str) -> None:
        self.posted.append(text)

    def disconnect(self) -> None:
        self.disconnected = True


def _run(redis_url: str, body: Callable[[str], Awaitable[None]]) -> None:
    asyncio.run(body(f"fgtest:{uuid.uuid4().hex[:10]}:ws:"))


@asynccontextmanager
async def _registry(url: str, prefix: str, **kwargs: Any) -> AsyncIterator[RedisRegistry]:
    reg = RedisRegistry(url, prefix=prefix, **kwargs)
    await reg.start()
    try:
        yield reg
    finally:
        await reg.close()


async def _redis(url: str) -> RespConnection:
    return await RedisUrl(url).open(2.0)


async def _settled(reg: RedisRegistry) -> None:
    """The registry's fire-and-forget writes have reached Redis (one connection: in order)."""
    assert reg._cmd is not None
    await reg._cmd.call("PING")


def test_post_get_delete_across_registries(redis_url: str) -> None:
    async def body(prefix: str) -> None:
        async with (
            _registry(redis_url, prefix) as a,
            _registry(redis_url, prefix) as b,
        ):
            held = Held()
            a.add(held)
            await _settled(a)
            cid = held.connection_id
            assert b.lookup("api1", "dev", cid) is None  # not b's own
            assert await b.remote("api1", "dev", cid, "POST", "héllo".encode()) == (200, b"")
            assert held.posted == ["héllo"]
            status, got = await b.remote("api1", "dev", cid, "GET", b"")
            assert status == 200
            doc = json.loads(got)
            assert doc["identity"] == {"sourceIp": "127.0.0.1", "userAgent": "agent/1"}
            assert doc["connectedAt"] < doc["lastActiveAt"]
            assert await b.remote("api1", "dev", cid, "DELETE", b"") == (204, b"")
            assert held.disconnected
            # Another API's or stage's call never reaches it (the owner checks).
            assert await b.remote("api2", "dev", cid, "POST", b"x") == (410, b"")
            assert await b.remote("api1", "prod", cid, "POST", b"x") == (410, b"")
            assert await b.remote("api1", "dev", "nobody=", "POST", b"x") == (410, b"")
            assert await b.remote("api1", "dev", "bad\nid", "POST", b"x") == (410, b"")
            assert held.posted == ["héllo"]

    _run(redis_url, body)


def test_removed_connection_is_gone(redis_url: str) -> None:
    async def body(prefix: str) -> None:
        r = await _redis(redis_url)
        async with _registry(redis_url, prefix) as a, _registry(redis_url, prefix) as b:
            held = Held()
            a.add(held)
            await _settled(a)
            assert await r.call("GET", f"{prefix}c:{held.connection_id}") == a.target.encode()
            a.remove(held)
            await _settled(a)
            assert await r.call("EXISTS", f"{prefix}c:{held.connection_id}") == 0
            assert await b.remote("api1", "dev", held.connection_id, "POST", b"x") == (410, b"")
            assert held.posted == []
        r.transport.close()  # type: ignore[union-attr]

    _run(redis_url, body)


def test_clean_stop_deletes_entries(redis_url: str) -> None:
    async def body(prefix: str) -> None:
        r = await _redis(redis_url)
        async with _registry(redis_url, prefix) as b:
            a = RedisRegistry(redis_url, prefix=prefix)
            await a.start()
            held = [Held(), Held()]
            for h in held:
                a.add(h)
            await _settled(a)
            assert await r.call("EXISTS", f"{prefix}hb:{a.target}") == 1
            await a.close()
            keys = await r.call("KEYS", prefix + "*")
            assert not [k for k in keys if a.target.encode() in k or b"c:" in k]
            for h in held:
                assert await b.remote("api1", "dev", h.connection_id, "GET", b"") == (410, b"")
        r.transport.close()  # type: ignore[union-attr]

    _run(redis_url, body)


def test_dead_owner_unknown_then_gone(redis_url: str) -> None:
    """An owner that stops answering without a clean stop (killed): while its heartbeat lives
    its connections' state is unknown (500); once it lapsed they are gone (410)."""

    async def body(prefix: str) -> None:
        r = await _redis(redis_url)
        async with _registry(redis_url, prefix) as b:
            a = RedisRegistry(redis_url, node_ttl=0.6, prefix=prefix)
            await a.start()
            held = Held()
            a.add(held)
            await _settled(a)
            # Killed: no more heartbeat, no subscription, nothing deleted.
            assert a._task is not None
            a._task.cancel()
            a._drop()
            cid = held.connection_id
            assert await b.remote("api1", "dev", cid, "POST", b"x") == (500, b"")
            deadline = time.monotonic() + 10
            while await r.call("EXISTS", f"{prefix}hb:{a.target}"):
                assert time.monotonic() < deadline
                await asyncio.sleep(0.05)
            assert await b.remote("api1", "dev", cid, "POST", b"x") == (410, b"")
            assert await r.call("EXISTS", f"{prefix}c:{cid}") == 0  # the stale entry dropped
            assert held.posted == []
        r.transport.close()  # type: ignore[union-attr]

    _run(redis_url, body)


def test_owner_that_never_replies_is_500(redis_url: str) -> None:
    """A live heartbeat and a subscriber on the owner's channel, but no reply within the
    timeout (a process stuck): 500, never a hang."""

    async def body(prefix: str) -> None:
        r = await _redis(redis_url)
        heard: list[bytes] = []
        mute = await RedisUrl(redis_url).open(2.0, lambda _ch, data: heard.append(data))
        await mute.call("SUBSCRIBE", f"{prefix}to:stuck")
        await r.call("SET", f"{prefix}hb:stuck", "1", "EX", 30)
        await r.call("SET", f"{prefix}c:held=", "stuck", "EX", 30)
        async with _registry(redis_url, prefix, timeout=0.3) as b:
            assert await b.remote("api1", "dev", "held=", "POST", b"x") == (500, b"")
        assert len(heard) == 1 and heard[0].endswith(b"\nheld=\nx")
        await r.call("DEL", f"{prefix}hb:stuck", f"{prefix}c:held=")
        for conn in (r, mute):
            conn.transport.close()  # type: ignore[union-attr]

    _run(redis_url, body)


def test_redis_unreachable() -> None:
    """No Redis: start-up goes on, local connections work, calls elsewhere answer 500."""

    async def body() -> None:
        reg = RedisRegistry("redis://127.0.0.1:9/0", timeout=0.3, retry_interval=0.1)
        await reg.start()
        held = Held()
        reg.add(held)
        assert reg.lookup("api1", "dev", held.connection_id) is held
        assert await reg.remote("api1", "dev", "other=", "POST", b"x") == (500, b"")
        reg.remove(held)
        assert reg.count() == 0
        await reg.close()

    asyncio.run(body())


def test_entries_written_again_after_reconnect(redis_url: str) -> None:
    """Redis lost the entries (restarted) and the connection dropped: once reconnected, the
    owner writes its heartbeat and its connections' entries again."""

    async def body(prefix: str) -> None:
        r = await _redis(redis_url)
        async with (
            _registry(redis_url, prefix, node_ttl=0.6, retry_interval=0.05) as a,
            _registry(redis_url, prefix) as b,
        ):
            held = Held()
            a.add(held)
            await _settled(a)
            keys = await r.call("KEYS", prefix + "*")
            await r.call("DEL", *keys)
            a._drop()
            deadline = time.monotonic() + 10
            while await r.call("EXISTS", f"{prefix}c:{held.connection_id}") == 0:
                assert time.monotonic() < deadline
                await asyncio.sleep(0.05)
            # Garbage on its channel does not hurt it.
            await r.call("PUBLISH", f"{prefix}to:{a.target}", b"C\nnot a command")
            cid = held.connection_id
            assert await b.remote("api1", "dev", cid, "POST", b"back") == (200, b"")
            assert held.posted == ["back"]
        r.transport.close()  # type: ignore[union-attr]

    _run(redis_url, body)
