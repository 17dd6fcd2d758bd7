"""What the HTTP API authorizer stages share: the failures as HTTP APIs answer them, the route
ARN prefix, and identity-source selection expressions.

HTTP APIs have no gateway-response customisation: every failure is a GatewayError whose
``message`` is exactly the body's ``message`` on AWS (``Unauthorized``, ``Forbidden``,
``Internal Server Error``, or a SigV4 text), whose response type says which kind of failure it
was (UNAUTHORIZED, ACCESS_DENIED, AUTHORIZER_FAILURE, AUTHORIZER_CONFIGURATION_ERROR, ...), and
whose ``headers`` carry what AWS adds (``www-authenticate`` on JWT failures)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from frontgate.gateway_errors import GatewayError
from frontgate.pipeline.context import Context
from frontgate.pipeline.values import context_var, header, query

Doc = dict[str, Any]

UNAUTHORIZED = "Unauthorized"
FORBIDDEN = "Forbidden"
INTERNAL = "Internal Server Error"


def unauthorized(headers: tuple[tuple[str, str], ...] = ()) -> GatewayError:
    return GatewayError("UNAUTHORIZED", UNAUTHORIZED, "UnauthorizedException", headers=headers)


def forbidden(
    response_type: str = "ACCESS_DENIED", headers: tuple[tuple[str, str], ...] = ()
) -> GatewayError:
    return GatewayError(response_type, FORBIDDEN, "ForbiddenException", headers=headers)


def internal(response_type: str = "AUTHORIZER_CONFIGURATION_ERROR") -> GatewayError:
    error = "AuthorizerFailureException"
    if response_type == "AUTHORIZER_CONFIGURATION_ERROR":
        error = "AuthorizerConfigurationException"
    return GatewayError(response_type, INTERNAL, error)


def route_prefix(region: str, account_id: str, api_id: str, stage_name: str) -> str:
    """The route ARN up to the verb: ``arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/``
    (``$default`` is spelled as such); ``authorize.method_arn`` adds ``{VERB}{path}``."""
    return f"arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage_name}/"


# -- identity sources ------------------------------------------------------------------------


def _stage_var(ctx: Context, name: str) -> str | None:
    return ctx.stage.variables.get(name) if ctx.stage is not None else None


_SOURCES: tuple[tuple[str, Callable[[Context, str], str | None]], ...] = (
    ("$request.header.", header),  # header names are case-insensitive
    ("$request.querystring.", query),  # query names are case-sensitive
    ("$context.", context_var),
    ("$stageVariables.", _stage_var),
)


def _bind(read: Callable[[Context, str], str | None], name: str) -> Callable[[Context], str | None]:
    return lambda c: read(c, name)


def source_getters(sources: list[str] | tuple[str, ...]) -> list[Callable[[Context], str | None]]:
    """Readers for identity-source selection expressions (``$request.header.Authorization``,
    ``$request.querystring.token``, ``$context.routeKey``, ``$stageVariables.x``). An
    expression of no known form reads nothing, so a request never satisfies it (the management
    API refuses such expressions at write time)."""
    getters: list[Callable[[Context], str | None]] = []
    for raw in sources:
        src = str(raw).strip()
        for prefix, read in _SOURCES:
            if src.startswith(prefix) and len(src) > len(prefix):
                getters.append(_bind(read, src[len(prefix) :]))
                break
        else:
            getters.append(lambda c: None)
    return getters


def identity_sources(doc: Doc) -> list[str]:
    found = doc.get("identitySource") or []
    if isinstance(found, str):  # tolerated: one expression or a comma-separated list
        found = [s for s in found.split(",") if s.strip()]
    return [str(s).strip() for s in found]
