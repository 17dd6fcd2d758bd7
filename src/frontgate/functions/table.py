"""The function table: every function of the gateway as the data plane receives it, in each
snapshot (``snapshot.snapshot.Snapshot.functions``), like routes.

It answers the three questions an invocation asks without the store: does the function exist,
may API Gateway invoke it for this source ARN (its resource-based policy), and which code and
configuration run it. It is built from the stored function documents by the compiler
(``compile.functions``) and is immutable plain data (frozen dataclasses, read-only mappings,
tuples), so it pickles to be sent to worker processes. A table is complete for the generation it
was built at: a name it does not hold is "not found" until the next snapshot."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from frontgate.functions.arns import arn_like
from frontgate.functions.permissions import APIGATEWAY
from frontgate.readonly import ReadOnlyMap

_INVOKE_ACTIONS = frozenset(("lambda:InvokeFunction", "lambda:*", "*"))


@dataclass(frozen=True, slots=True)
class Grant:
    """One Allow statement of a resource policy that grants lambda:InvokeFunction, reduced to
    what the check needs. ``services`` None: any principal (``"*"``)."""

    services: frozenset[str] | None
    source_arn: str | None = None  # ArnLike/ArnEquals AWS:SourceArn pattern
    source_account: str | None = None  # StringEquals AWS:SourceAccount

    def allows(self, source_arn: str, account: str, service: str) -> bool:
        if self.services is not None and service not in self.services:
            return False
        if self.source_arn is not None and not arn_like(self.source_arn, source_arn):
            return False
        return self.source_account is None or self.source_account == account


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def grants(statements: Iterable[dict[str, Any]]) -> tuple[Grant, ...]:
    """The statements (AddPermission's wire shape) that can let a service invoke the function."""
    found: list[Grant] = []
    for stmt in statements:
        if stmt.get("Effect") != "Allow":
            continue
        if not any(a in _INVOKE_ACTIONS for a in _as_list(stmt.get("Action"))):
            continue
        principal = stmt.get("Principal")
        services: frozenset[str] | None
        if principal == "*":
            services = None
        elif isinstance(principal, dict) and principal.get("Service") is not None:
            services = frozenset(str(s) for s in _as_list(principal["Service"]))
        else:
            continue  # an account or role principal: never a service
        cond = stmt.get("Condition") or {}
        pattern = (cond.get("ArnLike") or {}).get("AWS:SourceArn")
        if pattern is None:
            pattern = (cond.get("ArnEquals") or {}).get("AWS:SourceArn")
        account = (cond.get("StringEquals") or {}).get("AWS:SourceAccount")
        found.append(
            Grant(
                services,
                None if pattern is None else str(pattern),
                None if account is None else str(account),
            )
        )
    return tuple(found)


@dataclass(frozen=True, slots=True)
class FunctionDef:
    """One function: its code location and configuration (what a warm worker is started from)
    and its resource-based policy. Two definitions that compare equal run the same code the
    same way; ``revision`` (the document's RevisionId) changes at every write."""

    region: str
    name: str
    arn: str
    handler: str
    code_path: str  # the unpacked code directory; named after the code's SHA-256
    code_sha256: str
    memory_mb: int
    timeout: float
    variables: ReadOnlyMap[str, str] = field(default_factory=ReadOnlyMap)
    reserved: int | None = None  # reserved concurrency; None: unreserved
    revision: str = ""
    grants: tuple[Grant, ...] = ()

    def allows(self, source_arn: str, account: str, service: str = APIGATEWAY) -> bool:
        """Whether the resource policy lets ``service`` invoke the function for ``source_arn``."""
        return any(g.allows(source_arn, account, service) for g in self.grants)


def function_def(region: str, doc: dict[str, Any]) -> FunctionDef:
    """A stored function document (kind ``function``: ``functions.registry``) as the table
    holds it."""
    env = (doc.get("Environment") or {}).get("Variables") or {}
    reserved = doc.get("_reserved")
    return FunctionDef(
        region=region,
        name=str(doc["FunctionName"]),
        arn=str(doc["FunctionArn"]),
        handler=str(doc.get("Handler") or "lambda_function.lambda_handler"),
        code_path=str(doc["_codePath"]),
        code_sha256=str(doc.get("CodeSha256") or ""),
        memory_mb=int(doc.get("MemorySize") or 128),
        timeout=float(doc.get("Timeout") or 3),
        variables=ReadOnlyMap((str(k), str(v)) for k, v in env.items()),
        reserved=None if reserved is None else int(reserved),
        revision=str(doc.get("RevisionId") or ""),
        grants=grants(doc.get("_policy") or ()),
    )


@dataclass(frozen=True, slots=True)
class FunctionTable:
    """Every function, keyed by (region, name), as of store generation ``generation`` (-1: the
    empty table a process starts with)."""

    generation: int = -1
    functions: ReadOnlyMap[tuple[str, str], FunctionDef] = field(default_factory=ReadOnlyMap)

    def get(self, region: str, name: str) -> FunctionDef | None:
        found: FunctionDef | None = self.functions.get((region, name))
        return found
