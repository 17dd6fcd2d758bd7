"""Choose the config store from the ``--state`` setting."""

from __future__ import annotations

from pathlib import Path

from frontgate.state.store import ConfigStore


def open_store(state: str | None, data_dir: Path) -> ConfigStore:
    """``None``/``sqlite`` → ``{data_dir}/frontgate.db``; ``sqlite:///path``; ``postgresql://…``."""
    if state is None or state in ("", "sqlite"):
        from frontgate.state.sqlite import SqliteStore

        return SqliteStore(data_dir / "frontgate.db")
    if state.startswith("sqlite:///"):
        from frontgate.state.sqlite import SqliteStore

        return SqliteStore(state[len("sqlite:///") - 1 :])
    if state.startswith(("postgresql://", "postgres://")):
        from frontgate.state.postgres import PostgresStore

        return PostgresStore(state)
    raise ValueError(f"unknown --state {state!r}: use sqlite, sqlite:///PATH or postgresql://…")
