"""What the ``AWS::ApiGatewayV2`` types share: their names and the ``apigatewayv2`` calls
they all make (paged listings, tags, changed members)."""

from __future__ import annotations

from typing import Any

from frontgate.cli.deploy.base import Context

API = "AWS::ApiGatewayV2::Api"
ROUTE = "AWS::ApiGatewayV2::Route"
INTEGRATION = "AWS::ApiGatewayV2::Integration"
STAGE = "AWS::ApiGatewayV2::Stage"
AUTHORIZER = "AWS::ApiGatewayV2::Authorizer"
DEPLOYMENT = "AWS::ApiGatewayV2::Deployment"
BODY_TAG = "frontgate:body-sha256"


def pick(props: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {k: props[k] for k in names if k in props}


def arn(ctx: Context, path: str) -> str:
    return f"arn:aws:apigateway:{ctx.region}::{path}"


def sync_tags(ctx: Context, arn: str, have: dict[str, str], want: dict[str, str]) -> bool:
    if have == want:
        return False
    v2 = ctx.client("apigatewayv2")
    v2.tag_resource(ResourceArn=arn, Tags=want)
    gone = [k for k in have if k not in want]
    if gone:
        v2.untag_resource(ResourceArn=arn, TagKeys=gone)
    return True


def items(ctx: Context, method: str, **args: Any) -> list[dict[str, Any]]:
    """Every item of a ``Get*`` listing, following ``NextToken``."""
    call = getattr(ctx.client("apigatewayv2"), method)
    found: list[dict[str, Any]] = []
    token = None
    while True:
        page = call(**args, **({"NextToken": token} if token else {}))
        found.extend(page.get("Items", []))
        token = page.get("NextToken")
        if not token:
            return found


def listing(ctx: Context, method: str, api_id: str) -> list[dict[str, Any]]:
    """An API's children for the sweep: none of a kind the node does not implement."""
    from botocore.exceptions import ClientError

    try:
        return items(ctx, method, ApiId=api_id)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "UnknownOperationException":
            return []
        raise
