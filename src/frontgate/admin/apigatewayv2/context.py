"""What an apigatewayv2 operation handler receives besides its input: the store, the region,
the settings, and the API endpoint of this node's data plane."""

from __future__ import annotations

from dataclasses import dataclass

from frontgate.admin.apigateway.context import Ctx as RestCtx


@dataclass(slots=True)
class Ctx(RestCtx):
    """The REST API's handler context (store, settings, region, request, extra headers, ARNs)
    plus this node's API endpoint."""

    def api_endpoint(self, api_id: str, protocol: str = "HTTP") -> str:
        """The invoke URL of an API on this node's plain-HTTP data-plane listener, in the form
        AWS answers (``https://{apiId}.execute-api.{region}.amazonaws.com``; WebSocket:
        ``wss://``), with this node's domain and port."""
        scheme = "ws" if protocol == "WEBSOCKET" else "http"
        host = f"{api_id}.execute-api.{self.settings.data_plane_domain}"
        if self.settings.data_plane_port != 80:
            host += f":{self.settings.data_plane_port}"
        return f"{scheme}://{host}"
