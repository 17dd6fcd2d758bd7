"""Lambda function URLs on the data plane: routing, access control and CORS.

**Routing** (``route``, called by ``pipeline.route`` when the snapshot holds any function URL):
``Host: {urlId}.lambda-url.{region}.{domain}``, as on AWS, or the path form
``/_aws/lambda-url/{urlId}/{path}`` on any host, for clients that cannot set Host (like
``/_aws/execute-api/`` for APIs). Every method and path of a URL reach its function.

**Access** (``access_stage``, the URL method's one policy stage), as Lambda decides it:

- ``AuthType NONE``: the function's resource-based policy must allow the anonymous caller
  ``lambda:InvokeFunctionUrl`` (what ``aws lambda add-permission --action
  lambda:InvokeFunctionUrl --principal "*" --function-url-auth-type NONE`` adds), with the
  condition key ``lambda:FunctionUrlAuthType`` = ``NONE``; otherwise 403 ``{"Message":
  "Forbidden"}``.
- ``AWS_IAM``: a SigV4 signature for service ``lambda`` in the function's region by a known
  identity (``pipeline.authorize.authenticate``), and ``lambda:InvokeFunctionUrl`` on the
  function allowed by the identity's policies or the resource policy (same account: either;
  another account: both; an explicit deny in either wins). The caller reaches the event as
  ``requestContext.authorizer.iam``.

**CORS**: a ``Cors`` configuration is compiled by ``pipeline.cors.compile_policy`` (the rules
HTTP APIs follow); the URL answers preflight requests itself (before access control, as
browsers never sign them; ``integrations.function_url``) and adds the headers to the
function's responses for an allowed ``Origin``, replacing any the function set.

**Headers**: a URL's responses carry Lambda's ``x-amzn-RequestId`` (the invocation's id, also
the event's ``requestContext.requestId``) and none of API Gateway's (``x-amz-apigw-id``):
``route`` (and, for a remembered routing, ``access_stage``) clears ``ctx.extended_request_id``,
which ``method_response`` reads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from frontgate.gateway_errors import GatewayError
from frontgate.iam.policy import ALLOW, ANONYMOUS, Policy
from frontgate.pipeline import authorize
from frontgate.pipeline.context import Context, StageFn
from frontgate.pipeline.cors import is_preflight
from frontgate.snapshot.function_urls import FunctionUrl
from frontgate.snapshot.recipe import recipe

if TYPE_CHECKING:
    from frontgate.iam.conditions import Lookup
    from frontgate.iam.identities import Identity
    from frontgate.pipeline.env import Env

PATH_PREFIX: Final = "/_aws/lambda-url/"
INVOKE_URL: Final = "lambda:InvokeFunctionUrl"
_MARK: Final = ".lambda-url."


def route(ctx: Context, env: Env, host: str, path: str) -> bool:
    """Route a request for a function URL (True), or leave it to the APIs (False). ``host``
    has no port; ``path`` is the request's, without the query."""
    urls = ctx.snapshot.function_urls
    url_id = ""
    if _MARK in host:
        ctx.extended_request_id = ""  # Lambda's answer: no API Gateway id (see the module)
        label, _, rest = host.lower().partition(_MARK)
        region, _, domain = rest.partition(".")
        found = urls.get(label)
        if found is not None and domain == env.domain and region == found.stage.region:
            url_id = label
    elif path.startswith(PATH_PREFIX):
        ctx.extended_request_id = ""
        url_id, slash, rest_path = path[len(PATH_PREFIX) :].partition("/")
        path = slash + rest_path or "/"
    if not url_id:
        return False
    url: FunctionUrl | None = urls.get(url_id)
    if url is None:
        raise forbidden()
    ctx.api_id = url_id
    ctx.stage_name = "$default"
    ctx.path = path
    ctx.stage = url.stage
    ctx.method = url.method
    return True


def forbidden() -> GatewayError:
    """Lambda's 403 for function URLs: ``{"Message":"Forbidden"}`` (capitalised, as IAM-style
    denials are), also where no URL's stage resolved."""
    return GatewayError("ACCESS_DENIED", "Forbidden", "AccessDeniedException", capital=True)


def unknown(host: str, path: str) -> GatewayError | None:
    """The error for a request no API or stage serves, when it was meant for a function URL
    (its Host or path form); None otherwise. Only on the error path: costs no request."""
    if _MARK in host or path.startswith(PATH_PREFIX):
        return forbidden()
    return None


def _lookup(ctx: Context, env: Env, auth_type: str, identity: Identity | None = None) -> Lookup:
    """The request's condition keys plus Lambda's function URL keys."""
    base = authorize.facts(ctx, env, identity)

    def get(key: str) -> str | list[str] | None:
        if key == "lambda:functionurlauthtype":
            return auth_type
        if key == "lambda:invokedviafunctionurl":
            return "true"
        return base(key)

    return get


def access_stage(
    policy: Policy | None, function_arn: str, auth_type: str, region: str, account: str,
    cors: bool,
) -> StageFn:  # fmt: skip
    """The URL's access check (see the module). ``policy``: the function's resource-based
    policy (None: it has none); ``cors``: the URL answers preflight requests itself."""
    regions = (region,)

    def function_url_access(ctx: Context, env: Env) -> None:
        # Lambda's answer carries no API Gateway id (see the module); cleared here too, as a
        # routing remembered by pipeline.route skips ``route`` above.
        ctx.extended_request_id = ""
        if cors and is_preflight(ctx):
            return  # answered by the integration, unsigned, as browsers send it
        if auth_type != "AWS_IAM":
            get = _lookup(ctx, env, auth_type)
            if policy is None or policy.evaluate(ANONYMOUS, INVOKE_URL, function_arn, get) != ALLOW:
                raise forbidden()
            return
        try:
            entry = authorize.authenticate(ctx, env, regions, "lambda")
        except GatewayError as exc:
            if exc.response_type in ("INVALID_SIGNATURE", "EXPIRED_TOKEN"):
                raise
            raise forbidden() from None
        ident = entry.identity
        get = _lookup(ctx, env, auth_type, ident)
        same_account = ident.account == account
        if authorize.decide(ident, policy, INVOKE_URL, function_arn, get, same_account) != ALLOW:
            raise forbidden()
        ctx.identity = authorize.caller_identity(entry)
        ctx.authorizer = {
            "iam": {
                "accessKey": entry.key_id,
                "accountId": ident.account,
                "callerId": ident.user_id,
                "cognitoIdentity": None,
                "principalOrgId": None,
                "userArn": ident.arn,
                "userId": ident.user_id,
            }
        }

    return recipe(
        function_url_access, access_stage, policy, function_arn, auth_type, region, account, cors
    )
