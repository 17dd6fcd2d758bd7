"""Functions reach the data plane in the snapshot, like routes: the compiler builds the function
table from the store (documents and their resource-based policies), and the invoker answers from
the table it adopted: known functions run, unknown ones are "not found" at once, and neither
waits for (or needs) the store. A function whose code changes runs its new code once the next
table is adopted."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import pickle
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from frontgate.compile.compiler import Compiler
from frontgate.functions.invoker import FunctionInvoker
from frontgate.functions.permissions import make_statement
from frontgate.functions.registry import FUNCTION
from frontgate.functions.table import FunctionTable, function_def
from frontgate.pipeline.env import Env
from frontgate.pipeline.runner import Pipeline
from frontgate.readonly import ReadOnlyMap
from frontgate.snapshot.snapshot import Snapshot
from frontgate.state.sqlite import SqliteStore
from frontgate.upstream.pool import UpstreamPool

ACCOUNT = "123456789012"
REGION = "us-east-1"
SOURCE = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abc/dev/GET/fn"
HANDLER = "import os\ndef lambda_handler(event, context):\n    return [%r, os.getpid()]\n"


def _code(root: Path, version: str) -> Path:
    """A code directory, named after its content as the Lambda API's are."""
    path = root / "code" / version
    path.mkdir(parents=True, exist_ok=True)
    (path / "lambda_function.py").write_text(HANDLER % version)
    return path


def _doc(name: str, code: Path, **extra: Any) -> dict[str, Any]:
    return {
        "FunctionName": name,
        "FunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}",
        "Handler": "lambda_function.lambda_handler",
        "_codePath": str(code),
        "CodeSha256": code.name,
        **extra,
    }


def _allow(name: str, sid: str, source_arn: str) -> dict[str, Any]:
    inp = {
        "StatementId": sid,
        "Action": "lambda:InvokeFunction",
        "Principal": "apigateway.amazonaws.com",
        "SourceArn": source_arn,
    }
    return make_statement(f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}", inp)


def _outcome(invoker: FunctionInvoker, name: str, source_arn: str = SOURCE) -> str:
    """What API Gateway calling ``name`` gets at once: "ResourceNotFound", or "AccessDenied" when
    the function is found (no policy allows the caller)."""
    done = invoker.begin(name, b"{}", source_arn=source_arn)
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


class Node:
    """One process's data plane, cut down: a store, the compiler and a pipeline whose invoker
    adopts each snapshot's function table as it is swapped in."""

    def __init__(self, store: SqliteStore, invoker: FunctionInvoker) -> None:
        self.store = store
        self.invoker = invoker
        self.compiler = Compiler(store, ACCOUNT)
        self.pipeline = Pipeline(Env(domain="localhost", pool=UpstreamPool(), functions=invoker))

    async def put(self, *docs: dict[str, Any]) -> None:
        async with self.store.transaction() as tx:
            for doc in docs:
                await tx.put(REGION, FUNCTION, "", str(doc["FunctionName"]), doc)

    async def reload(self) -> Snapshot:
        snapshot = await self.compiler.build(await self.store.generation())
        self.pipeline.swap(snapshot)
        return snapshot


@asynccontextmanager
async def _node(tmp_path: Path) -> AsyncIterator[Node]:
    store = SqliteStore(tmp_path / "fg.db")
    await store.open()
    invoker = FunctionInvoker(tmp_path, account_id=ACCOUNT, region=REGION)
    await invoker.start()
    try:
        yield Node(store, invoker)
    finally:
        await invoker.close()
        await store.close()


