"""``AdminApp``: Amazon API Gateway's management API (the ``apigateway`` REST service) over a
``ConfigStore``. One request in, one response out; the HTTP server owns the connection."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs

from frontgate.admin import auth
from frontgate.admin.answer import answer
from frontgate.admin.apigateway import ops
from frontgate.admin.apigateway.context import Ctx
from frontgate.admin.apigateway.names import check_names
from frontgate.admin.apigateway.registry import HANDLERS
from frontgate.admin.apigateway.wire import DIALECT, router
from frontgate.admin.errors import UnknownOperation
from frontgate.admin.settings import AdminSettings
from frontgate.admin.wire.restjson import parse_input, serialize_output
from frontgate.admin.wire.routes import origin_form
from frontgate.http.message import Request, Response
from frontgate.outage import StoreRequests
from frontgate.state.store import ConfigStore

log = logging.getLogger(__name__)


class AdminApp:
    """Serve the management API. ``handle`` never raises: every failure is an AWS error body."""

    def __init__(self, store: ConfigStore, settings: AdminSettings) -> None:
        self.store = store
        self.settings = settings
        self.router = router()
        self.outage = StoreRequests(log, "apigateway API")
        ops.load()

    @staticmethod
    def implemented() -> list[str]:
        ops.load()
        return sorted(HANDLERS)

    async def handle(self, request: Request) -> Response:
        return await answer(self._handle, request, self.outage, log, "admin")

    async def _handle(self, request: Request) -> Response:
        target = origin_form(request.target)
        raw_path, _, raw_query = target.partition("?")
        query = parse_qs(raw_query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in request.headers}
        auth.verify(request, headers, self.settings)
        found = self.router.match(request.method, raw_path, query)
        if found is None:
            raise UnknownOperation()  # AWS: no message for a path it has no operation at
        if found[0].name not in HANDLERS:  # an operation of AWS's that Frontgate does not serve
            raise UnknownOperation(
                f"Frontgate does not implement the apigateway operation {found[0].name}."
            )
        # Once the request is known to be an apigateway call (a call for a service this listener
        # does not implement is answered as such): its scope must say so, in a served region.
        auth.check_scope(headers, "apigateway", self.settings.served_regions)
        region = auth.region_of(headers, self.settings.default_region)
        route, labels = found
        inp = parse_input(route, labels, query, headers, request.body, DIALECT)
        check_names(inp)
        ctx = Ctx(self.store, self.settings, region, request)
        out = await HANDLERS[route.name](ctx, inp)
        if _writes(route.name, route.method) and self.settings.on_change is not None:
            self.settings.on_change()
        status, out_headers, body = serialize_output(route, out)
        return Response(status, [*out_headers, *ctx.headers], body)


def _writes(name: str, method: str) -> bool:
    return method != "GET" and not name.startswith("TestInvoke")
