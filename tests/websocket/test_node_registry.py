"""``node.NodeRegistry``: the workers of one node without Redis reach each other's connections
over Unix sockets (three registries stand for three worker processes), and each way a sibling
can fail answers AWS's status (410 gone, 500 a sibling that does not answer)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

from tests.websocket.test_cluster_registry import Held

from frontgate.websocket.node import NodeRegistry


def _run(body: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(body())  # type: ignore[arg-type]


def test_calls_reach_a_sibling_worker(tmp_path: Path) -> None:
    async def body() -> None:
        regs = [NodeRegistry(str(tmp_path), slot, 3) for slot in range(3)]
        for reg in regs:
            await reg.start()
        held = Held()
        regs[1].add(held)
        cid = held.connection_id
        for caller in (regs[0], regs[2], regs[0]):
            assert caller.lookup("api1", "dev", cid) is None
            call = caller.remote("api1", "dev", cid, "POST", "hé".encode())
            assert call is not None and await call == (200, b"")
        assert held.posted == ["hé", "hé", "hé"]
        got = regs[2].remote("api1", "dev", cid, "GET", b"")
        assert got is not None
        status, doc = await got
        assert status == 200 and json.loads(doc)["identity"]["userAgent"] == "agent/1"
        others = [("api2", "dev", cid), ("api1", "prod", cid), ("api1", "dev", "nobody=")]
        for api, stage, conn_id in [*others, ("api1", "dev", "a\nb")]:
            gone = regs[0].remote(api, stage, conn_id, "POST", b"x")
            assert gone is not None and await gone == (410, b"")
        delete = regs[0].remote("api1", "dev", cid, "DELETE", b"")
        assert delete is not None and await delete == (204, b"")
        assert held.disconnected and held.posted == ["hé", "hé", "hé"]
        regs[1].remove(held)
        after = regs[0].remote("api1", "dev", cid, "POST", b"x")
        assert after is not None and await after == (410, b"")
        for reg in regs:
            await reg.close()

    _run(body)


def test_one_worker_has_no_siblings(tmp_path: Path) -> None:
    assert NodeRegistry(str(tmp_path), 0, 1).remote("a", "dev", "c=", "POST", b"") is None


def test_sibling_not_listening_or_stopped_is_gone(tmp_path: Path) -> None:
    """A sibling slot nobody listens on (its worker restarting) holds no connection; an owner
    that stopped took its connections with it."""

    async def body() -> None:
        a, b = NodeRegistry(str(tmp_path), 0, 3), NodeRegistry(str(tmp_path), 1, 3)
        await a.start()
        await b.start()  # slot 2: never started
        held = Held()
        b.add(held)
        first = a.remote("api1", "dev", held.connection_id, "POST", b"x")
        assert first is not None and await first == (200, b"")
        await b.close()
        gone = a.remote("api1", "dev", held.connection_id, "POST", b"x")
        assert gone is not None and await gone == (410, b"")
        assert held.posted == ["x"]
        await a.close()

    _run(body)


def test_sibling_that_never_answers_is_500(tmp_path: Path) -> None:
    async def body() -> None:
        heard = asyncio.Event()

        async def mute(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readexactly(4)
            heard.set()
            await reader.read()  # reads, never answers
            writer.close()

        a = NodeRegistry(str(tmp_path), 0, 2, timeout=0.3)
        await a.start()
        stuck = await asyncio.start_unix_server(mute, a.path(1))
        call = a.remote("api1", "dev", "c=", "POST", b"x")
        assert call is not None and await call == (500, b"")
        assert heard.is_set()
        stuck.close()
        await a.close()

    _run(body)


def test_failing_call_is_500_and_the_channel_survives(tmp_path: Path) -> None:
    class Failing(Held):
        def post(self, text: str) -> None:
            raise RuntimeError("the connection broke")

    async def body() -> None:
        a, b = NodeRegistry(str(tmp_path), 0, 2), NodeRegistry(str(tmp_path), 1, 2)
        await a.start()
        await b.start()
        bad, good = Failing(), Held()
        b.add(bad)
        b.add(good)
        failed = a.remote("api1", "dev", bad.connection_id, "POST", b"x")
        assert failed is not None and await failed == (500, b"")
        after = a.remote("api1", "dev", good.connection_id, "POST", b"y")
        assert after is not None and await after == (200, b"")
        assert good.posted == ["y"]
        await a.close()
        await b.close()

    _run(body)