def test_the_snapshot_carries_functions_and_their_permissions(tmp_path: Path) -> None:
    async def run() -> None:
        async with _node(tmp_path) as node:
            policy = [_allow("fn", "api", f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abc/*/GET/*")]
            env = {"Variables": {"STAGE": "dev"}}
            await node.put(
                _doc("fn", _code(tmp_path, "v1"), _policy=policy, Environment=env, Timeout=7),
                _doc("other", _code(tmp_path, "v1"), _reserved=2),
            )
            table = (await node.reload()).functions
            assert table.generation == node.pipeline.snapshot.generation
            assert sorted(table.functions) == [(REGION, "fn"), (REGION, "other")]
            fn = table.get(REGION, "fn")
            assert fn is not None and table.get(REGION, "nowhere") is None
            assert (fn.code_path, fn.timeout, dict(fn.variables)) == (
                str(tmp_path / "code" / "v1"),
                7.0,
                {"STAGE": "dev"},
            )
            assert fn.allows(SOURCE, ACCOUNT)
            assert not fn.allows(SOURCE.replace("/GET/", "/POST/"), ACCOUNT)
            other = table.get(REGION, "other")
            assert other is not None and other.reserved == 2 and not other.allows(SOURCE, ACCOUNT)

    asyncio.run(run())


def test_the_function_table_is_immutable_and_pickles(tmp_path: Path) -> None:
    code = _code(tmp_path, "v1")
    policy = [_allow("fn", "api", SOURCE)]
    fn = function_def(
        REGION, _doc("fn", code, _policy=policy, Environment={"Variables": {"A": "1"}})
    )
    table = FunctionTable(3, ReadOnlyMap({(REGION, "fn"): fn}))
    copy = pickle.loads(pickle.dumps(table))
    assert copy == table and copy.get(REGION, "fn") == fn
    assert copy.get(REGION, "fn").allows(SOURCE, ACCOUNT)  # type: ignore[union-attr]
    with pytest.raises(dataclasses.FrozenInstanceError):
        table.generation = 4  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        fn.code_path = "/elsewhere"  # type: ignore[misc]
    with pytest.raises(TypeError):
        table.functions[(REGION, "evil")] = fn  # type: ignore[index]
    with pytest.raises(TypeError):
        fn.variables["A"] = "2"  # type: ignore[index]
    with pytest.raises(AttributeError):
        table.functions._items = {}  # type: ignore[attr-defined]


def test_the_invoker_answers_from_the_table_without_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def run() -> None:
        async with _node(tmp_path) as node:
            await node.put(_doc("known", _code(tmp_path, "v1")))
            await node.reload()
            with Cut(node.store, monkeypatch):
                assert _outcome(node.invoker, "known") == "AccessDenied"  # found: no policy
                assert _outcome(node.invoker, "later") == "ResourceNotFound"
                assert _outcome(node.invoker, "later") == "ResourceNotFound"
                result = await node.invoker.invoke("known", b"{}", source_arn=None)
                assert json.loads(result.payload)[0] == "v1"
            await node.put(_doc("later", _code(tmp_path, "v1")))  # by another worker or node
            assert _outcome(node.invoker, "later") == "ResourceNotFound"  # not in a snapshot yet
            await node.reload()  # the next snapshot carries it
            assert _outcome(node.invoker, "later") == "AccessDenied"

    asyncio.run(run())


async def _run(invoker: FunctionInvoker, source_arn: str | None = None) -> tuple[str, int]:
    """(code version, worker process) of one invocation of "fn"."""
    result = await invoker.invoke("fn", b"{}", source_arn=source_arn)
    version, pid = json.loads(result.payload)
    return str(version), int(pid)


def test_a_changed_function_runs_its_new_code_from_the_next_snapshot(tmp_path: Path) -> None:
    async def run() -> None:
        async with _node(tmp_path) as node:
            await node.put(_doc("fn", _code(tmp_path, "v1")))
            await node.reload()
            version, warm = await _run(node.invoker)
            assert version == "v1"
            # Only its policy changes: the same warm worker serves it.
            await node.put(_doc("fn", _code(tmp_path, "v1"), _policy=[_allow("fn", "s", SOURCE)]))
            await node.reload()
            assert await _run(node.invoker, SOURCE) == ("v1", warm)
            await node.put(_doc("fn", _code(tmp_path, "v2")))
            # The snapshot being served still names v1...
            assert await _run(node.invoker) == ("v1", warm)
            # ...the next one retires the warm worker: a new one runs the new code.
            await node.reload()
            version, pid = await _run(node.invoker)
            assert version == "v2" and pid != warm
            async with node.store.transaction() as tx:
                await tx.delete(REGION, FUNCTION, "", "fn")
            await node.reload()
            assert _outcome(node.invoker, "fn") == "ResourceNotFound"

    asyncio.run(run())


def test_lambda_api_invoke_runs_what_it_read_until_a_later_snapshot(tmp_path: Path) -> None:
    async def run() -> None:
        async with _node(tmp_path) as node:
            await node.reload()
            await node.put(_doc("later", _code(tmp_path, "v1")))
            generation = await node.store.generation()
            doc = await node.store.get(REGION, FUNCTION, "", "later")
            assert doc is not None
            node.invoker.catch_up(REGION, "later", function_def(REGION, doc), generation)
            assert _outcome(node.invoker, "later") == "AccessDenied"
            # A snapshot built before that read does not take the function away again...
            node.pipeline.swap(Snapshot(generation - 1, {}, frozenset()))
            assert _outcome(node.invoker, "later") == "AccessDenied"
            # ...one built after it decides: here the function was deleted meanwhile.
            async with node.store.transaction() as tx:
                await tx.delete(REGION, FUNCTION, "", "later")
            await node.reload()
            assert _outcome(node.invoker, "later") == "ResourceNotFound"

    asyncio.run(run())
