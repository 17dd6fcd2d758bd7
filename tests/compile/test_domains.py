"""Custom domain names compiled for the data plane (compile/domains.py): stored domains and
base path / API mapping records (a real SQLite store) become ``Snapshot.domains``: lower-case
names, key segments, longest key first, mappings to unknown APIs left out; and the table
survives the trip to a worker (snapshot/image.py) and matches by whole segments."""

from __future__ import annotations

import asyncio
from pathlib import Path

from frontgate.compile.domains import load_domains
from frontgate.definition import kinds
from frontgate.pipeline.custom_domains import mapped
from frontgate.snapshot.domains import CustomDomain, DomainMapping
from frontgate.snapshot.image import assemble, dump_globals, load_globals
from frontgate.snapshot.snapshot import Snapshot
from frontgate.state.sqlite import SqliteStore
from frontgate.state.store import Tx


def _load(tmp_path: Path) -> dict[str, CustomDomain]:
    async def run() -> dict[str, CustomDomain]:
        store = SqliteStore(tmp_path / "state.db")
        await store.open()
        try:
            async with store.transaction() as tx:
                await _fill(tx)
            return await load_domains(store, {"rest1", "rest2", "http1"}, {"http1"})
        finally:
            await store.close()

    return asyncio.run(run())


async def _fill(tx: Tx) -> None:
    region, d = "us-east-1", "api.example.test"
    await tx.put(region, kinds.DOMAIN_NAME, "", d, {"domainName": d})
    await tx.put(region, kinds.DOMAIN_NAME, "", "empty.test", {"domainName": "empty.test"})
    for base, api, stage in [
        ("(none)", "rest1", "prod"),
        ("orders", "rest2", "prod"),
        ("orders/v2/items", "http1", "$default"),
        ("gone", "deleted", "prod"),
        ("bystage", "rest1", ""),
    ]:
        doc = {"basePath": base, "restApiId": api, "apiMappingId": "m" + api}
        if stage:
            doc["stage"] = stage
        await tx.put(region, kinds.BASE_PATH_MAPPING, d, base, doc)


def test_compiled_table(tmp_path: Path) -> None:
    table = _load(tmp_path)
    assert set(table) == {"api.example.test", "empty.test"}
    domain = table["api.example.test"]
    assert [m.key for m in domain.mappings] == [
        ("orders", "v2", "items"), ("bystage",), ("orders",), (),
    ]  # fmt: skip
    assert domain.mappings[0] == DomainMapping(
        ("orders", "v2", "items"), "orders/v2/items", "http1", "$default", True
    )
    assert domain.mappings[1].stage == ""  # the stage comes from the path
    assert not domain.http_only
    assert table["empty.test"].mappings == ()


def test_longest_whole_segment_prefix(tmp_path: Path) -> None:
    domain = _load(tmp_path)["api.example.test"]
    m, rest = mapped(domain, "/orders/v2/items/7")
    assert (m.api_id, rest) == ("http1", "/7")
    m, rest = mapped(domain, "/orders/v2/other")
    assert (m.api_id, rest) == ("rest2", "/v2/other")
    m, rest = mapped(domain, "/ordersx")
    assert (m.api_id, rest) == ("rest1", "/ordersx")
    m, rest = mapped(domain, "/orders")
    assert (m.api_id, rest) == ("rest2", "/")


def test_table_survives_the_trip_to_a_worker(tmp_path: Path) -> None:
    table = _load(tmp_path)
    snap = Snapshot(1, {}, frozenset(), domains=table)
    shipped = assemble(load_globals(dump_globals(snap)), {})
    assert shipped.domains == table
