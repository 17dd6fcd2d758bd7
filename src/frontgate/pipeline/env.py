"""What pipeline stages share across requests: settings and long-lived clients (never config)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from frontgate.observe.observer import Observer

if TYPE_CHECKING:
    from frontgate.observe.metrics import Metrics
    from frontgate.pipeline.access_log import AccessLog
    from frontgate.traffic.limiter import Limiter
    from frontgate.upstream.pool import UpstreamPool


class Env:
    """Built once per worker and never changed (a plain compiled class rather than a frozen
    dataclass: every stage reads its attributes, which compiled code then reads directly).

    - ``domain``: the invoke-URL domain, ``{apiId}.execute-api.{domain}``;
    - ``path_prefix``: the path-based invoke form for clients that cannot set Host;
    - ``limiter``: usage plans, throttling, quotas (frontgate.traffic);
    - ``functions``: frontgate.functions.FunctionInvoker (AWS_PROXY, Lambda authorizers);
    - ``auth``: frontgate.auth.runtime.AuthRuntime (JWKS caches, issuers, config users);
    - ``observer``: metrics, access/execution logs and traces (frontgate.observe); stages count
      events with ``env.metrics.inc("throttled" | "quota" | "unauthorized" | "cache_hit" |
      "cache_miss", ctx)``.
    """

    __slots__ = (
        "access_log",
        "auth",
        "domain",
        "functions",
        "limiter",
        "observer",
        "path_prefix",
        "pool",
    )

    def __init__(
        self,
        domain: str,
        pool: UpstreamPool,
        access_log: AccessLog | None = None,
        path_prefix: str = "/_aws/execute-api/",
        limiter: Limiter | None = None,
        functions: Any = None,
        auth: Any = None,
        observer: Observer | None = None,
    ) -> None:
        self.domain = domain
        self.pool = pool
        self.access_log = access_log
        self.path_prefix = path_prefix
        self.limiter = limiter
        self.functions = functions
        self.auth = auth
        self.observer: Observer = observer if observer is not None else Observer()

    @property
    def metrics(self) -> Metrics:
        return self.observer.metrics

    @property
    def host_suffix(self) -> str:
        return ".execute-api." + self.domain
