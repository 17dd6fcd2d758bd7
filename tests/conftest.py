"""Shared fixtures: locating the external services (PostgreSQL, Redis) the suite can use.

Locally a missing service SKIPs its tests with the command that starts it. Under CI (``CI`` set)
the same situation FAILs, so a broken CI image can never turn into a silently green run.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Iterator
from typing import NoReturn

import pytest

# The access-control gateway (OIDC issuer, IAM users) shared by tests/iam, tests/auth and
# tests/pipeline/test_validation.py.
pytest_plugins = ["tests.support.access"]

POSTGRES_HOST = "127.0.0.1"
POSTGRES_PORT = 5432
POSTGRES_DATABASE = "test"
# Trust auth locally; which role exists depends on the image, so try the usual two.
POSTGRES_USERS = ("postgres", "root")
POSTGRES_HINT = (
    f"PostgreSQL not reachable at {POSTGRES_HOST}:{POSTGRES_PORT}: start it with: "
    "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
)

REDIS_HOST = "127.0.0.1"
REDIS_PORT = 6379
REDIS_HINT = (
    f"Redis not reachable at {REDIS_HOST}:{REDIS_PORT}: start it with: "
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" '
    "--appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files holding a ``slow`` test first, each file's tests kept together and in order. The
    suite runs on two workers that take a whole file at a time, in this order (pyproject.toml's
    ``--dist=loadfile``): a long file started last would leave one worker alone at the end."""
    slow = {item.path for item in items if item.get_closest_marker("slow") is not None}
    rank = {path: i for i, path in enumerate(dict.fromkeys(item.path for item in items))}
    items.sort(key=lambda item: (item.path not in slow, rank[item.path]))


def service_unavailable(message: str) -> NoReturn:
    """Skip locally, fail under CI (any non-empty ``CI`` other than ``0``/``false``)."""
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


async def _probe_postgres() -> tuple[str | None, str]:
    import asyncpg  # type: ignore[import-untyped]

    last_error = ""
    for user in POSTGRES_USERS:
        dsn = f"postgresql://{user}@{POSTGRES_HOST}:{POSTGRES_PORT}/{POSTGRES_DATABASE}"
        try:
            conn = await asyncpg.connect(dsn, timeout=3)
        except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
            last_error = f"{type(exc).__name__}: {exc}"
            continue
        await conn.close()
        return dsn, ""
    return None, last_error


@pytest.fixture(scope="session")
def _postgres_probe() -> tuple[str | None, str]:
    # Probe once per session: every postgres test would otherwise pay the connect timeout.
    return asyncio.run(_probe_postgres())


@pytest.fixture(scope="session")
def postgres_dsn(_postgres_probe: tuple[str | None, str]) -> str:
    """DSN of the local test database, or skip/fail with how to start PostgreSQL.

    Session-scoped so module-scoped fixtures (the admin suite's PostgreSQL server) can use it."""
    dsn, error = _postgres_probe
    if dsn is None:
        service_unavailable(f"{POSTGRES_HINT} ({error})")
    return dsn


def _probe_redis() -> str:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=3) as sock:
            sock.sendall(b"PING\r\n")
            reply = sock.recv(64)
    except OSError as exc:
        return f"{type(exc).__name__}: {exc}"
    if not reply.startswith(b"+PONG"):
        return f"unexpected reply to PING: {reply!r}"
    return ""


@pytest.fixture(scope="session")
def _redis_probe() -> str:
    return _probe_redis()


@pytest.fixture
def redis_url(_redis_probe: str) -> str:
    """URL of the local Redis, or skip/fail with how to start Redis."""
    if _redis_probe:
        service_unavailable(f"{REDIS_HINT} ({_redis_probe})")
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/0"


@pytest.fixture(scope="session")
def aws_endpoint() -> Iterator[str]:
    """URL of an AWS-compatible server (moto) on loopback, shared by the session; skip/fail as
    the other services when moto's server mode is missing (tests/support/moto.py)."""
    from tests.support.moto import serve

    yield from serve(service_unavailable)
