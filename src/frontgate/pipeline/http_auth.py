"""Authorization of HTTP API routes — the hook ``pipeline.plan.plan_route`` calls, delegating to
``pipeline.http_authorizers`` (JWT, Lambda REQUEST and AWS_IAM authorizers).

``plan(route, authorizers, prefix, account_id, region)`` returns the policy stages for one
route: ``route`` is the apigatewayv2 route document, ``authorizers`` the API's authorizer
documents, ``prefix`` the route ARN prefix ``arn:aws:execute-api:{region}:{account}:{apiId}/
{stage}/``. A stage that authorizes sets ``ctx.authorizer`` to payload 2.0's shape
(``{"jwt": {"claims", "scopes"}}``, ``{"lambda": {...}}`` (+ ``"principalId"`` for IAM-policy
answers), ``{"iam": {...}}``; the 1.0 event converts it, ``lambda_payload.v1_authorizer``) and
fails with ``GatewayError``s whose response types pick the HTTP API answer (UNAUTHORIZED → 401,
ACCESS_DENIED and the SigV4 types → 403, others → 500)."""

from __future__ import annotations

from typing import Any

from frontgate.pipeline import http_authorizers
from frontgate.pipeline.context import StageFn


def plan(
    route: dict[str, Any],
    authorizers: list[dict[str, Any]],
    prefix: str,
    account_id: str,
    region: str,
) -> list[StageFn]:
    # The prefix ends "{apiId}/{stage}/"; neither an API id nor a stage name holds a slash.
    api_id, stage_name = prefix.rsplit(":", 1)[1].split("/")[:2]
    return http_authorizers.plan(
        route, authorizers, region=region, account_id=account_id, api_id=api_id,
        stage_name=stage_name,
    )  # fmt: skip
