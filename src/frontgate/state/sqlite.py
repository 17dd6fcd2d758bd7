"""The embedded config store: one SQLite file in the data directory, WAL mode.

SQLite calls are synchronous; each is a few microseconds on a local file and runs only on the
control plane (admin writes, snapshot rebuilds), never on the request path.
"""

from __future__ import annotations

import asyncio
import builtins
import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from frontgate.state.migrations import MIGRATIONS, statements_for
from frontgate.state.store import Doc, parse_key


class SqliteTx:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    async def get(self, region: str, kind: str, parent: str, id: str) -> Doc | None:
        return _get(self._conn, region, kind, parent, id)

    async def list(self, region: str, kind: str, parent: str = "") -> builtins.list[Doc]:
        return _list(self._conn, region, kind, parent)

    async def put(self, region: str, kind: str, parent: str, id: str, doc: Doc) -> None:
        self._conn.execute(
            "INSERT INTO docs (region, kind, parent, id, body) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (region, kind, parent, id) DO UPDATE SET body = excluded.body",
            (region, kind, parent, id, json.dumps(doc, separators=(",", ":"))),
        )

    async def insert(self, region: str, kind: str, parent: str, id: str, doc: Doc) -> bool:
        cur = self._conn.execute(
            "INSERT INTO docs (region, kind, parent, id, body) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (region, kind, parent, id) DO NOTHING",
            (region, kind, parent, id, json.dumps(doc, separators=(",", ":"))),
        )
        return cur.rowcount > 0

    async def delete(self, region: str, kind: str, parent: str, id: str) -> bool:
        cur = self._conn.execute(
            "DELETE FROM docs WHERE region = ? AND kind = ? AND parent = ? AND id = ?",
            (region, kind, parent, id),
        )
        return cur.rowcount > 0

    async def delete_children(self, region: str, parent: str) -> int:
        cur = self._conn.execute(
            "DELETE FROM docs WHERE region = ? AND parent = ?", (region, parent)
        )
        return cur.rowcount


def _get(conn: sqlite3.Connection, region: str, kind: str, parent: str, id: str) -> Doc | None:
    row = conn.execute(
        "SELECT body FROM docs WHERE region = ? AND kind = ? AND parent = ? AND id = ?",
        (region, kind, parent, id),
    ).fetchone()
    return None if row is None else dict(json.loads(row[0]))


def _list(conn: sqlite3.Connection, region: str, kind: str, parent: str) -> builtins.list[Doc]:
    rows = conn.execute(
        "SELECT body FROM docs WHERE region = ? AND kind = ? AND parent = ? ORDER BY rowid",
        (region, kind, parent),
    ).fetchall()
    return [dict(json.loads(r[0])) for r in rows]


class SqliteStore:
    """ConfigStore on a SQLite file. Safe for several processes (SQLite's file locking)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        self._lock = asyncio.Lock()

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("store is not open")
        return self._conn

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves so each write is one transaction.
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
        conn.execute("PRAGMA journal_mode=WAL")
        # FULL: an acknowledged write survives power loss, not only a killed process.
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA busy_timeout=30000")
        self._conn = conn
        self._migrate()

    def _migrate(self) -> None:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
            current = row[0] or 0
            for version, statements in enumerate(MIGRATIONS, start=1):
                if version <= current:
                    continue
                for sql in statements_for("sqlite", statements):
                    conn.execute(sql)
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def get(self, region: str, kind: str, parent: str, id: str) -> Doc | None:
        return _get(self.conn, region, kind, parent, id)

    async def list(self, region: str, kind: str, parent: str = "") -> builtins.list[Doc]:
        return _list(self.conn, region, kind, parent)

    async def get_many(
        self, region: str, kind: str, parent: str, ids: builtins.list[str]
    ) -> dict[str, Doc]:
        out: dict[str, Doc] = {}
        for i in range(0, len(ids), 500):  # under SQLite's bound on a statement's variables
            chunk = ids[i : i + 500]
            rows = self.conn.execute(
                "SELECT id, body FROM docs WHERE region = ? AND kind = ? AND parent = ? "
                f"AND id IN ({', '.join('?' * len(chunk))})",
                (region, kind, parent, *chunk),
            ).fetchall()
            out.update((str(r[0]), dict(json.loads(r[1]))) for r in rows)
        return out

    async def list_page(
        self, region: str, kind: str, parent: str, after: str | None, limit: int
    ) -> tuple[builtins.list[tuple[str, Doc]], str | None]:
        rows = self.conn.execute(
            "SELECT rowid, body FROM docs WHERE region = ? AND kind = ? AND parent = ? "
            "AND rowid > ? ORDER BY rowid LIMIT ?",
            (region, kind, parent, parse_key(after), limit),
        ).fetchall()
        page = [(str(r[0]), dict(json.loads(r[1]))) for r in rows]
        return page, (page[-1][0] if page and len(page) == limit else None)

    async def list_all(self, kind: str) -> builtins.list[tuple[str, str, Doc]]:
        rows = self.conn.execute(
            "SELECT region, parent, body FROM docs WHERE kind = ? ORDER BY rowid", (kind,)
        ).fetchall()
        return [(r[0], r[1], dict(json.loads(r[2]))) for r in rows]

    @asynccontextmanager
    async def transaction(self, *, config: bool = True) -> AsyncIterator[SqliteTx]:
        async with self._lock:
            conn = self.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteTx(conn)
                if config:
                    conn.execute("UPDATE meta SET value = value + 1 WHERE name = 'generation'")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    async def generation(self) -> int:
        row = self.conn.execute("SELECT value FROM meta WHERE name = 'generation'").fetchone()
        return int(row[0])
