"""Integration and IntegrationResponse operations (stored inside their method)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from frontgate.admin.apigateway.context import Ctx, Doc
from frontgate.admin.apigateway.ops.common import get_method, get_resource, pick
from frontgate.admin.apigateway.ops.methods import StatusResponses, edit_resource
from frontgate.admin.apigateway.patch import apply_patch, as_bool, as_int, enum_of, rule
from frontgate.admin.apigateway.registry import operation
from frontgate.admin.errors import BadRequest, NotFound
from frontgate.awscall import arn
from frontgate.compile import checks

_INTEGRATION_NOT_FOUND = "Invalid Integration identifier specified"
PASSTHROUGH = ("WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER")
CONTENT_HANDLING = ("CONVERT_TO_BINARY", "CONVERT_TO_TEXT")

_RULES = (
    rule("/uri"),
    rule("/httpMethod"),
    rule("/type", conv=enum_of("HTTP", "AWS", "MOCK", "HTTP_PROXY", "AWS_PROXY")),
    rule("/credentials", "replace", "remove"),
    rule("/passthroughBehavior", conv=enum_of(*PASSTHROUGH)),
    rule("/timeoutInMillis", conv=as_int),
    rule("/contentHandling", "replace", "remove", conv=enum_of(*CONTENT_HANDLING)),
    rule("/cacheNamespace"),
    rule("/cacheKeyParameters/{param}", "add", "remove", kind="element"),
    rule("/requestParameters/{name}", "add", "replace", "remove", kind="entry"),
    rule("/requestTemplates/{contentType}", "add", "replace", "remove", kind="entry"),
    rule("/connectionType", conv=enum_of("INTERNET", "VPC_LINK")),
    rule("/connectionId", "replace", "remove"),
    rule("/tlsConfig/insecureSkipVerification", conv=as_bool),
    rule("/responseTransferMode", conv=enum_of("BUFFERED", "STREAM")),
)
_RESPONSE_RULES = (
    rule("/selectionPattern", "replace", "remove"),
    rule("/contentHandling", "replace", "remove", conv=enum_of(*CONTENT_HANDLING)),
    rule("/responseParameters/{name}", "add", "replace", "remove", kind="entry"),
    rule("/responseTemplates/{contentType}", "add", "replace", "remove", kind="entry"),
)


# What AWS_PROXY may invoke: a Lambda function by the Lambda API's invocation path, or Firehose
# by action (AWS refuses the rest, e.g. ``lambda:path/random/...`` or ``firehose:path/...``).
_PROXY_TARGET = re.compile(
    r"lambda:path/\d{4}-\d{2}-\d{2}/functions/.+/invocations|firehose:action/.+"
)


def check_integration(integ: Doc) -> None:
    """AWS's checks on an integration's type, HTTP method, URI and timeout."""
    kind = integ["type"]
    if kind == "MOCK":
        return
    if not integ.get("httpMethod"):
        raise BadRequest("Enumeration value for HttpMethod must be non-empty")
    uri = integ.get("uri") or ""
    if kind in ("HTTP", "HTTP_PROXY"):
        parts = urlsplit(uri)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise BadRequest("Invalid HTTP endpoint specified for URI")
    else:
        if not uri.startswith("arn:") or len(uri.split(":", 5)) < 6:
            raise BadRequest("Invalid ARN specified in the request")
        resource = uri.split(":", 5)[5]
        if not resource.startswith(("path/", "action/")):
            raise BadRequest("AWS ARN for integration must contain path or action")
        if kind == "AWS_PROXY" and not _PROXY_TARGET.fullmatch(uri.split(":", 4)[4]):
            raise BadRequest(
                "Integrations of type 'AWS_PROXY' currently only supports Lambda function and "
                "Firehose stream invocations."
            )
    credentials = integ.get("credentials")
    if credentials and not arn.valid_credentials(str(credentials)):
        raise BadRequest("Invalid ARN specified in the request")
    timeout = integ.get("timeoutInMillis", 29000)
    # AWS: 50 ms up; above 29 s only where the account quota was raised (up to 300 s).
    if not 50 <= timeout <= 300_000:
        raise BadRequest("Timeout should be between 50 ms and 300000 ms")


def _declared(check: Callable[..., None], method: Doc, *args: Any) -> None:
    """Mappings read and set only what the method declares (AWS checks it at the Put)."""
    try:
        check(method, *args)
    except checks.DefinitionError as exc:
        raise BadRequest(str(exc)) from None


def _check_response(res: Doc, inp: dict[str, Any], resp: Doc) -> None:
    method = res["resourceMethods"][inp["httpMethod"]]
    templates = resp.get("responseTemplates")
    if templates:  # AWS stores an empty template as null (recorded): the body passes through
        resp["responseTemplates"] = {k: v or None for k, v in templates.items()}
    _declared(checks.check_declared_response, method, str(inp["statusCode"]), resp)


def _integration(res: Doc, inp: dict[str, Any]) -> Doc:
    integ = get_method(res, inp["httpMethod"]).get("methodIntegration")
    if integ is None:
        raise NotFound(_INTEGRATION_NOT_FOUND)
    return integ  # type: ignore[no-any-return]


@operation("PutIntegration")
async def put_integration(ctx: Ctx, inp: dict[str, Any]) -> Doc | None:
    def put(res: Doc) -> Doc:
        method = res["resourceMethods"][inp["httpMethod"]]
        kind = inp["type"]
        integ: Doc = {"type": kind}
        if inp.get("integrationHttpMethod"):
            integ["httpMethod"] = inp["integrationHttpMethod"]
        if kind != "MOCK" and inp.get("uri"):
            integ["uri"] = inp["uri"]
        if kind in ("HTTP", "HTTP_PROXY"):
            integ["connectionType"] = "INTERNET"
        integ.update(
            pick(
                inp,
                "connectionType",
                "connectionId",
                "credentials",
                "requestParameters",
                "requestTemplates",
                "contentHandling",
                "tlsConfig",
                "responseTransferMode",
            )
        )
        integ["passthroughBehavior"] = inp.get("passthroughBehavior") or "WHEN_NO_MATCH"
        integ["timeoutInMillis"] = inp.get("timeoutInMillis") or 29000
        integ["cacheNamespace"] = inp.get("cacheNamespace") or res["id"]
        integ["cacheKeyParameters"] = inp.get("cacheKeyParameters") or []
        if integ["passthroughBehavior"] not in PASSTHROUGH:
            raise BadRequest(
                "Invalid passthrough behavior specified: " + integ["passthroughBehavior"]
            )
        check_integration(integ)
        _declared(checks.check_declared_request, method, integ)
        # Re-putting an integration keeps its integration responses (scripts re-run put-*).
        old = method.get("methodIntegration") or {}
        if old.get("integrationResponses"):
            integ["integrationResponses"] = old["integrationResponses"]
        method["methodIntegration"] = integ
        return integ

    return await edit_resource(ctx, inp, put)


@operation("GetIntegration")
async def get_integration(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    res = await get_resource(ctx.store, ctx, inp["restApiId"], inp["resourceId"])
    return _integration(res, inp)


@operation("UpdateIntegration")
async def update_integration(ctx: Ctx, inp: dict[str, Any]) -> Doc | None:
    def patch(res: Doc) -> Doc:
        integ = apply_patch(_integration(res, inp), inp.get("patchOperations"), _RULES)
        integ.setdefault("cacheKeyParameters", [])  # always listed, even empty (recorded)
        check_integration(integ)
        _declared(checks.check_declared_request, res["resourceMethods"][inp["httpMethod"]], integ)
        res["resourceMethods"][inp["httpMethod"]]["methodIntegration"] = integ
        return integ

    return await edit_resource(ctx, inp, patch)


@operation("DeleteIntegration")
async def delete_integration(ctx: Ctx, inp: dict[str, Any]) -> None:
    def delete(res: Doc) -> None:
        _integration(res, inp)
        del res["resourceMethods"][inp["httpMethod"]]["methodIntegration"]

    await edit_resource(ctx, inp, delete)


_RESPONSES = StatusResponses(
    "integrationResponses",
    _integration,
    ("selectionPattern", "responseParameters", "responseTemplates", "contentHandling"),
    _RESPONSE_RULES,
    check=_check_response,
)
put_integration_response = operation("PutIntegrationResponse")(_RESPONSES.put)
get_integration_response = operation("GetIntegrationResponse")(_RESPONSES.get)
update_integration_response = operation("UpdateIntegrationResponse")(_RESPONSES.update)


@operation("DeleteIntegrationResponse")
async def delete_integration_response(ctx: Ctx, inp: dict[str, Any]) -> None:
    try:
        await _RESPONSES.delete(ctx, inp)
    except NotFound as exc:
        if exc.message != "Invalid Method identifier specified":
            raise
        # Here (only) AWS names the integration when the method is missing (recorded).
        raise NotFound(_INTEGRATION_NOT_FOUND) from None
