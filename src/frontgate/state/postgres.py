"""The shared config store: PostgreSQL through an asyncpg pool.

Several gateway nodes point at one database and see each other's commits; each node polls
``generation()`` to notice changes. Documents are stored as compact JSON text, exactly like the
SQLite store, so the two backends hold byte-identical bodies and share one migration list.
"""

from __future__ import annotations

import builtins
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from frontgate.outage import QuietPoolRetries
from frontgate.state.migrations import MIGRATIONS, statements_for
from frontgate.state.store import Doc, parse_key

DIALECT = "postgresql"


def _quote_ident(name: str) -> str:
    # Schema names come from configuration/tests, never from requests, but quote them anyway so
    # any name (mixed case, dashes) works and nothing can be injected into DDL.
    return '"' + name.replace('"', '""') + '"'


def _rowcount(status: str) -> int:
    # asyncpg returns the command tag ("DELETE 3"); the row count is its last word.
    return int(status.rsplit(" ", 1)[-1])


def _dumps(doc: Doc) -> str:
    return json.dumps(doc, separators=(",", ":"))


def _loads(body: str) -> Doc:
    return dict(json.loads(body))


async def _get(conn: Any, region: str, kind: str, parent: str, id: str) -> Doc | None:
    body = await conn.fetchval(
        "SELECT body FROM docs WHERE region = $1 AND kind = $2 AND parent = $3 AND id = $4",
        region,
        kind,
        parent,
        id,
    )
    return None if body is None else _loads(body)


async def _list(conn: Any, region: str, kind: str, parent: str) -> list[Doc]:
    rows = await conn.fetch(
        "SELECT body FROM docs WHERE region = $1 AND kind = $2 AND parent = $3 ORDER BY seq",
        region,
        kind,
        parent,
    )
    return [_loads(r[0]) for r in rows]


