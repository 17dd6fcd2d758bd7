"""Versioned schema migrations shared by the SQLite and PostgreSQL stores (portable SQL)."""

from __future__ import annotations

from collections.abc import Sequence

# A step is portable SQL (a ``str``) or, for the rare backend-specific DDL, a mapping from dialect
# (``"sqlite"`` / ``"postgresql"``) to SQL; a dialect missing from the mapping skips that step.
# Both stores record the same version numbers, so a version means the same thing everywhere.
Step = str | dict[str, str]

# Each entry is applied once, in order, inside a transaction; the applied version is recorded in
# the ``schema_version`` table. Append only: never edit a migration that has shipped.
MIGRATIONS: list[list[Step]] = [
    [
        """CREATE TABLE IF NOT EXISTS docs (
            region TEXT NOT NULL,
            kind TEXT NOT NULL,
            parent TEXT NOT NULL,
            id TEXT NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (region, kind, parent, id)
        )""",
        "CREATE INDEX IF NOT EXISTS docs_parent ON docs (region, parent)",
        "CREATE INDEX IF NOT EXISTS docs_kind ON docs (kind)",
        """CREATE TABLE IF NOT EXISTS meta (
            name TEXT PRIMARY KEY,
            value BIGINT NOT NULL
        )""",
        "INSERT INTO meta (name, value) VALUES ('generation', 0)",
    ],
    [
        # list() returns documents in first-insert order. SQLite has that for free (rowid survives
        # an upsert); PostgreSQL has no stable physical order, so it gets an explicit sequence.
        {"postgresql": "ALTER TABLE docs ADD COLUMN IF NOT EXISTS seq BIGSERIAL"},
    ],
    [
        # list_page() walks one collection in list() order from a key: an index on the
        # collection plus the insert order makes that a range read of one page. SQLite appends
        # the rowid to every index entry, so (region, kind, parent) is ordered by rowid already.
        {
            "sqlite": "CREATE INDEX IF NOT EXISTS docs_list ON docs (region, kind, parent)",
            "postgresql": (
                "CREATE INDEX IF NOT EXISTS docs_list ON docs (region, kind, parent, seq)"
            ),
        },
    ],
]


def statements_for(dialect: str, steps: Sequence[Step]) -> list[str]:
    """The SQL to run for ``dialect`` from one migration's steps."""
    out: list[str] = []
    for step in steps:
        if isinstance(step, str):
            out.append(step)
        elif dialect in step:
            out.append(step[dialect])
    return out
