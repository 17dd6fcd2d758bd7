"""What pipeline stages share across requests: settings and long-lived clients (never config)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from frontgate.observe.observer import Observer

if TYPE_CHECKING:
    from frontgate.observe.metrics import Metrics
    from frontgate.pipeline.access_log import AccessLog
    from frontgate.traffic.limiter import Limiter
    from frontgate.upstream.pool import UpstreamPool


@dataclass(frozen=True, slots=True)
class Env:
    domain: str  # invoke-URL domain: {apiId}.execute-api.{domain}
    pool: UpstreamPool
    access_log: AccessLog | None = None
    path_prefix: str = "/_aws/execute-api/"  # path-based invoke form for clients without Host
    limiter: Limiter | None = None  # usage plans, throttling, quotas (frontgate.traffic)
    functions: Any = None  # frontgate.functions.FunctionInvoker (AWS_PROXY, Lambda authorizers)
    auth: Any = None  # frontgate.auth.runtime.AuthRuntime (JWKS caches, issuers, config users)
    # Metrics, access/execution logs and traces (frontgate.observe); count events with
    # ``env.metrics.inc("throttled" | "quota" | "unauthorized" | "cache_hit" | "cache_miss", ctx)``.
    observer: Observer = field(default_factory=Observer)

    @property
    def metrics(self) -> Metrics:
        return self.observer.metrics

    @property
    def host_suffix(self) -> str:
        return ".execute-api." + self.domain
