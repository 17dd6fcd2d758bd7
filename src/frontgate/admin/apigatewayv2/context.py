"""What an apigatewayv2 operation handler receives besides its input: the store, the region,
the settings, and the API endpoint of this node's data plane."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from frontgate.admin.settings import AdminSettings
from frontgate.http.message import Request
from frontgate.state.store import ConfigStore, Tx


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

    def api_endpoint(self, api_id: str, protocol: str = "HTTP") -> str:
        """The invoke URL of an API on this node's plain-HTTP data-plane listener, in the form
        AWS answers (``https://{apiId}.execute-api.{region}.amazonaws.com``; WebSocket:
        ``wss://``), with this node's domain and port."""
        scheme = "ws" if protocol == "WEBSOCKET" else "http"
        host = f"{api_id}.execute-api.{self.settings.data_plane_domain}"
        if self.settings.data_plane_port != 80:
            host += f":{self.settings.data_plane_port}"
        return f"{scheme}://{host}"

    def arn(self, path: str) -> str:
        """The ARN of an apigatewayv2 resource (``/apis/{apiId}``), as TagResource takes it."""
        return f"arn:aws:apigateway:{self.region}::{path}"
