"""One behavioural suite for every ConfigStore backend (SQLite and PostgreSQL).

Each test runs once per backend. The PostgreSQL variant gets a fresh schema in the local ``test``
database and drops it afterwards; it skips (or fails under CI) when PostgreSQL is not running.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from frontgate.state.migrations import MIGRATIONS
from frontgate.state.postgres import PostgresStore
from frontgate.state.sqlite import SqliteStore
from frontgate.state.store import ConfigStore

T = TypeVar("T")
Run = Callable[[Coroutine[Any, Any, T]], T]

R1, R2 = "us-east-1", "eu-west-1"


@dataclass
class Backend:
    name: str
    # A new, unopened store on the same database: that is what a second process/node would get.
    make: Callable[[], ConfigStore]
    # argv tail for the crash-test child: enough for it to build the same store.
    child_args: list[str]
    sqlite_path: Path | None = None


async def _drop_schema(dsn: str, schema: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "sqlite":
        path = tmp_path / "state" / "frontgate.db"
        yield Backend("sqlite", lambda: SqliteStore(path), ["sqlite", str(path)], path)
        return
    dsn: str = request.getfixturevalue("postgres_dsn")
    schema = f"fg_test_{uuid.uuid4().hex[:12]}"
    yield Backend(
        "postgres",
        lambda: PostgresStore(dsn, schema=schema, max_size=2),
        ["postgres", dsn, schema],
    )
    asyncio.run(_drop_schema(dsn, schema))


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    # One loop per test: an asyncpg pool is bound to the loop that created it, so the store's
    # open, use and close must all happen on the same loop.
    loop = asyncio.new_event_loop()
    yield loop
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


@pytest.fixture
def run(loop: asyncio.AbstractEventLoop) -> Run[Any]:
    return loop.run_until_complete


@pytest.fixture
def store(backend: Backend, run: Run[Any]) -> Iterator[ConfigStore]:
    s = backend.make()
    run(s.open())
    yield s
    run(s.close())


def test_put_get_update_delete(store: ConfigStore, run: Run[Any]) -> None:
    async def body() -> None:
        assert await store.get(R1, "restapi", "", "a1") is None
        async with store.transaction() as tx:
            await tx.put(R1, "restapi", "", "a1", {"id": "a1", "name": "first", "n": [1, 2]})
            # Reads inside the transaction see its own uncommitted writes.
            assert await tx.get(R1, "restapi", "", "a1") == {
                "id": "a1",
                "name": "first",
                "n": [1, 2],
            }
        assert await store.get(R1, "restapi", "", "a1") == {
            "id": "a1",
            "name": "first",
            "n": [1, 2],
        }
        # Same id in another region, kind or parent is a different document.
        assert await store.get(R2, "restapi", "", "a1") is None
        assert await store.get(R1, "resource", "", "a1") is None
        assert await store.get(R1, "restapi", "x", "a1") is None

        async with store.transaction() as tx:
            await tx.put(R1, "restapi", "", "a1", {"id": "a1", "name": "renamed ✓"})
        assert await store.get(R1, "restapi", "", "a1") == {"id": "a1", "name": "renamed ✓"}

        async with store.transaction() as tx:
            assert await tx.delete(R1, "restapi", "", "a1") is True
            assert await tx.delete(R1, "restapi", "", "a1") is False
            assert await tx.get(R1, "restapi", "", "a1") is None
        assert await store.get(R1, "restapi", "", "a1") is None

    run(body())


def test_list_keeps_insert_order_across_updates(store: ConfigStore, run: Run[Any]) -> None:
    async def body() -> None:
        ids = ["zz", "aa", "mm", "bb"]  # deliberately not sorted
        for i in ids:
            async with store.transaction() as tx:
                await tx.put(R1, "resource", "api1", i, {"id": i, "v": 1})
        async with store.transaction() as tx:
            await tx.put(R1, "resource", "api2", "other", {"id": "other"})
            await tx.put(R2, "resource", "api1", "elsewhere", {"id": "elsewhere"})
            # Updating an existing document must not move it to the end.
            await tx.put(R1, "resource", "api1", "zz", {"id": "zz", "v": 2})
            assert [d["id"] for d in await tx.list(R1, "resource", "api1")] == ids
        docs = await store.list(R1, "resource", "api1")
        assert [d["id"] for d in docs] == ids
        assert docs[0] == {"id": "zz", "v": 2}
        assert await store.list(R1, "resource", "nope") == []
        assert await store.list(R1, "restapi") == []

    run(body())


def test_delete_children_and_list_all(store: ConfigStore, run: Run[Any]) -> None:
    async def body() -> None:
        async with store.transaction() as tx:
            await tx.put(R1, "restapi", "", "api1", {"id": "api1"})
            await tx.put(R2, "restapi", "", "api2", {"id": "api2"})
            await tx.put(R1, "resource", "api1", "r1", {"id": "r1"})
            await tx.put(R1, "stage", "api1", "prod", {"stageName": "prod"})
            await tx.put(R1, "resource", "api9", "r9", {"id": "r9"})
            await tx.put(R2, "resource", "api1", "r1", {"id": "r1-eu"})

        assert await store.list_all("restapi") == [
            (R1, "", {"id": "api1"}),
            (R2, "", {"id": "api2"}),
        ]
        # Insert order across regions and parents, like list().
        assert [(r, p, d["id"]) for r, p, d in await store.list_all("resource")] == [
            (R1, "api1", "r1"),
            (R1, "api9", "r9"),
            (R2, "api1", "r1-eu"),
        ]

        async with store.transaction() as tx:
            # Every kind under that parent, in that region only.
            assert await tx.delete_children(R1, "api1") == 2
            assert await tx.delete_children(R1, "api1") == 0
        assert await store.list(R1, "resource", "api1") == []
        assert await store.list(R1, "stage", "api1") == []
        assert await store.list(R1, "resource", "api9") == [{"id": "r9"}]
        assert await store.list(R2, "resource", "api1") == [{"id": "r1-eu"}]
        assert await store.get(R1, "restapi", "", "api1") == {"id": "api1"}
        assert await store.list_all("nothing") == []

    run(body())


class Boom(Exception):
    pass


def test_rollback_on_exception_and_generation(store: ConfigStore, run: Run[Any]) -> None:
    async def body() -> None:
        g0 = await store.generation()
        async with store.transaction() as tx:
            await tx.put(R1, "restapi", "", "keep", {"id": "keep"})
            await tx.put(R1, "resource", "keep", "r", {"id": "r"})
        assert await store.generation() == g0 + 1

        with pytest.raises(Boom):
            async with store.transaction() as tx:
                await tx.put(R1, "restapi", "", "gone", {"id": "gone"})
                await tx.put(R1, "restapi", "", "keep", {"id": "keep", "changed": True})
                assert await tx.delete(R1, "resource", "keep", "r") is True
                raise Boom
        # Nothing from the failed transaction is visible, and the generation did not move.
        assert await store.get(R1, "restapi", "", "gone") is None
        assert await store.get(R1, "restapi", "", "keep") == {"id": "keep"}
        assert await store.list(R1, "resource", "keep") == [{"id": "r"}]
        assert await store.generation() == g0 + 1

        # Several writes in one transaction bump the generation exactly once.
        async with store.transaction() as tx:
            for i in range(5):
                await tx.put(R1, "resource", "keep", f"x{i}", {"id": f"x{i}"})
        assert await store.generation() == g0 + 2

        # The store is still usable after a rollback (connection/lock released).
        async with store.transaction() as tx:
            await tx.put(R1, "restapi", "", "after", {"id": "after"})
        assert await store.get(R1, "restapi", "", "after") == {"id": "after"}
        assert await store.generation() == g0 + 3

    run(body())


def test_two_instances_share_state(backend: Backend, store: ConfigStore, run: Run[Any]) -> None:
    async def body() -> None:
        other = backend.make()
        await other.open()
        try:
            g = await other.generation()
            async with store.transaction() as tx:
                await tx.put(R1, "restapi", "", "a", {"id": "a"})
            assert await other.get(R1, "restapi", "", "a") == {"id": "a"}
            assert await other.generation() == g + 1

            async with other.transaction() as tx:
                await tx.put(R1, "restapi", "", "b", {"id": "b"})
            assert [d["id"] for d in await store.list(R1, "restapi")] == ["a", "b"]
            assert await store.generation() == g + 2
        finally:
            await other.close()

    run(body())


def test_concurrent_transactions_count_once_each(store: ConfigStore, run: Run[Any]) -> None:
    async def body() -> None:
        g0 = await store.generation()

        async def write(i: int) -> None:
            async with store.transaction() as tx:
                await tx.put(R1, "item", "", f"i{i}", {"i": i})
                await asyncio.sleep(0)  # let the others interleave

        await asyncio.gather(*(write(i) for i in range(10)))
        assert await store.generation() == g0 + 10
        assert len(await store.list(R1, "item")) == 10

    run(body())


def test_migrations_idempotent_on_reopen(backend: Backend, run: Run[Any]) -> None:
    async def body() -> None:
        s = backend.make()
        await s.open()
        async with s.transaction() as tx:
            await tx.put(R1, "restapi", "", "a", {"id": "a"})
        await s.close()
        for _ in range(2):
            s = backend.make()
            await s.open()
            try:
                assert await s.get(R1, "restapi", "", "a") == {"id": "a"}
                assert await s.generation() == 1
            finally:
                await s.close()

        # Two instances opening at the same time must not race each other's migrations.
        fresh = [backend.make() for _ in range(3)]
        await asyncio.gather(*(f.open() for f in fresh))
        for f in fresh:
            await f.close()
        assert await _schema_versions(backend) == list(range(1, len(MIGRATIONS) + 1))

    run(body())


async def _schema_versions(backend: Backend) -> list[int]:
    if backend.sqlite_path is not None:
        conn = sqlite3.connect(backend.sqlite_path)
        try:
            rows = conn.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
        finally:
            conn.close()
        return [int(r[0]) for r in rows]
    store = backend.make()
    assert isinstance(store, PostgresStore)
    await store.open()
    try:
        async with store.pool.acquire() as conn:
            rows = await conn.fetch("SELECT version FROM schema_version ORDER BY version")
        return [int(r[0]) for r in rows]
    finally:
        await store.close()


# The crash-test child: commits transactions of two documents each (an item and its child) and
# prints each id only after its commit returned, i.e. once the write is acknowledged.
CHILD = r"""
import asyncio, sys
from frontgate.state.postgres import PostgresStore
from frontgate.state.sqlite import SqliteStore

