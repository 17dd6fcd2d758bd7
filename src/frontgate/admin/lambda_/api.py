"""The Lambda API on the admin listener (the subset the AWS CLI flows use): functions, their
resource policies, reserved concurrency and Invoke. Wire shapes come from the shared
``admin.wire`` layer, in ``admin.lambda_.wire``'s dialect."""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from frontgate import safejson
from frontgate.admin.lambda_ import code, urls, wire
from frontgate.admin.lambda_.declared import declared_sids, refuse_if_declared
from frontgate.admin.wire.restjson import parse_input, serialize_output
from frontgate.admin.wire.routes import Router, origin_form
from frontgate.functions import errors, permissions
from frontgate.functions.arns import function_arn, parse_function
from frontgate.functions.invoker import FunctionInvoker
from frontgate.functions.logs import TAIL_BYTES
from frontgate.functions.registry import FUNCTION, public
from frontgate.functions.table import function_def
from frontgate.http.message import Request, Response
from frontgate.outage import StoreRequests, store_unreachable
from frontgate.state.store import ConfigStore

log = logging.getLogger("frontgate.admin.lambda_.api")
_STORE_DOWN = "The state store is unreachable; try again later."

Handler = Callable[["LambdaApi", "_Call"], Awaitable[dict[str, Any] | None]]
_OPS: dict[str, Handler] = {}

# Environment variables Lambda sets itself and refuses to take from the caller.
RESERVED_ENV = frozenset(
    (
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    )
)


def op(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _OPS[name] = fn
        return fn

    return register


class _Call:
    __slots__ = ("inp", "region")

    def __init__(self, region: str, inp: dict[str, Any]) -> None:
        self.region = region
        self.inp = inp


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime())


