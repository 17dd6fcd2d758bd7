"""HTTP API (apigatewayv2) route authorization, planned once per route: JWT authorizers
(``pipeline.http_jwt``), Lambda REQUEST authorizers (``pipeline.http_lambda_authorizer``) and
``AWS_IAM`` (SigV4, the REST implementation in ``pipeline.authorize``).

Failures are GatewayErrors shaped as HTTP APIs answer them (``pipeline.http_auth_common``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from frontgate.gateway_errors import GatewayError
from frontgate.pipeline import http_jwt, http_lambda_authorizer
from frontgate.pipeline.authorize import iam_stage
from frontgate.pipeline.context import Context, StageFn
from frontgate.pipeline.http_auth_common import forbidden, internal, route_prefix
from frontgate.snapshot.recipe import recipe

if TYPE_CHECKING:
    from frontgate.pipeline.env import Env

Doc = dict[str, Any]


# -- planning --------------------------------------------------------------------------------


def plan(
    route: Doc,
    authorizers: list[Doc],
    *,
    region: str,
    account_id: str,
    api_id: str,
    stage_name: str,
) -> list[StageFn]:
    """The authorization stages of one route of one stage (empty for ``NONE``).

    ``route`` and ``authorizers`` are apigatewayv2 wire documents (definition/httpapis.py).
    The stages finish synchronously when nothing waits (IAM, a JWT whose issuer's keys are
    cached, a cached Lambda result) and return an awaitable otherwise."""
    kind = str(route.get("authorizationType") or "NONE")
    prefix = route_prefix(region, account_id, api_id, stage_name)
    if kind == "NONE":
        return []
    if kind == "AWS_IAM":
        return [iam_route_step(prefix, account_id, region)]
    authorizer = next(
        (a for a in authorizers if str(a.get("authorizerId")) == str(route.get("authorizerId"))),
        None,
    )
    if authorizer is None:
        return [misconfigured]
    atype = str(authorizer.get("authorizerType") or "")
    if kind == "JWT" and atype == "JWT":
        return [http_jwt.plan(authorizer, route)]
    if kind == "CUSTOM" and atype == "REQUEST":
        return [
            http_lambda_authorizer.plan(
                authorizer, route, prefix=prefix, region=region, account_id=account_id,
                api_id=api_id, stage_name=stage_name,
            )
        ]  # fmt: skip
    return [misconfigured]


def misconfigured(ctx: Context, env: Env) -> None:
    """The route names an authorizer the deployment does not hold (or of the wrong type)."""
    ctx.log("Execution failed due to configuration error: authorizer not found")
    raise internal()


# -- AWS_IAM ---------------------------------------------------------------------------------


def iam_route_step(prefix: str, account_id: str, region: str) -> StageFn:
    """SigV4 (service ``execute-api``, the API's region) and the caller's identity policies,
    through REST's ``authorize.iam_stage`` (HTTP APIs have no resource policy). On success
    ``ctx.authorizer = {"iam": {...}}`` as payload 2.0 shows it, and ``ctx.identity`` as
    REST sets it (payload 1.0's ``requestContext.identity``).

    A missing signature or a denial is ACCESS_DENIED; a bad signature, an unknown key or a
    clock skew keeps REST's SigV4 response type and text (INVALID_SIGNATURE, EXPIRED_TOKEN,
    ...). HTTP APIs answer all of them 403 ``{"message":"Forbidden"}``
    (``gateway_errors.HTTP_API_ERRORS``); the text stays in ``$context.error.message``."""
    inner = iam_stage(None, prefix, account_id, region)

    def iam_authorize(ctx: Context, env: Env) -> None:
        try:
            inner(ctx, env)
        except GatewayError as exc:
            if exc.response_type in ("MISSING_AUTHENTICATION_TOKEN", "ACCESS_DENIED"):
                # ACCESS_DENIED: on HTTP APIs MISSING_AUTHENTICATION_TOKEN is a 404 (no route).
                raise forbidden() from None
            raise GatewayError(exc.response_type, exc.message, exc.error_type) from None
        ident = ctx.identity or {}
        ctx.authorizer = {
            "iam": {
                "accessKey": ident.get("accessKey"),
                "accountId": ident.get("accountId"),
                "callerId": ident.get("caller"),
                "cognitoIdentity": None,
                "principalOrgId": ident.get("principalOrgId"),
                "userArn": ident.get("userArn"),
                "userId": ident.get("user"),
            }
        }

    return recipe(iam_authorize, iam_route_step, prefix, account_id, region)
