"""Quota seeds come off the request path: ``Limiter.load_seeds`` reads the persisted counts of the
snapshot's keys before the snapshot is served, and a key's first request in a period starts its
counter from them without touching the store (here a store that fails every read once cut)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any, cast

import pytest

from frontgate.counters import Bucket
from frontgate.counters.local import LocalCounters
from frontgate.definition import kinds
from frontgate.gateway_errors import GatewayError
from frontgate.http.message import Request
from frontgate.pipeline.context import Context
from frontgate.snapshot.snapshot import Snapshot
from frontgate.state.store import ConfigStore
from frontgate.traffic.keys import KeyIndex, PlanBinding
from frontgate.traffic.limiter import Limiter

Q = "QUOTA_EXCEEDED"
ACCOUNT = Bucket("a|us-east-1", 10000.0, 5000.0)


class UsageDocs:
    """The part of a config store the limiter reads: usage documents, reads counted."""

    def __init__(self, used: dict[tuple[str, str], int]) -> None:
        self.used = used  # (key id, YYYY-MM-DD) -> persisted count (plan "p1")
        self.reads = 0  # store round trips
        self.keys_read = 0
        self.cut = False

    async def get_many(
        self, region: str, kind: str, parent: str, ids: list[str]
    ) -> dict[str, dict[str, Any]]:
        if self.cut:
            raise OSError("connection refused")
        assert (region, kind, parent) == ("us-east-1", kinds.USAGE, "p1")
        self.reads += 1
        self.keys_read += len({i.split(":", 1)[0] for i in ids})
        found = {i: self.used.get(tuple(i.split(":", 1))) for i in ids}  # type: ignore[call-overload]
        return {i: {"used": n} for i, n in found.items() if n is not None}

    async def get(self, region: str, kind: str, parent: str, id: str) -> dict[str, Any] | None:
        assert (region, kind, parent, id) == ("us-east-1", kinds.USAGE_PLAN, "", "p1")
        return {"id": "p1", "quota": {"limit": 3, "period": "DAY"}}


def _keys(*key_ids: str, limit: int = 3) -> KeyIndex:
    return KeyIndex(
        bindings={
            ("api", "dev", k): PlanBinding(
                "p1", "us-east-1", k, "v" + k, None, {}, (limit, "DAY", 0)
            )
            for k in key_ids
        }
    )


def _ctx() -> Context:
    req = Request("GET", "/dev/", [("Host", "api.execute-api.localhost")],
                  client_addr=("10.0.0.9", 5000), host="api.execute-api.localhost")  # fmt: skip
    return Context(req, Snapshot(1, {}, frozenset()), "rid", "ext=")


def _admit(limiter: Limiter, keys: KeyIndex, key_id: str) -> str:
    """What a request of ``key_id`` gets (the gateway response refusing it, or "ok"); the
    answer must come without waiting for anything."""
    try:
        pending = limiter.admit(_ctx(), [], ACCOUNT, keys.bindings["api", "dev", key_id])
    except GatewayError as exc:
        return exc.response_type
    assert pending is None, "the request waited for something"
    return "ok"


def _today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


def test_first_request_of_a_period_counts_from_the_persisted_usage_without_a_store_read() -> None:
    store = UsageDocs({("k1", _today()): 2})
    limiter = Limiter(LocalCounters(), config=cast(ConfigStore, store))
    keys = _keys("k1", "k2")
    asyncio.run(limiter.load_seeds(keys))
    store.cut = True  # every read fails from now on
    assert [_admit(limiter, keys, "k1") for _ in range(3)] == ["ok", Q, Q]
    assert [_admit(limiter, keys, "k2") for _ in range(4)] == ["ok", "ok", "ok", Q]


def test_seeds_are_read_once_per_key_and_period_in_one_round_trip() -> None:
    store = UsageDocs({})
    limiter = Limiter(LocalCounters(), config=cast(ConfigStore, store))
    asyncio.run(limiter.load_seeds(_keys("k1", "k2", "k3")))
    assert (store.reads, store.keys_read) == (1, 3)
    asyncio.run(limiter.load_seeds(_keys("k1", "k2", "k3", "k4")))  # the next snapshot adds one
    assert (store.reads, store.keys_read) == (2, 4)
    asyncio.run(limiter.load_seeds(_keys("k1", "k4"), now=time.time() + 86400))  # a new day
    assert (store.reads, store.keys_read) == (3, 6)


def test_a_period_that_began_after_the_seeds_were_read_starts_from_zero() -> None:
    yesterday = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)).isoformat()
    store = UsageDocs({("k1", yesterday): 3})
    limiter = Limiter(LocalCounters(), config=cast(ConfigStore, store))
    keys = _keys("k1")
    asyncio.run(limiter.load_seeds(keys, now=time.time() - 86400))  # read yesterday
    store.cut = True
    assert [_admit(limiter, keys, "k1") for _ in range(4)] == ["ok", "ok", "ok", Q]


def test_a_failed_seed_read_raises_to_the_caller() -> None:
    """The reloader then keeps serving the snapshot it has (and retries at the next poll)."""
    store = UsageDocs({})
    store.cut = True
    limiter = Limiter(LocalCounters(), config=cast(ConfigStore, store))
    with pytest.raises(OSError):
        asyncio.run(limiter.load_seeds(_keys("k1")))


def test_a_key_already_counting_in_the_new_period_is_not_read_again() -> None:
    store = UsageDocs({})
    limiter = Limiter(LocalCounters(), config=cast(ConfigStore, store))
    keys = _keys("k1", "k2")
    asyncio.run(limiter.load_seeds(keys))
    assert store.keys_read == 2
    tomorrow = _ctx()
    tomorrow.start_wall += 86400  # k1's first request of the next day, before any new snapshot
    assert limiter.admit(tomorrow, [], ACCOUNT, keys.bindings["api", "dev", "k1"]) is None
    asyncio.run(limiter.load_seeds(keys, now=tomorrow.start_wall))
    assert store.keys_read == 3  # k2 only


def test_the_persisted_count_includes_what_this_worker_has_not_written_yet() -> None:
    """What UpdateUsage's reset of the live counter starts from."""
    store = UsageDocs({("k1", _today()): 1})
    limiter = Limiter(LocalCounters(), config=cast(ConfigStore, store))
    keys = _keys("k1")
    asyncio.run(limiter.load_seeds(keys))
    assert _admit(limiter, keys, "k1") == "ok"  # counted, not written yet
    assert asyncio.run(limiter.persisted_usage("us-east-1", "p1", "k1")) == 2
    limiter.take_pending()  # written by the usage writer
    store.used["k1", _today()] = 2
    assert asyncio.run(limiter.persisted_usage("us-east-1", "p1", "k1")) == 2
