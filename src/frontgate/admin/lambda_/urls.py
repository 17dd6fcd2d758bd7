"""Lambda function URLs in the Lambda API: CreateFunctionUrlConfig, GetFunctionUrlConfig,
UpdateFunctionUrlConfig, DeleteFunctionUrlConfig and ListFunctionUrlConfigs.

A function has at most one URL here (Frontgate has no aliases, so no ``Qualifier`` names one:
a qualifier is "Function not found", as for any other call naming an alias that does not
exist). The URL's configuration is stored in the function's document (``_url``: see
``functions.registry``), so it is deleted with the function and reaches the data plane in the
same snapshot as the function (``compile.function_urls`` makes what the data plane serves;
``pipeline.function_urls`` routes and authorizes it).

``InvokeMode`` ``RESPONSE_STREAM`` is accepted and stored, and the URL answers buffered: the
client receives the whole response at once, which is what a streaming client sees of a
response that is not streamed."""

from __future__ import annotations

import secrets
import string
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from frontgate.functions import errors
from frontgate.functions.registry import FUNCTION

if TYPE_CHECKING:
    from frontgate.admin.lambda_.api import LambdaApi, _Call

Handler = Callable[["LambdaApi", "_Call"], Awaitable[dict[str, Any] | None]]
OPS: dict[str, Handler] = {}

URL_KEY = "_url"
_ID_CHARS = string.ascii_lowercase + string.digits
_NOT_FOUND = "The resource you requested does not exist."


def _op(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        OPS[name] = fn
        return fn

    return register


def new_url_id() -> str:
    """32 lower-case letters and digits, like the host labels Lambda gives function URLs."""
    return "".join(secrets.choice(_ID_CHARS) for _ in range(32))


def _timestamp() -> str:
    """Lambda's function-URL timestamps: ISO 8601 with microseconds, in UTC (``...Z``)."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1e6):06d}Z"


def url_host(url_id: str, region: str, domain: str) -> str:
    return f"{url_id}.lambda-url.{region}.{domain}"


def _cors(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    """The Cors member as stored: only the members given (Lambda echoes what was set)."""
    if raw is None:
        return None
    keys = ("AllowCredentials", "AllowHeaders", "AllowMethods", "AllowOrigins", "ExposeHeaders")
    out = {k: raw[k] for k in (*keys, "MaxAge") if raw.get(k) is not None}
    if "AllowMethods" in out:
        out["AllowMethods"] = [str(m).upper() for m in out["AllowMethods"]]
    return out


def _out(api: LambdaApi, doc: dict[str, Any], region: str, *, modified: bool) -> dict[str, Any]:
    url = doc[URL_KEY]
    found: dict[str, Any] = {
        "FunctionUrl": f"http://{url_host(url['urlId'], region, api.domain)}:{api.data_port()}/",
        "FunctionArn": doc["FunctionArn"],
        "AuthType": url["AuthType"],
    }
    if url.get("Cors") is not None:
        found["Cors"] = url["Cors"]
    found["CreationTime"] = url["CreationTime"]
    if modified:
        found["LastModifiedTime"] = url["LastModifiedTime"]
    found["InvokeMode"] = url.get("InvokeMode") or "BUFFERED"
    return found


async def _write(api: LambdaApi, region: str, doc: dict[str, Any]) -> None:
    # The function's RevisionId stays: a URL is not a change of the function's code or
    # configuration (its warm workers are kept).
    async with api.store.transaction() as tx:
        await tx.put(region, FUNCTION, "", str(doc["FunctionName"]), doc)
    api.on_change()


async def _with_url(api: LambdaApi, call: _Call) -> tuple[str, dict[str, Any]]:
    region, doc = await api._get(call)
    if doc.get(URL_KEY) is None:
        raise errors.ResourceNotFound(_NOT_FOUND)
    return region, doc


@_op("CreateFunctionUrlConfig")
async def create_url(api: LambdaApi, call: _Call) -> dict[str, Any]:
    region, doc = await api._get(call)
    if doc.get(URL_KEY) is not None:
        raise errors.ResourceConflict(
            f"Failed to create function url config for [functionArn = {doc['FunctionArn']}]. "
            "Error message:  FunctionUrlConfig exists for this Lambda function"
        )
    now = _timestamp()
    url: dict[str, Any] = {
        "urlId": new_url_id(),
        "AuthType": call.inp["AuthType"],
        "InvokeMode": call.inp.get("InvokeMode") or "BUFFERED",
        "CreationTime": now,
        "LastModifiedTime": now,
    }
    cors = _cors(call.inp.get("Cors"))
    if cors is not None:
        url["Cors"] = cors
    doc[URL_KEY] = url
    await _write(api, region, doc)
    return _out(api, doc, region, modified=False)


@_op("GetFunctionUrlConfig")
async def get_url(api: LambdaApi, call: _Call) -> dict[str, Any]:
    region, doc = await _with_url(api, call)
    return _out(api, doc, region, modified=True)


@_op("UpdateFunctionUrlConfig")
async def update_url(api: LambdaApi, call: _Call) -> dict[str, Any]:
    region, doc = await _with_url(api, call)
    url = dict(doc[URL_KEY])
    inp = call.inp
    if inp.get("AuthType") is not None:
        url["AuthType"] = inp["AuthType"]
    if inp.get("InvokeMode") is not None:
        url["InvokeMode"] = inp["InvokeMode"]
    if "Cors" in inp:
        cors = _cors(inp["Cors"])
        if cors:
            url["Cors"] = cors
        else:
            url.pop("Cors", None)  # an empty Cors object removes the configuration
    url["LastModifiedTime"] = _timestamp()
    doc[URL_KEY] = url
    await _write(api, region, doc)
    return _out(api, doc, region, modified=True)


@_op("DeleteFunctionUrlConfig")
async def delete_url(api: LambdaApi, call: _Call) -> None:
    region, doc = await _with_url(api, call)
    del doc[URL_KEY]
    await _write(api, region, doc)


@_op("ListFunctionUrlConfigs")
async def list_urls(api: LambdaApi, call: _Call) -> dict[str, Any]:
    region, doc = await api._get(call)
    if doc.get(URL_KEY) is None:
        return {"FunctionUrlConfigs": []}
    return {"FunctionUrlConfigs": [_out(api, doc, region, modified=True)]}
