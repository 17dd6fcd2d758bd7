"""What pipeline stages share across requests: settings and long-lived clients (never config)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from frontgate.pipeline.access_log import AccessLog
    from frontgate.upstream.pool import UpstreamPool


@dataclass(frozen=True, slots=True)
class Env:
    domain: str  # invoke-URL domain: {apiId}.execute-api.{domain}
    pool: UpstreamPool
    access_log: AccessLog | None = None
    path_prefix: str = "/_aws/execute-api/"  # path-based invoke form for clients without Host

    @property
    def host_suffix(self) -> str:
        return ".execute-api." + self.domain
