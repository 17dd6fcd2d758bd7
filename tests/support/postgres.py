"""Scratch databases on the local PostgreSQL server, for tests that start nodes on a state store
of their own."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


async def _fetch(dsn: str, sql: str) -> list[Any]:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(dsn)
    try:
        return list(await conn.fetch(sql))
    finally:
        await conn.close()


def query(dsn: str, sql: str) -> list[Any]:
    """Run ``sql`` on ``dsn``; its rows."""
    return asyncio.run(_fetch(dsn, sql))


@contextmanager
def fresh_database(postgres_dsn: str) -> Iterator[str]:
    """The DSN of a brand-new database on ``postgres_dsn``'s server, dropped afterwards (FORCE:
    a node left running does not keep it)."""
    name = f"frontgate_{uuid.uuid4().hex[:12]}"
    query(postgres_dsn, f'CREATE DATABASE "{name}"')
    try:
        yield f"{postgres_dsn.rsplit('/', 1)[0]}/{name}"
    finally:
        query(postgres_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
