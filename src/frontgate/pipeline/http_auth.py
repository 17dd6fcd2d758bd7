"""Authorization of HTTP API routes — the hook ``pipeline.plan.plan_route`` calls; the JWT and
Lambda authorizers are built separately and replace the placeholders here.

``plan(route, authorizers, prefix, account_id, region)`` returns the policy stages for one
route: ``route`` is the apigatewayv2 route document, ``authorizers`` the API's authorizer
documents, ``prefix`` the route ARN prefix ``arn:aws:execute-api:{region}:{account}:{apiId}/
{stage}/``. A stage that authorizes sets ``ctx.authorizer`` to payload 2.0's shape
(``{"jwt": {"claims", "scopes"}}``, ``{"lambda": {...}}``, ``{"iam": {...}}``; the 1.0 event
converts it, ``lambda_payload.v1_authorizer``) and fails with ``GatewayError``s whose response
types pick the HTTP API answer (UNAUTHORIZED → 401, ACCESS_DENIED → 403, others → 500).

Until then a JWT or CUSTOM route is refused with 500 (never served unauthenticated)."""

from __future__ import annotations

from typing import Any

from frontgate.pipeline import authorize
from frontgate.pipeline.context import StageFn


def plan(
    route: dict[str, Any],
    authorizers: list[dict[str, Any]],
    prefix: str,
    account_id: str,
    region: str,
) -> list[StageFn]:
    auth_type = str(route.get("authorizationType") or "NONE").upper()
    if auth_type == "NONE":
        return []
    if auth_type == "AWS_IAM":
        return [authorize.iam_stage(None, prefix, account_id, region)]
    return [authorize.misconfigured]