class PostgresTx:
    """Writes on one pooled connection inside an open PostgreSQL transaction."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    async def get(self, region: str, kind: str, parent: str, id: str) -> Doc | None:
        return await _get(self._conn, region, kind, parent, id)

    async def list(self, region: str, kind: str, parent: str = "") -> list[Doc]:
        return await _list(self._conn, region, kind, parent)

    async def put(self, region: str, kind: str, parent: str, id: str, doc: Doc) -> None:
        # The upsert leaves ``seq`` alone, so an updated document keeps its place in list().
        await self._conn.execute(
            "INSERT INTO docs (region, kind, parent, id, body) VALUES ($1, $2, $3, $4, $5) "
            "ON CONFLICT (region, kind, parent, id) DO UPDATE SET body = excluded.body",
            region,
            kind,
            parent,
            id,
            _dumps(doc),
        )

    async def insert(self, region: str, kind: str, parent: str, id: str, doc: Doc) -> bool:
        status = await self._conn.execute(
            "INSERT INTO docs (region, kind, parent, id, body) VALUES ($1, $2, $3, $4, $5) "
            "ON CONFLICT (region, kind, parent, id) DO NOTHING",
            region,
            kind,
            parent,
            id,
            _dumps(doc),
        )
        return _rowcount(status) > 0

    async def delete(self, region: str, kind: str, parent: str, id: str) -> bool:
        status = await self._conn.execute(
            "DELETE FROM docs WHERE region = $1 AND kind = $2 AND parent = $3 AND id = $4",
            region,
            kind,
            parent,
            id,
        )
        return _rowcount(status) > 0

    async def delete_children(self, region: str, parent: str) -> int:
        status = await self._conn.execute(
            "DELETE FROM docs WHERE region = $1 AND parent = $2", region, parent
        )
        return _rowcount(status)


def _quiet_pool_retries() -> None:
    pool_log = logging.getLogger("asyncpg.pool")
    if not any(isinstance(f, QuietPoolRetries) for f in pool_log.filters):
        pool_log.addFilter(QuietPoolRetries())


class PostgresStore:
    """ConfigStore on PostgreSQL. Any number of processes/nodes may share one database.

    ``schema`` puts every table in that schema (created if missing) instead of the DSN's default
    search_path; tests use a fresh schema each to stay isolated in one database.
    """

    def __init__(
        self, dsn: str, *, schema: str | None = None, min_size: int = 1, max_size: int = 4
    ) -> None:
        self.dsn = dsn
        self.schema = schema
        self._min_size = min_size
        self._max_size = max_size
        self._pool: Any = None

    @property
    def pool(self) -> Any:
        if self._pool is None:
            raise RuntimeError("store is not open")
        return self._pool

    async def open(self) -> None:
        settings: dict[str, str] = {"application_name": "frontgate"}
        if self.schema is not None:
            # Set per connection at startup so every pooled connection (including ones the pool
            # opens later) resolves unqualified table names in our schema.
            settings["search_path"] = _quote_ident(self.schema)
        _quiet_pool_retries()
        pool = await asyncpg.create_pool(
            self.dsn,
            min_size=self._min_size,
            max_size=self._max_size,
            server_settings=settings,
        )
        try:
            await self._migrate(pool)
        except BaseException:
            await pool.close()
            raise
        self._pool = pool

    async def _migrate(self, pool: Any) -> None:
        async with pool.acquire() as conn, conn.transaction():
            # A transaction-scoped advisory lock serialises concurrent starters: the second
            # waits here, then sees the first one's schema_version rows and applies nothing.
            # It is released automatically at COMMIT/ROLLBACK, even if this process dies.
            await conn.execute(
                "SELECT pg_advisory_xact_lock(hashtext($1))",
                f"frontgate.migrations:{self.schema or ''}",
            )
            if self.schema is not None:
                await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {_quote_ident(self.schema)}")
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
            )
            current = await conn.fetchval("SELECT MAX(version) FROM schema_version") or 0
            for version, steps in enumerate(MIGRATIONS, start=1):
                if version <= current:
                    continue
                for sql in statements_for(DIALECT, steps):
                    await conn.execute(sql)
                await conn.execute("INSERT INTO schema_version (version) VALUES ($1)", version)

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    async def get(self, region: str, kind: str, parent: str, id: str) -> Doc | None:
        async with self.pool.acquire() as conn:
            return await _get(conn, region, kind, parent, id)

    async def list(self, region: str, kind: str, parent: str = "") -> list[Doc]:
        async with self.pool.acquire() as conn:
            return await _list(conn, region, kind, parent)

    async def get_many(
        self, region: str, kind: str, parent: str, ids: builtins.list[str]
    ) -> dict[str, Doc]:
        if not ids:
            return {}
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT id, body FROM docs WHERE region = $1 AND kind = $2 AND parent = $3 "
                "AND id = ANY($4::text[])",
                region,
                kind,
                parent,
                ids,
            )
        return {str(r[0]): _loads(r[1]) for r in rows}

    async def list_page(
        self, region: str, kind: str, parent: str, after: str | None, limit: int
    ) -> tuple[builtins.list[tuple[str, Doc]], str | None]:
        start = parse_key(after)
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT seq, body FROM docs WHERE region = $1 AND kind = $2 AND parent = $3 "
                "AND seq > $4 ORDER BY seq LIMIT $5",
                region,
                kind,
                parent,
                start,
                limit,
            )
        page = [(str(r[0]), _loads(r[1])) for r in rows]
        return page, (page[-1][0] if page and len(page) == limit else None)

    async def list_all(self, kind: str) -> builtins.list[tuple[str, str, Doc]]:
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT region, parent, body FROM docs WHERE kind = $1 ORDER BY seq", kind
            )
        return [(str(r[0]), str(r[1]), _loads(r[2])) for r in rows]

    @asynccontextmanager
    async def transaction(self, *, config: bool = True) -> AsyncIterator[PostgresTx]:
        async with self.pool.acquire() as conn, conn.transaction():
            yield PostgresTx(conn)
            # Same transaction as the writes: other nodes never see new documents under an
            # old generation, and a rollback (exception above) leaves the generation alone.
            if config:
                await conn.execute("UPDATE meta SET value = value + 1 WHERE name = 'generation'")

    async def generation(self) -> int:
        async with self.pool.acquire() as conn:
            value = await conn.fetchval("SELECT value FROM meta WHERE name = 'generation'")
        return int(value)
