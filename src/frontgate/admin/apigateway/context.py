"""What an operation handler receives besides its input: the store, the region, the settings."""

from __future__ import annotations

import time
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from frontgate.admin.settings import AdminSettings
from frontgate.http.message import Request
from frontgate.state.store import ConfigStore, Tx

Doc = dict[str, Any]


class Reader(Protocol):
    """What both a ``ConfigStore`` and a ``Tx`` offer for reading."""

    async def get(self, region: str, kind: str, parent: str, id: str) -> Doc | None: ...

    async def list(self, region: str, kind: str, parent: str = "") -> list[Doc]: ...


@dataclass(slots=True)
class Ctx:
    store: ConfigStore
    settings: AdminSettings
    region: str
    request: Request
    # Response headers an operation adds (beyond its modelled output).
    headers: list[tuple[str, str]] = field(default_factory=list)

    @property
    def account_id(self) -> str:
        return self.settings.account_id

    def tx(self) -> AbstractAsyncContextManager[Tx]:
        return self.store.transaction()

    def arn(self, path: str) -> str:
        return f"arn:aws:apigateway:{self.region}::{path}"


def now() -> int:
    """Timestamps are stored and sent as epoch seconds (rest-json's default)."""
    return int(time.time())
