"""The config store interface: JSON documents addressed by (region, kind, parent, id).

Every management object is one document in Amazon API Gateway's wire shape. ``parent`` scopes
children (a resource's parent is its REST API id; top-level objects use ``""``). Every committed
transaction bumps a store-wide ``generation`` so data-plane workers (and other nodes sharing a
PostgreSQL database) notice changes by polling one integer.
"""

from __future__ import annotations

import builtins
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

Doc = dict[str, Any]


class Tx(Protocol):
    """Writes inside one transaction; all commit together or none do."""

    async def get(self, region: str, kind: str, parent: str, id: str) -> Doc | None: ...

    async def list(self, region: str, kind: str, parent: str = "") -> builtins.list[Doc]: ...

    async def put(self, region: str, kind: str, parent: str, id: str, doc: Doc) -> None: ...

    async def delete(self, region: str, kind: str, parent: str, id: str) -> bool: ...

    async def insert(self, region: str, kind: str, parent: str, id: str, doc: Doc) -> bool:
        """Store ``doc`` only if no document has that address; False if one has (even one
        another node is committing at the same moment: the database decides, not a read)."""
        ...

    async def delete_children(self, region: str, parent: str) -> int:
        """Delete every document whose parent is ``parent`` (any kind)."""
        ...


class ConfigStore(Protocol):
    """Reads outside transactions see the last committed state."""

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def get(self, region: str, kind: str, parent: str, id: str) -> Doc | None: ...

    async def list(self, region: str, kind: str, parent: str = "") -> builtins.list[Doc]: ...

    async def get_many(
        self, region: str, kind: str, parent: str, ids: builtins.list[str]
    ) -> dict[str, Doc]:
        """The documents of ``ids`` that exist, by id, in one read (absent ones are left out)."""
        ...

    async def list_page(
        self, region: str, kind: str, parent: str, after: str | None, limit: int
    ) -> tuple[builtins.list[tuple[str, Doc]], str | None]:
        """One page of ``list()``: up to ``limit`` documents in the same order (first insert),
        starting after the document whose key is ``after`` (``None``: from the start), each as
        ``(key, doc)``; and the key to continue after, ``None`` when the page reached the end.
        A key is an opaque string (the document's insert sequence number); a document keeps it
        for life, so inserts and deletes between pages make nothing else skip or repeat. The
        read walks an index on (region, kind, parent, sequence): its cost is the page's, not
        the offset's. A malformed ``after`` raises ValueError."""
        ...

    async def list_all(self, kind: str) -> builtins.list[tuple[str, str, Doc]]:
        """Every document of ``kind`` in every region: ``(region, parent, doc)`` tuples."""
        ...

    def transaction(self, *, config: bool = True) -> AbstractAsyncContextManager[Tx]:
        """``config=False`` for writes the data plane does not compile (usage counts): they
        commit without bumping the generation, so they trigger no snapshot rebuild."""
        ...

    async def generation(self) -> int: ...


# A page key is the document's insert sequence (SQLite rowid, PostgreSQL ``seq``) in decimal.
_MAX_KEY = 2**63 - 1


def parse_key(after: str | None) -> int:
    """The sequence number a ``list_page`` key stands for (0: from the start); ValueError for
    anything but a decimal in the 64-bit range both databases store."""
    if after is None:
        return 0
    if not (after.isascii() and after.isdigit()) or len(after) > 19 or int(after) > _MAX_KEY:
        raise ValueError(f"invalid page key {after!r}")
    return int(after)
