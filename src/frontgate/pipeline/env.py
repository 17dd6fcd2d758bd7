"""What pipeline stages share across requests: settings and long-lived clients (never config)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from frontgate.observe.observer import Observer

if TYPE_CHECKING:
    from frontgate.awscall.client import AwsClient
    from frontgate.observe.metrics import Metrics
    from frontgate.pipeline.access_log import AccessLog
    from frontgate.snapshot.snapshot import Snapshot
    from frontgate.traffic.limiter import Limiter
    from frontgate.upstream.pool import UpstreamPool


class Runtime:
    """Per-process state the data plane keeps beside the immutable snapshot it serves: what
    requests learn (routings, Lambda authorizer results). Owned by the worker; the control plane
    changes it only through the change channel (``frontgate.pipeline.runtime_changes``), never in
    place.

    - ``routes``: routings of the snapshot being served, (path, Host, method) -> (snapshot, ...),
      kept by pipeline.route (bounded there); a new dict at every swap;
    - ``authorizers``: (apiId, stageName, authorizerId) -> (Stage, ResultCache); an entry is
      valid only for the very Stage object it was made for (a redeployed stage starts empty).
    """

    __slots__ = ("authorizers", "routes")

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str, str], tuple[Any, ...]] = {}
        self.authorizers: dict[tuple[str, str, str], tuple[Any, Any]] = {}

    def swapped(self, snapshot: Snapshot) -> None:
        """A new snapshot is served: forget its predecessor's routings and the authorizer
        caches of stages it no longer serves as they were."""
        self.routes = {}
        stages = snapshot.stages
        for key, (stage, _cache) in list(self.authorizers.items()):
            if stages.get((key[0], key[1])) is not stage:
                del self.authorizers[key]

    def flush_authorizers(self, api_id: str, stage_name: str) -> None:
        """FlushStageAuthorizersCache, as applied from the change channel."""
        for key in list(self.authorizers):
            if key[0] == api_id and key[1] == stage_name:
                del self.authorizers[key]


class Env:
    """Built once per worker and never changed (a plain compiled class rather than a frozen
    dataclass: every stage reads its attributes, which compiled code then reads directly).

    - ``domain``: the invoke-URL domain, ``{apiId}.execute-api.{domain}``;
    - ``path_prefix``: the path-based invoke form for clients that cannot set Host;
    - ``limiter``: usage plans, throttling, quotas (frontgate.traffic);
    - ``functions``: frontgate.functions.FunctionInvoker (AWS_PROXY, Lambda authorizers);
    - ``auth``: frontgate.auth.runtime.AuthRuntime (JWKS caches, issuers, config users);
    - ``runtime``: the worker's mutable per-process state (Runtime);
    - ``aws``: frontgate.awscall.AwsClient, the signed calls to AWS services (``AWS``
      integrations, HTTP API integration subtypes); built from defaults when not given;
    - ``observer``: metrics, access/execution logs and traces (frontgate.observe); stages count
      events with ``env.metrics.inc("throttled" | "quota" | "unauthorized" | "cache_hit" |
      "cache_miss", ctx)``.
    """

    __slots__ = (
        "access_log",
        "auth",
        "aws",
        "domain",
        "functions",
        "limiter",
        "observer",
        "path_prefix",
        "pool",
        "runtime",
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
        runtime: Runtime | None = None,
        aws: AwsClient | None = None,
    ) -> None:
        self.domain = domain
        self.pool = pool
        self.access_log = access_log
        self.path_prefix = path_prefix
        self.limiter = limiter
        self.functions = functions
        self.auth = auth
        self.observer: Observer = observer if observer is not None else Observer()
        self.runtime: Runtime = runtime if runtime is not None else Runtime()
        if aws is None:
            from frontgate.awscall.client import AwsClient

            aws = AwsClient(pool, static_iam=getattr(auth, "static_iam", None))
        self.aws: AwsClient = aws

    @property
    def metrics(self) -> Metrics:
        return self.observer.metrics

    @property
    def host_suffix(self) -> str:
        return ".execute-api." + self.domain
