"""What every resource family shares: the deployment context, a made resource's ``Ref`` and
attributes, and the registry of resource types.

How a second run finds what the first made (CloudFormation keeps a stack record; Frontgate has
no CloudFormation service, and the record must work against a remote node): top-level
resources carry the tags ``frontgate:stack-name`` and ``frontgate:logical-id`` (``aws:`` tags are
reserved to AWS services, and the node refuses them from clients as AWS does); an API's
children (routes, integrations, stages, authorizers) are found by their key inside the API, a
function's permission by its statement id ``{stack}-{logicalId}``, a usage plan's key by the
key's id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from frontgate.cli.deploy.template import TemplateError

STACK_TAG = "frontgate:stack-name"
LOGICAL_TAG = "frontgate:logical-id"


@dataclass
class Made:
    """A resource as the template sees it: its ``Ref`` value and its ``Fn::GetAtt`` values."""

    ref: str
    attrs: dict[str, Any] = field(default_factory=dict)
    action: str = "unchanged"  # created, updated, unchanged


@dataclass
class Context:
    """One run of ``frontgate deploy``."""

    stack: str
    region: str
    account: str
    admin_url: str
    template_dir: Path
    say: Callable[[str], None]
    made: dict[str, Made] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)  # logical id -> resource type
    # Owned top-level resources found by their tags: type -> logical id -> physical id.
    owned: dict[str, dict[str, str]] = field(default_factory=dict)
    # Children claimed this run, per parent id: kind -> ids (what the sweep keeps).
    claimed: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    # APIs whose configuration changed this run: their deployments are made anew.
    touched: set[str] = field(default_factory=set)
    # Integration logical id -> the RouteKey values (unresolved) of the routes targeting it.
    route_keys: dict[str, list[Any]] = field(default_factory=dict)
    resolve: Callable[[Any], Any] = lambda value: value
    _clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            from botocore.config import Config

            from frontgate.cli.admin_client import node_client

            retries = Config(retries={"max_attempts": 2})
            self._clients[service] = node_client(service, self.admin_url, self.region, retries)
        return self._clients[service]

    def tags(self, logical: str) -> dict[str, str]:
        return {STACK_TAG: self.stack, LOGICAL_TAG: logical}

    def claim(self, parent: str, kind: str, child: str) -> None:
        self.claimed.setdefault((parent, kind), set()).add(child)

    def claimed_ids(self, parent: str, kind: str) -> set[str]:
        return self.claimed.get((parent, kind), set())

    def previous(self, rtype: str, logical: str) -> str | None:
        return self.owned.get(rtype, {}).get(logical)

    def is_ours(self, tags: dict[str, str] | None) -> bool:
        return bool(tags) and (tags or {}).get(STACK_TAG) == self.stack


Create = Callable[[Context, str, dict[str, Any]], Made]
Check = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class ResourceType:
    """How to make (or bring up to date) one resource type, and what it offers to GetAtt."""

    name: str
    apply: Create
    attributes: frozenset[str] = frozenset()
    check: Check | None = None  # static checks of resolved properties, before any call
    # Calls that tell whether the node serves this type (props -> [(service, method, args)]):
    # a node that answers UnknownOperation to one is refused before anything is made.
    probes: Callable[[dict[str, Any]], list[tuple[str, str, dict[str, Any]]]] | None = None


REGISTRY: dict[str, ResourceType] = {}


@dataclass(frozen=True)
class Family:
    """Resource types kept by one service: ``discover`` fills ``Context.owned`` before the run
    (what earlier runs made), ``sweep`` deletes afterwards what the template no longer has."""

    service: str
    types: frozenset[str]
    discover: Callable[[Context], None]
    sweep: Callable[[Context], None]


FAMILIES: list[Family] = []


def register(*rtypes: ResourceType) -> None:
    for rtype in rtypes:
        REGISTRY[rtype.name] = rtype


def unserved(ctx: Context, probes: list[tuple[str, str, dict[str, Any]]]) -> list[str]:
    """The operations among ``probes`` that the node does not implement. A probe names a
    resource that does not exist: a node that serves the operation answers NotFound."""
    from botocore.exceptions import BotoCoreError, ClientError

    missing = []
    for service, method, args in probes:
        try:
            getattr(ctx.client(service), method)(**args)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "UnknownOperationException":
                missing.append(f"{service} {exc.operation_name}")
        except BotoCoreError:
            pass  # unreachable or malformed: the real call reports it
    return missing


PROBE_ID = "frontgateprobe"


def need(logical: str, props: dict[str, Any], *names: str) -> None:
    missing = [n for n in names if props.get(n) in (None, "")]
    if missing:
        raise TemplateError(f"resource {logical}: missing required properties {', '.join(missing)}")


def refuse(logical: str, props: dict[str, Any], name: str, why: str) -> None:
    if name in props:
        raise TemplateError(f"resource {logical}: {name} is not supported: {why}")


def found(get: Callable[..., Any], missing: str = "NotFoundException", **args: Any) -> Any:
    """What a ``Get*`` call answers, or ``None`` when the node says there is no such resource
    (the error code ``missing``); any other error propagates."""
    from botocore.exceptions import ClientError

    try:
        return get(**args)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != missing:
            raise
        return None


def changed(current: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    """The members of ``wanted`` whose value differs from ``current``'s."""
    return {k: v for k, v in wanted.items() if current.get(k) != v}