class LambdaApi:
    """``handle`` never raises: failures become Lambda's error responses."""

    def __init__(
        self,
        store: ConfigStore,
        invoker: FunctionInvoker,
        data_path: Path,
        account_id: str,
        region: str,
        verify: Callable[[Request, dict[str, str]], None] | None = None,
        on_change: Callable[[], None] = lambda: None,
        domain: str = "localhost",
        data_port: Callable[[], int] = lambda: 0,
    ) -> None:
        """``on_change()``: a function was written (its transaction bumped the store's
        generation); rebuild this process's snapshot now rather than at the next poll. Every
        worker receives the function with the next snapshot, like routes."""
        self.store = store
        self.invoker = invoker
        self.on_change = on_change
        self.functions_root = data_path / "functions"
        self.account_id = account_id
        self.region = region
        self.verify = verify
        self.domain = domain
        self.data_port = data_port
        self.router = wire.router(frozenset(_OPS))
        self.outage = StoreRequests(log, "lambda API")

    async def handle(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        try:
            resp = await self._handle(request)
            if resp.status < 300:
                self.outage.succeeded()
        except errors.LambdaError as exc:
            resp = _error(exc)
        except Exception as exc:
            if type(exc).__name__ == "Forbidden":  # admin.auth's signature failures
                code_ = getattr(exc, "code", "AccessDeniedException")
                body = json.dumps({"Type": "User", "message": getattr(exc, "message", "")})
                resp = Response(
                    403,
                    [("Content-Type", "application/json"), ("x-amzn-ErrorType", code_)],
                    body.encode(),
                )
            elif store_unreachable(exc):
                self.outage.failed(exc, "500 ServiceException")
                resp = _error(errors.LambdaError(_STORE_DOWN))
            else:
                log.exception("lambda API request %s failed", request_id)
                resp = _error(errors.LambdaError("Internal server error"))
        resp.headers.append(("x-amzn-RequestId", request_id))
        return resp

    async def _handle(self, request: Request) -> Response:
        target = origin_form(request.target)
        raw_path, _, raw_query = target.partition("?")
        headers = {k.lower(): v for k, v in request.headers}
        if self.verify is not None:
            self.verify(request, headers)
        query = parse_qs(raw_query, keep_blank_values=True)
        found = self.router.match(request.method, raw_path, query)
        if found is None:
            known = _all_operations().match(request.method, raw_path, query)
            if known is not None:  # one of Lambda's operations, not served here
                raise errors.UnknownOperation(
                    f"Frontgate does not implement the lambda operation {known[0].name}."
                )
            raise errors.UnknownOperation(f"Unknown operation {request.method} {raw_path}")
        route, labels = found
        inp = parse_input(route, labels, query, headers, request.body, wire.DIALECT)
        from frontgate.admin.auth import region_of

        out = await _OPS[route.name](self, _Call(region_of(headers, self.region), inp))
        status, out_headers, body = serialize_output(route, out)
        if out is None and route.name in ("DeleteFunction", "DeleteFunctionUrlConfig"):
            status = 204  # AWS answers 204 although the model says 200
        return Response(status, out_headers, body)

    # -- helpers --------------------------------------------------------------------------------

    def _name(self, call: _Call) -> tuple[str, str]:
        ref = parse_function(str(call.inp["FunctionName"]))
        region = call.region
        if ref.region not in (None, region):  # AWS: no call reaches another region's functions
            raise errors.ResourceNotFound(
                f"Functions from '{ref.region}' are not reachable in this region ('{region}')"
            )
        if ref.account not in (None, self.account_id):
            raise errors.not_found(function_arn(region, ref.account or "", ref.name))
        if ref.qualifier not in (None, "$LATEST") or call.inp.get("Qualifier") not in (
            None,
            "$LATEST",
        ):
            qual = ref.qualifier or call.inp.get("Qualifier")
            arn = function_arn(region, self.account_id, ref.name)
            raise errors.ResourceNotFound(f"Function not found: {arn}:{qual}")
        return region, ref.name

    async def _get(self, call: _Call) -> tuple[str, dict[str, Any]]:
        region, name = self._name(call)
        doc = await self.store.get(region, FUNCTION, "", name)
        if doc is None:
            raise errors.not_found(function_arn(region, self.account_id, name))
        return region, doc

    async def _put(self, region: str, doc: dict[str, Any], *, revision: str | None = None) -> None:
        if revision is not None and revision != doc.get("RevisionId"):
            raise errors.PreconditionFailed(
                "The Revision Id provided does not match the latest Revision Id. Call the "
                "GetFunction/GetAlias API to retrieve the latest Revision Id"
            )
        doc["RevisionId"] = str(uuid.uuid4())
        async with self.store.transaction() as tx:
            await tx.put(region, FUNCTION, "", str(doc["FunctionName"]), doc)
        self.on_change()

    async def _unpack(self, region: str, name: str, data: bytes) -> tuple[str, str, int]:
        path = await asyncio.to_thread(code.unpack_zip, data, self.functions_root, region, name)
        return str(path), code.sha256_b64(data), len(data)


@functools.cache
def _all_operations() -> Router:
    """Every operation of Lambda's model: names the one a request was for when not served."""
    return wire.router()


def _error(exc: errors.LambdaError) -> Response:
    doc: dict[str, Any] = {"Type": exc.kind, "message": exc.message}
    if exc.reason is not None:
        doc["Reason"] = exc.reason
    headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", exc.code)]
    return Response(exc.status, headers, json.dumps(doc).encode())


def _check_config(inp: dict[str, Any]) -> None:
    runtime = inp.get("Runtime")
    if runtime is not None and not str(runtime).startswith("python3"):
        raise errors.InvalidParameterValue(
            f"The runtime parameter of {runtime} is not supported by this Frontgate node: "
            "functions run on its own Python interpreter (python3.x runtimes)."
        )
    variables = (inp.get("Environment") or {}).get("Variables") or {}
    reserved = sorted(k for k in variables if k in RESERVED_ENV)
    if reserved:
        raise errors.InvalidParameterValue(
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided contains reserved keys that are currently not supported "
            f"for modification. Reserved keys used in this request: {', '.join(reserved)}"
        )


def _zip_of(inp: dict[str, Any]) -> bytes:
    data = inp.get("ZipFile")
    if data is None:
        if inp.get("ImageUri"):
            raise errors.InvalidParameterValue("Container images are not supported by Frontgate.")
        raise errors.InvalidParameterValue(
            "Please provide the code as a zip file (ZipFile): S3 code locations are not "
            "supported by Frontgate."
        )
    return bytes(data)


@op("CreateFunction")
async def create_function(api: LambdaApi, call: _Call) -> dict[str, Any]:
    inp = call.inp
    region, name = api._name(call)
    if not inp.get("Runtime") or not inp.get("Handler"):
        raise errors.InvalidParameterValue(
            "Runtime and Handler are mandatory parameters for functions created with deployment "
            "packages."
        )
    _check_config(inp)
    if await api.store.get(region, FUNCTION, "", name) is not None:
        raise errors.ResourceConflict(f"Function already exist: {name}")
    path, sha, size = await api._unpack(region, name, _zip_of(inp["Code"]))
    doc: dict[str, Any] = {
        "FunctionName": name,
        "FunctionArn": function_arn(region, api.account_id, name),
        "Runtime": inp["Runtime"],
        "Role": inp["Role"],
        "Handler": inp["Handler"],
        "CodeSize": size,
        "Description": inp.get("Description", ""),
        "Timeout": inp.get("Timeout", 3),
        "MemorySize": inp.get("MemorySize", 128),
        "LastModified": _now(),
        "CodeSha256": sha,
        "Version": "$LATEST",
        "TracingConfig": {"Mode": "PassThrough"},
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": inp.get("Architectures") or ["x86_64"],
        "EphemeralStorage": {"Size": 512},
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"},
        "_codePath": path,
    }
    if inp.get("Environment") is not None:
        doc["Environment"] = {"Variables": (inp["Environment"].get("Variables") or {})}
    if inp.get("Tags"):  # kept so that tools (frontgate deploy) find what they created
        doc["_tags"] = dict(inp["Tags"])
    await api._put(region, doc)
    return public(doc)


@op("GetFunction")
async def get_function(api: LambdaApi, call: _Call) -> dict[str, Any]:
    _region, doc = await api._get(call)
    out: dict[str, Any] = {
        "Configuration": public(doc),
        "Code": {"RepositoryType": "S3", "Location": Path(doc["_codePath"]).as_uri()},
    }
    if doc.get("_tags"):
        out["Tags"] = doc["_tags"]
    if doc.get("_reserved") is not None:
        out["Concurrency"] = {"ReservedConcurrentExecutions": doc["_reserved"]}
    return out


@op("ListTags")
async def list_tags(api: LambdaApi, call: _Call) -> dict[str, Any]:
    sub = _Call(call.region, {"FunctionName": call.inp["Resource"]})
    return {"Tags": dict((await api._get(sub))[1].get("_tags") or {})}


@op("GetFunctionConfiguration")
async def get_configuration(api: LambdaApi, call: _Call) -> dict[str, Any]:
    return public((await api._get(call))[1])


@op("ListFunctions")
async def list_functions(api: LambdaApi, call: _Call) -> dict[str, Any]:
    docs = sorted(await api.store.list(call.region, FUNCTION), key=lambda d: d["FunctionName"])
    start = 0
    marker = call.inp.get("Marker")
    if marker:
        try:
            start = int(base64.urlsafe_b64decode(marker).decode())
        except ValueError:
            raise errors.InvalidParameterValue("Invalid Marker") from None
    size = min(int(call.inp.get("MaxItems") or 50), 50)
    page = docs[start : start + size]
    out: dict[str, Any] = {"Functions": [public(d) for d in page]}
    if start + size < len(docs):
        out["NextMarker"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
    return out


@op("UpdateFunctionCode")
async def update_code(api: LambdaApi, call: _Call) -> dict[str, Any]:
    region, doc = await api._get(call)
    refuse_if_declared(doc, "code")
    path, sha, size = await api._unpack(region, doc["FunctionName"], _zip_of(call.inp))
    if call.inp.get("DryRun"):
        return public({**doc, "CodeSha256": sha, "CodeSize": size})
    doc.update(_codePath=path, CodeSha256=sha, CodeSize=size, LastModified=_now())
    await api._put(region, doc, revision=call.inp.get("RevisionId"))
    return public(doc)


@op("UpdateFunctionConfiguration")
async def update_configuration(api: LambdaApi, call: _Call) -> dict[str, Any]:
    region, doc = await api._get(call)
    refuse_if_declared(doc, "configuration")
    inp = call.inp
    _check_config(inp)
    for key in ("Role", "Handler", "Description", "Timeout", "MemorySize", "Runtime"):
        if key in inp:
            doc[key] = inp[key]
    if "Environment" in inp:
        doc["Environment"] = {"Variables": inp["Environment"].get("Variables") or {}}
    doc["LastModified"] = _now()
    await api._put(region, doc, revision=inp.get("RevisionId"))
    return public(doc)


@op("DeleteFunction")
async def delete_function(api: LambdaApi, call: _Call) -> None:
    region, doc = await api._get(call)
    refuse_if_declared(doc, "delete")
    name = str(doc["FunctionName"])
    async with api.store.transaction() as tx:
        await tx.delete(region, FUNCTION, "", name)
    api.on_change()
    await asyncio.to_thread(code.remove_function, api.functions_root, region, name)


@op("AddPermission")
async def add_permission(api: LambdaApi, call: _Call) -> dict[str, Any]:
    region, doc = await api._get(call)
    statements: list[dict[str, Any]] = list(doc.get("_policy") or [])
    sid = call.inp["StatementId"]
    if any(s.get("Sid") == sid for s in statements):
        raise errors.ResourceConflict(
            f"The statement id ({sid}) provided already exists. Please provide a new statement "
            "id, or remove the existing statement."
        )
    stmt = permissions.make_statement(str(doc["FunctionArn"]), call.inp)
    statements.append(stmt)
    doc["_policy"] = statements
    await api._put(region, doc, revision=call.inp.get("RevisionId"))
    return {"Statement": json.dumps(stmt, separators=(",", ":"))}


@op("RemovePermission")
async def remove_permission(api: LambdaApi, call: _Call) -> None:
    region, doc = await api._get(call)
    sid = call.inp["StatementId"]
    if sid in declared_sids(doc):
        refuse_if_declared(doc, "permission", sid)
    statements = [s for s in doc.get("_policy") or [] if s.get("Sid") != sid]
    if len(statements) == len(doc.get("_policy") or []):
        raise errors.ResourceNotFound(f"Statement {sid} is not found in resource policy.")
    doc["_policy"] = statements
    await api._put(region, doc, revision=call.inp.get("RevisionId"))


@op("GetPolicy")
async def get_policy(api: LambdaApi, call: _Call) -> dict[str, Any]:
    _region, doc = await api._get(call)
    statements = doc.get("_policy") or []
    if not statements:
        raise errors.ResourceNotFound("The resource you requested does not exist.")
    return {"Policy": permissions.policy_json(statements), "RevisionId": doc.get("RevisionId")}


@op("PutFunctionConcurrency")
async def put_concurrency(api: LambdaApi, call: _Call) -> dict[str, Any]:
    region, doc = await api._get(call)
    reserved = int(call.inp["ReservedConcurrentExecutions"])
    # The pool runs up to this many workers at once: no more than the gateway's own limit
    # (AWS likewise refuses a reservation beyond what the account can spare).
    if reserved > api.invoker.concurrency:
        raise errors.InvalidParameterValue(
            f"Specified ReservedConcurrentExecutions for function exceeds the gateway's "
            f"function concurrency limit of [{api.invoker.concurrency}] (function_concurrency)."
        )
    doc["_reserved"] = reserved
    await api._put(region, doc)
    return {"ReservedConcurrentExecutions": doc["_reserved"]}


@op("GetFunctionConcurrency")
async def get_concurrency(api: LambdaApi, call: _Call) -> dict[str, Any]:
    _region, doc = await api._get(call)
    return {"ReservedConcurrentExecutions": doc.get("_reserved")}


@op("DeleteFunctionConcurrency")
async def delete_concurrency(api: LambdaApi, call: _Call) -> None:
    region, doc = await api._get(call)
    doc.pop("_reserved", None)
    await api._put(region, doc)


@op("Invoke")
async def invoke(api: LambdaApi, call: _Call) -> dict[str, Any]:
    inp = call.inp
    region, name = api._name(call)
    payload = bytes(inp.get("Payload") or b"")
    if payload.strip():
        try:
            # Only checked here (the function parses it): any depth Python can parse.
            safejson.loads(payload, max_depth=1000)
        except ValueError as exc:
            raise errors.InvalidRequestContent(
                f"Could not parse request body into json: Could not parse payload into json: {exc}"
            ) from None
    arn = function_arn(region, api.account_id, name)
    # A management call may read the store: the function as it is now, so one this or another
    # worker (or node) just created or changed runs before the next snapshot carries it.
    generation = await api.store.generation()
    doc = await api.store.get(region, FUNCTION, "", name)
    found = None if doc is None else function_def(region, doc)
    api.invoker.catch_up(region, name, found, generation)
    kind = inp.get("InvocationType") or "RequestResponse"
    if kind == "DryRun":
        if doc is None:
            raise errors.not_found(arn)
        return {"StatusCode": 204}
    if kind == "Event":
        await api.invoker.invoke_event(arn, payload)
        return {"StatusCode": 202}
    if kind != "RequestResponse":
        raise errors.InvalidParameterValue(f"Invalid InvocationType: {kind}")
    tail = inp.get("LogType") == "Tail"
    result = await api.invoker.invoke(
        arn, payload, source_arn=None, client_context=inp.get("ClientContext"), tail=tail
    )
    out: dict[str, Any] = {
        "StatusCode": 200,
        "Payload": result.payload,
        "ExecutedVersion": result.executed_version,
        "FunctionError": result.function_error,
    }
    if tail:
        out["LogResult"] = base64.b64encode(result.log_tail.encode()[-TAIL_BYTES:]).decode()
    return out


_OPS.update(urls.OPS)  # function URLs (admin.lambda_.urls)

_LAMBDA_PATH = re.compile(r"/20\d\d-\d\d-\d\d/")


def is_lambda_request(request: Request) -> bool:
    """Lambda's REST paths start with an API date (``/2015-03-31/functions``...); API Gateway's
    never do, so one listener serves both."""
    return _LAMBDA_PATH.match(request.target) is not None


def make_lambda_handler(
    store: ConfigStore,
    invoker: FunctionInvoker,
    settings: Any,
    on_change: Callable[[], None] = lambda: None,
    data_port: Callable[[], int] = lambda: 0,
) -> Callable[[Request], Awaitable[Response]]:
    """The Lambda API for the admin listener, signed with the admin keys when any are set, and
    scoped to service ``lambda`` in a region the gateway serves in any case. ``data_port()``:
    the data plane's port, for the function URLs it shows."""
    from frontgate.admin.auth import check_scope
    from frontgate.admin.auth import verify as verify_sigv4
    from frontgate.admin.settings import AdminSettings

    admin = AdminSettings(
        default_region=settings.region,
        regions=frozenset(settings.regions),
        admin_keys=dict(settings.admin_access_keys),
    )

    def verify(request: Request, headers: dict[str, str]) -> None:
        check_scope(headers, "lambda", admin.served_regions)
        verify_sigv4(request, headers, admin)

    api = LambdaApi(
        store,
        invoker,
        settings.data_path,
        settings.account_id,
        settings.region,
        verify,
        on_change,
        domain=settings.domain,
        data_port=data_port,
    )
    return api.handle
