"""Settings of the admin (management) API, fixed for the life of an ``AdminApp``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from frontgate.state.keyring import Keyring

# TestInvokeMethod hook: (region, parsed TestInvokeMethod input) -> TestInvokeMethodResponse dict
# ({"status", "body", "headers", "multiValueHeaders", "log", "latency"}).
TestInvoke = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]
# Cache flush hook: (region, restApiId, stageName, "data" | "authorizers").
FlushCache = Callable[[str, str, str, str], None]


@dataclass(frozen=True)
class AdminSettings:
    default_region: str = "us-east-1"
    account_id: str = "123456789012"
    data_plane_domain: str = "localhost"  # invoke URLs and custom-domain targets use it
    data_plane_port: int = 8080
    # access key id -> secret key. Empty: any (or no) signature is accepted.
    admin_keys: Mapping[str, str] = field(default_factory=dict)
    test_invoke: TestInvoke | None = None
    # Called after every committed write so the data plane recompiles at once.
    on_change: Callable[[], None] | None = None
    on_flush_cache: FlushCache | None = None
    # Encrypts secrets at rest (API key values, client-certificate private keys: see
    # frontgate.state.keyring); None stores them in clear.
    keyring: Keyring | None = None
    # UpdateUsage hook: (region, usagePlanId, keyId) -> make the live quota counter follow.
    on_usage_update: Callable[[str, str, str], Awaitable[None]] | None = None
    # (restApiId, stageName) -> why this node cannot serve the stage (its deployment does not
    # compile), or None; GetStage reports it as a ``frontgate:unservable`` tag and header.
    stage_problem: Callable[[str, str], str | None] | None = None
    # Regions served besides default_region; a credential scoped to any other is refused.
    regions: frozenset[str] = frozenset()

    @cached_property  # read on every request: computed once
    def served_regions(self) -> frozenset[str]:
        return self.regions | {self.default_region}