async def main() -> None:
    if sys.argv[1] == "sqlite":
        store = SqliteStore(sys.argv[2])
    else:
        store = PostgresStore(sys.argv[2], schema=sys.argv[3], max_size=1)
    await store.open()
    pad = "x" * 2000
    for i in range(100000):
        async with store.transaction() as tx:
            await tx.put("us-east-1", "item", "", f"i{i}", {"i": i, "pad": pad})
            await tx.put("us-east-1", "child", f"i{i}", "c", {"i": i})
        sys.stdout.write(f"i{i}\n")
        sys.stdout.flush()

asyncio.run(main())
"""


def test_kill_9_mid_write_loses_nothing_acknowledged(
    backend: Backend, run: Run[Any], tmp_path: Path
) -> None:
    # Make sure the schema exists before the child starts, so it is writing (not migrating)
    # by the time it is killed.
    s = backend.make()
    run(s.open())
    run(s.close())

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, *backend.child_args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    acknowledged: list[str] = []
    try:
        assert child.stdout is not None
        for line in child.stdout:
            acknowledged.append(line.strip())
            if len(acknowledged) >= 40:
                break
        # SIGKILL: no atexit, no finally, no close(); the next write is most likely in flight.
        os.kill(child.pid, signal.SIGKILL)
        rest, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL, err
    # Only complete lines count: the kill may cut the last one mid-write (e.g. "i" of "i41").
    acknowledged += [ln.strip() for ln in rest.splitlines(keepends=True) if ln.endswith("\n")]
    assert len(acknowledged) >= 40, err

    async def check() -> None:
        store = backend.make()
        await store.open()  # opens cleanly: no stuck lock, no half-applied migration
        try:
            items = {d["i"] for d in await store.list("us-east-1", "item")}
            stored = {f"i{i}" for i in items}
            missing = [a for a in acknowledged if a not in stored]
            assert missing == []
            # No torn transactions: every committed item has its child, and vice versa.
            children = {p for _, p, _ in await store.list_all("child")}
            assert children == stored
            # Exactly one generation per committed transaction; the in-flight one (committed
            # or not) may be at most one past the last acknowledged.
            assert await store.generation() == len(stored)
            assert len(acknowledged) <= len(stored) <= len(acknowledged) + 1
            # And the store is writable again.
            async with store.transaction() as tx:
                await tx.put("us-east-1", "item", "", "after", {"i": -1})
        finally:
            await store.close()

    run(check())
    if backend.sqlite_path is not None:
        conn = sqlite3.connect(backend.sqlite_path)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        finally:
            conn.close()


def test_non_config_write_does_not_bump_generation(store: ConfigStore, run: Run[Any]) -> None:
    """Usage counts are written with config=False: committed, but no snapshot rebuild."""

    async def body() -> None:
        before = await store.generation()
        async with store.transaction(config=False) as tx:
            await tx.put(R1, "usage", "plan1", "key1:2026-11-25", {"used": 3})
        assert await store.generation() == before
        assert await store.get(R1, "usage", "plan1", "key1:2026-11-25") == {"used": 3}
        async with store.transaction() as tx:
            await tx.put(R1, "restapi", "", "a9", {"id": "a9"})
        assert await store.generation() == before + 1

    run(body())


def test_list_page_walks_the_list_order_from_a_key(store: ConfigStore, run: Run[Any]) -> None:
    async def body() -> None:
        ids = [f"r{(i * 37) % 101:03d}" for i in range(101)]  # list order is not id order
        async with store.transaction() as tx:
            for i in ids:
                await tx.put(R1, "resource", "api1", i, {"id": i})
            await tx.put(R1, "resource", "api2", "other", {"id": "other"})
            await tx.put(R2, "resource", "api1", "elsewhere", {"id": "elsewhere"})
        for limit in (1, 2, 25, 500):
            seen: list[str] = []
            after: str | None = None
            while True:
                rows, after = await store.list_page(R1, "resource", "api1", after, limit)
                assert len(rows) <= limit
                seen += [doc["id"] for _key, doc in rows]
                if after is None:
                    break
                assert after == rows[-1][0]
            assert seen == ids == [d["id"] for d in await store.list(R1, "resource", "api1")]

        # Keys stay valid across writes: a deleted key's successors, an updated document in
        # place, new documents at the end; nothing else skips or repeats.
        rows, after = await store.list_page(R1, "resource", "api1", None, 10)
        async with store.transaction() as tx:
            await tx.delete(R1, "resource", "api1", ids[9])  # the page's last (the key)
            await tx.delete(R1, "resource", "api1", ids[10])  # the next page's first
            await tx.put(R1, "resource", "api1", ids[11], {"id": ids[11], "v": 2})
            await tx.put(R1, "resource", "api1", "new", {"id": "new"})
        rest: list[str] = []
        while after is not None:
            more, after = await store.list_page(R1, "resource", "api1", after, 7)
            rest += [doc["id"] for _key, doc in more]
        assert rest == [*ids[11:], "new"]

        assert await store.list_page(R1, "resource", "nothing", None, 5) == ([], None)
        for bad in ("x", "-1", "1.5", "99999999999999999999", "١٢"):
            with pytest.raises(ValueError):
                await store.list_page(R1, "resource", "api1", bad, 5)

    run(body())


def test_list_page_reads_an_index_range(
    backend: Backend, store: ConfigStore, run: Run[Any]
) -> None:
    """The page query walks the collection index from the key: no scan, no sort."""

    async def body() -> str:
        if backend.sqlite_path is not None:
            conn = sqlite3.connect(backend.sqlite_path)
            try:
                rows = conn.execute(
                    "EXPLAIN QUERY PLAN SELECT rowid, body FROM docs WHERE region = ? AND "
                    "kind = ? AND parent = ? AND rowid > ? ORDER BY rowid LIMIT ?",
                    (R1, "resource", "api1", 5, 10),
                ).fetchall()
            finally:
                conn.close()
            return " ".join(str(r[-1]) for r in rows)
        assert isinstance(store, PostgresStore)
        async with store.pool.acquire() as conn:
            await conn.execute("SET enable_seqscan = off")
            rows = await conn.fetch(
                "EXPLAIN SELECT seq, body FROM docs WHERE region = $1 AND kind = $2 AND "
                "parent = $3 AND seq > $4 ORDER BY seq LIMIT $5",
                R1,
                "resource",
                "api1",
                5,
                10,
            )
            await conn.execute("RESET enable_seqscan")
        return " ".join(str(r[0]) for r in rows)

    plan = run(body())
    assert "docs_list" in plan, plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


def test_get_many_reads_the_ids_that_exist_in_one_call(store: ConfigStore, run: Run[Any]) -> None:
    async def go() -> None:
        async with store.transaction(config=False) as tx:
            for i in range(1200):  # more than one SQLite statement's worth of variables
                await tx.put(R1, "usage", "p1", f"k:{i}", {"used": i})
            await tx.put(R1, "usage", "p2", "k:1", {"used": -1})  # another parent
            await tx.put(R2, "usage", "p1", "k:1", {"used": -2})  # another region
        ids = [f"k:{i}" for i in range(0, 1300, 3)]
        got = await store.get_many(R1, "usage", "p1", ids)
        assert got == {f"k:{i}": {"used": i} for i in range(0, 1200, 3)}
        assert await store.get_many(R1, "usage", "p1", []) == {}
        assert await store.get_many(R1, "usage", "p3", ["k:1"]) == {}

    run(go())
