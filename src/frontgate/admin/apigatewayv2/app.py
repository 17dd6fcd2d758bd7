"""``AdminV2App``: Amazon API Gateway's ``apigatewayv2`` management API (HTTP and WebSocket APIs)
over a ``ConfigStore``. One request in, one response out; the HTTP server owns the connection.

The admin listener sends it every request whose path starts ``/v2/`` (``is_v2_request``): the
two API Gateway services share the signing name ``apigateway`` and one endpoint, and only
apigatewayv2 has paths under ``/v2/``."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs

from frontgate.admin import auth
from frontgate.admin.answer import answer
from frontgate.admin.apigateway.names import check_names
from frontgate.admin.apigatewayv2 import ops
from frontgate.admin.apigatewayv2.context import Ctx
from frontgate.admin.apigatewayv2.registry import HANDLERS
from frontgate.admin.apigatewayv2.wire import (
    DIALECT,
    check_lengths,
    from_wire,
    router,
    to_wire,
)
from frontgate.admin.errors import UnknownOperation
from frontgate.admin.settings import AdminSettings
from frontgate.admin.wire.restjson import parse_input, serialize_output
from frontgate.admin.wire.routes import origin_form
from frontgate.http.message import Request, Response
from frontgate.outage import StoreRequests
from frontgate.state.store import ConfigStore

log = logging.getLogger(__name__)


def is_v2_request(request: Request) -> bool:
    """Whether a request on the admin listener is an apigatewayv2 call (path ``/v2/...``)."""
    path = origin_form(request.target).partition("?")[0]
    return path == "/v2" or path.startswith("/v2/")


class AdminV2App:
    """Serve the apigatewayv2 API. ``handle`` never raises: every failure is an AWS error
    body."""

    def __init__(self, store: ConfigStore, settings: AdminSettings) -> None:
        self.store = store
        self.settings = settings
        self.router = router()
        self.outage = StoreRequests(log, "apigatewayv2 API")
        ops.load()

    @staticmethod
    def implemented() -> list[str]:
        ops.load()
        return sorted(HANDLERS)

    async def handle(self, request: Request) -> Response:
        return await answer(self._handle, request, self.outage, log, "apigatewayv2")

    async def _handle(self, request: Request) -> Response:
        raw_path, _, raw_query = origin_form(request.target).partition("?")
        query = parse_qs(raw_query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in request.headers}
        auth.verify(request, headers, self.settings)
        found = self.router.match(request.method, raw_path, query)
        if found is None:
            raise UnknownOperation()  # AWS: no message for a path it has no operation at
        route, labels = found
        if route.name not in HANDLERS:  # an operation of AWS's that Frontgate does not serve
            raise UnknownOperation(
                f"Frontgate does not implement the apigatewayv2 operation {route.name}."
            )
        auth.check_scope(headers, "apigateway", self.settings.served_regions)
        region = auth.region_of(headers, self.settings.default_region)
        parsed = parse_input(route, labels, query, headers, request.body, DIALECT)
        ctx = Ctx(self.store, self.settings, region, request)
        # Handlers speak the wire names (the stored documents' shape): see registry.
        inp = to_wire(route.input_shape, parsed)
        check_lengths(route.input_shape, inp)
        check_names(inp)  # no control characters in names (banner, status, logs)
        out = await HANDLERS[route.name](ctx, inp)
        out = from_wire(route.output_shape, out)
        if request.method != "GET" and self.settings.on_change is not None:
            self.settings.on_change()
        status, out_headers, body = serialize_output(route, out)
        return Response(status, [*out_headers, *ctx.headers], body)
