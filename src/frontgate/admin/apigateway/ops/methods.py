"""Method and MethodResponse operations (integrations live in ``integrations.py``), plus
TestInvokeMethod, which the data plane answers through ``settings.test_invoke``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from frontgate.admin.apigateway.context import Ctx, Doc, Reader
from frontgate.admin.apigateway.ops.common import HTTP_METHODS, get_method, get_resource, pick
from frontgate.admin.apigateway.patch import (
    Fallback,
    PatchOp,
    Rule,
    apply_patch,
    as_bool,
    enum_of,
    rule,
)
from frontgate.admin.apigateway.registry import operation
from frontgate.admin.errors import BadRequest, Conflict, NotFound, UnknownOperation
from frontgate.compile import checks
from frontgate.definition import kinds

AUTH_TYPES = ("NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS")
_STATUS_NOT_FOUND = "Invalid Response status code specified"


_AUTH_TYPE = enum_of(*AUTH_TYPES)


def _auth_type(value: str | None, path: str) -> Any:
    """AWS takes an authorization type in any case and stores it upper-cased."""
    upper = (value or "").upper()
    return _AUTH_TYPE(upper if upper in AUTH_TYPES else value, path)


_METHOD_RULES = (
    rule("/authorizationType", conv=_auth_type),
    rule("/authorizerId", "replace", "remove"),
    rule("/apiKeyRequired", conv=as_bool),
    rule("/operationName", "replace", "remove"),
    rule("/requestValidatorId", "replace", "remove"),
    rule("/authorizationScopes", "add", "remove", kind="item"),
    rule("/requestParameters/{name}", "add", "replace", "remove", kind="entry", conv=as_bool),
    rule("/requestModels/{contentType}", "add", "replace", "remove", kind="entry"),
)
_RESPONSE_RULES = (
    rule("/responseParameters/{name}", "add", "replace", "remove", kind="entry", conv=as_bool),
    rule("/responseModels/{contentType}", "add", "replace", "remove", kind="entry"),
)


async def check_method(r: Reader, ctx: Ctx, api_id: str, method: Doc) -> None:
    """Cross-references a method makes: authorizer, validator, models, parameter names; and
    the syntax of its mapping expressions (the compiler's own parser: what is accepted here
    compiles)."""
    try:
        checks.check_method(method)
    except checks.DefinitionError as exc:
        raise BadRequest(str(exc)) from None
    if method.get("authorizationType") not in AUTH_TYPES:
        raise BadRequest(
            "Invalid authorization type specified. Valid options are " + ",".join(AUTH_TYPES)
        )
    if method["authorizationType"] in ("CUSTOM", "COGNITO_USER_POOLS"):
        auth_id = method.get("authorizerId")
        if not auth_id or await r.get(ctx.region, kinds.AUTHORIZER, api_id, auth_id) is None:
            raise BadRequest(
                "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or "
                "COGNITO_USER_POOLS requires a valid authorizer."
            )
    else:
        method.pop("authorizerId", None)  # AWS ignores an authorizer on other auth types
    validator = method.get("requestValidatorId")
    if validator == "":
        method.pop("requestValidatorId")
    elif validator and not await r.get(ctx.region, kinds.REQUEST_VALIDATOR, api_id, validator):
        raise BadRequest("Invalid Request Validator identifier specified")
    models = list((method.get("requestModels") or {}).values())
    for resp in (method.get("methodResponses") or {}).values():
        models += (resp.get("responseModels") or {}).values()
    for name in models:
        if await r.get(ctx.region, kinds.MODEL, api_id, name) is None:
            raise BadRequest(f"Invalid model identifier specified: {name}")
    params = method.get("requestParameters") or {}
    if len({p.rsplit(".", 1)[-1] for p in params}) != len(params):
        raise BadRequest("Parameter names must be unique across querystring, header and path")


async def edit_resource(
    ctx: Ctx, inp: dict[str, Any], change: Callable[[Doc], Doc | None], *, must_exist: bool = True
) -> Doc | None:
    """Run ``change`` on the resource holding the method, inside one transaction."""
    api_id = inp["restApiId"]
    async with ctx.tx() as tx:
        res = await get_resource(tx, ctx, api_id, inp["resourceId"])
        if must_exist:
            get_method(res, inp["httpMethod"])
        result = change(res)
        for method in res.get("resourceMethods", {}).values():
            await check_method(tx, ctx, api_id, method)
        await tx.put(ctx.region, kinds.RESOURCE, api_id, res["id"], res)
    return result


@operation("PutMethod")
async def put_method(ctx: Ctx, inp: dict[str, Any]) -> Doc | None:
    verb = inp["httpMethod"]

    def put(res: Doc) -> Doc:
        # Checked once the resource is found: AWS reports an unknown API or resource first.
        if verb not in HTTP_METHODS:
            raise BadRequest(
                "Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,"
                "OPTIONS,HEAD,ANY"
            )
        methods = res.setdefault("resourceMethods", {})
        if verb in methods:
            raise Conflict("Method already exists for this resource")
        method = {
            "httpMethod": verb,
            # AWS takes the type in any case and stores it upper-cased ("none" -> "NONE").
            "authorizationType": inp["authorizationType"].upper(),
            "apiKeyRequired": bool(inp.get("apiKeyRequired")),
        }
        method.update(
            pick(
                inp,
                "authorizerId",
                "operationName",
                "requestParameters",
                "requestModels",
                "requestValidatorId",
                "authorizationScopes",
            )
        )
        methods[verb] = method
        return method

    return await edit_resource(ctx, inp, put, must_exist=False)


@operation("GetMethod")
async def get_method_op(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    res = await get_resource(ctx.store, ctx, inp["restApiId"], inp["resourceId"])
    return get_method(res, inp["httpMethod"])


@operation("UpdateMethod")
async def update_method(ctx: Ctx, inp: dict[str, Any]) -> Doc | None:
    def patch(res: Doc) -> Doc:
        verb = inp["httpMethod"]
        method = apply_patch(
            res["resourceMethods"][verb],
            inp.get("patchOperations"),
            _METHOD_RULES,
            short_path=True,
            short_op=True,
        )
        res["resourceMethods"][verb] = method
        return method

    return await edit_resource(ctx, inp, patch)


@operation("DeleteMethod")
async def delete_method(ctx: Ctx, inp: dict[str, Any]) -> None:
    await edit_resource(ctx, inp, lambda res: res["resourceMethods"].pop(inp["httpMethod"]))


@dataclass(frozen=True, slots=True)
class StatusResponses:
    """The responses a method (``methodResponses``) or its integration (``integrationResponses``)
    keeps by status code, and their Put/Get/Update/Delete operations."""

    key: str  # the map's member name in its owner
    owner: Callable[[Doc, dict[str, Any]], Doc]  # the method or integration, in its resource
    fields: tuple[str, ...]  # what a Put stores besides the status code
    rules: tuple[Rule, ...]  # what an Update may patch
    # Checks a written response against its resource (res, input, response); raises ApiError.
    check: Callable[[Doc, dict[str, Any], Doc], None] | None = None
    fallback: Fallback | None = None  # checks before the rules (AWS's own messages)

    def find(self, res: Doc, inp: dict[str, Any]) -> Doc:
        found = self.owner(res, inp).get(self.key, {}).get(inp["statusCode"])
        if found is None:
            raise NotFound(_STATUS_NOT_FOUND)
        return found  # type: ignore[no-any-return]

    async def put(self, ctx: Ctx, inp: dict[str, Any]) -> Doc | None:
        def put(res: Doc) -> Doc:
            resp: Doc = {"statusCode": inp["statusCode"]}
            resp.update(pick(inp, *self.fields))
            owner = self.owner(res, inp)  # its 404 comes before any check of the response
            if self.check is not None:
                self.check(res, inp, resp)
            owner.setdefault(self.key, {})[inp["statusCode"]] = resp
            return resp

        return await edit_resource(ctx, inp, put)

    async def get(self, ctx: Ctx, inp: dict[str, Any]) -> Doc:
        res = await get_resource(ctx.store, ctx, inp["restApiId"], inp["resourceId"])
        return self.find(res, inp)

    async def update(self, ctx: Ctx, inp: dict[str, Any]) -> Doc | None:
        def patch(res: Doc) -> Doc:
            resp = apply_patch(
                self.find(res, inp), inp.get("patchOperations"), self.rules, fallback=self.fallback
            )
            if self.check is not None:
                self.check(res, inp, resp)
            self.owner(res, inp)[self.key][inp["statusCode"]] = resp
            return resp

        return await edit_resource(ctx, inp, patch)

    async def delete(self, ctx: Ctx, inp: dict[str, Any]) -> None:
        def delete(res: Doc) -> None:
            self.find(res, inp)
            owner = self.owner(res, inp)
            del owner[self.key][inp["statusCode"]]
            if not owner[self.key]:
                del owner[self.key]  # AWS leaves the member out once the last one is gone

        await edit_resource(ctx, inp, delete)


def _method_response_patch(resp: Doc, op: PatchOp) -> bool:
    """UpdateMethodResponse's recorded answers for a path outside its maps and for a
    replace/remove of an entry that is not there."""
    where = op.segments[0] if op.segments else ""
    if where not in ("responseParameters", "responseModels") or len(op.segments) != 2:
        raise BadRequest(f"Invalid patch path {op.path}")
    if op.op in ("replace", "remove") and op.segments[1] not in (resp.get(where) or {}):
        if where == "responseParameters":
            raise NotFound("Invalid parameter name specified")
        raise NotFound("Content-Type specified was not found")
    return False


_RESPONSES = StatusResponses(
    "methodResponses",
    lambda res, inp: get_method(res, inp["httpMethod"]),
    ("responseParameters", "responseModels"),
    _RESPONSE_RULES,
    fallback=_method_response_patch,
)
put_method_response = operation("PutMethodResponse")(_RESPONSES.put)
get_method_response = operation("GetMethodResponse")(_RESPONSES.get)
update_method_response = operation("UpdateMethodResponse")(_RESPONSES.update)
delete_method_response = operation("DeleteMethodResponse")(_RESPONSES.delete)


@operation("TestInvokeMethod")
async def test_invoke_method(ctx: Ctx, inp: dict[str, Any]) -> dict[str, Any]:
    res = await get_resource(ctx.store, ctx, inp["restApiId"], inp["resourceId"])
    get_method(res, inp["httpMethod"])
    if ctx.settings.test_invoke is None:
        raise UnknownOperation()  # as for any operation this deployment doesn't serve
    return await ctx.settings.test_invoke(ctx.region, inp)
