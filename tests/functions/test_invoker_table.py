"""The invoker's function table answers for unknown functions too: a name it does not hold is
"not found" at once, without a store read, until the next change of the store reaches it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from frontgate.functions.invoker import FunctionInvoker
from frontgate.functions.registry import FUNCTION
from frontgate.state.sqlite import SqliteStore

ACCOUNT = "000000000000"
SOURCE = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:abc/dev/GET/fn"


def _doc(name: str, code: Path) -> dict[str, Any]:
    return {
        "FunctionName": name,
        "FunctionArn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}",
        "Handler": "lambda_function.lambda_handler",
        "_codePath": str(code),
    }


def _outcome(invoker: FunctionInvoker, name: str) -> str:
    """What API Gateway calling ``name`` gets at once (no policy allows it: AccessDenied means
    the function was found)."""
    done = invoker.begin(name, b"{}", source_arn=SOURCE)
    assert done.settled, "the call waited for something"
    return type(done.error).__name__


class Cut:
    """Makes every read of the store fail, as when PostgreSQL is unreachable."""

    def __init__(self, store: SqliteStore, monkeypatch: pytest.MonkeyPatch) -> None:
        self.store, self.mp = store, monkeypatch

    def __enter__(self) -> None:
        async def down(*_args: Any, **_kw: Any) -> Any:
            raise OSError("connection refused")

        for name in ("get", "list", "list_all", "generation"):
            self.mp.setattr(self.store, name, down)

    def __exit__(self, *_exc: Any) -> None:
        self.mp.undo()


@asynccontextmanager
async def _running(tmp_path: Path) -> AsyncIterator[tuple[SqliteStore, FunctionInvoker]]:
    """A started invoker over a SQLite store, both closed afterwards."""
    store = SqliteStore(tmp_path / "fg.db")
    await store.open()
    invoker = FunctionInvoker(store, tmp_path, account_id=ACCOUNT, region="us-east-1")
    await invoker.start()
    try:
        yield store, invoker
    finally:
        await invoker.close()
        await store.close()


def test_unknown_functions_answer_without_the_store_until_a_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def run() -> None:
        async with _running(tmp_path) as (store, invoker):
            with Cut(store, monkeypatch):
                assert _outcome(invoker, "later") == "ResourceNotFound"
                assert _outcome(invoker, "later") == "ResourceNotFound"
            async with store.transaction() as tx:  # created on another worker or node
                await tx.put("us-east-1", FUNCTION, "", "later", _doc("later", tmp_path))
            assert _outcome(invoker, "later") == "ResourceNotFound"  # not yet polled
            await invoker.refresh()  # the change reaches this worker
            assert _outcome(invoker, "later") == "AccessDenied"

    asyncio.run(run())


def test_a_failed_refresh_is_retried_at_the_next_poll(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def run() -> None:
        async with _running(tmp_path) as (store, invoker):
            async with store.transaction() as tx:
                await tx.put("us-east-1", FUNCTION, "", "later", _doc("later", tmp_path))
            listed = store.list_all

            async def fails(kind: str) -> Any:
                monkeypatch.setattr(store, "list_all", listed)
                raise OSError("connection reset")

            monkeypatch.setattr(store, "list_all", fails)  # the generation reads, the list fails
            with pytest.raises(OSError):
                await invoker.refresh()
            await invoker.refresh()
            assert _outcome(invoker, "later") == "AccessDenied"

    asyncio.run(run())


def test_lambda_api_invoke_reads_a_function_the_table_does_not_hold_yet(tmp_path: Path) -> None:
    async def run() -> None:
        async with _running(tmp_path) as (store, invoker):
            async with store.transaction() as tx:
                await tx.put("us-east-1", FUNCTION, "", "later", _doc("later", tmp_path))
            await invoker.catch_up("us-east-1", "later")
            assert _outcome(invoker, "later") == "AccessDenied"

    asyncio.run(run())
