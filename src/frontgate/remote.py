"""CLI commands that talk to a running node's admin API (so they work against remote nodes)."""

from __future__ import annotations

from typing import Any


def add_remote_commands(sub: Any) -> None:
    """Registered by later work: ``import``, ``export``, ``status``."""
    return None
