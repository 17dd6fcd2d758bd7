"""Lambda proxy payloads: the event API Gateway sends and the rules for the response it accepts.

``V1`` is the REST API (and HTTP API payload 1.0) format of reference §2.1/§2.2; ``V2`` is the
HTTP API payload format 2.0 of §2.3/§2.4. Both implement ``PayloadFormat``. A malformed response
raises ``MalformedResponse``; the integration turns it into AWS's 502."""

from __future__ import annotations

import base64
import json
from typing import Any, Protocol

from frontgate import fastjson
from frontgate.functions import proxy_event
from frontgate.functions.proxy_event import media_matches
from frontgate.http.message import Response
from frontgate.ids import trace_id
from frontgate.observe.access_format import request_time
from frontgate.pipeline.context import Context, client_path

_V1_KEYS = frozenset(("statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"))
_V2_KEYS = frozenset(
    ("statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded", "cookies")
)
_REMAPPED = frozenset(("connection", "content-length", "date", "server"))
_DROPPED = frozenset(("transfer-encoding", "keep-alive", "proxy-connection", "trailer", "upgrade"))


class MalformedResponse(Exception):
    """The function's answer breaks the proxy response rules (AWS: 502)."""


class PayloadFormat(Protocol):
    """``event`` builds the event as a JSON-compatible object (the invoker encodes it as its
    destination needs); ``response`` reads the function's JSON answer."""

    def event(self, ctx: Context) -> dict[str, Any]: ...

    def response(self, ctx: Context, payload: bytes) -> Response: ...


def _header_pairs(ctx: Context) -> list[tuple[str, str]]:
    """The client's headers plus the ones every API Gateway endpoint adds."""
    req = ctx.request
    pairs: list[tuple[str, str]] = []
    forwarded = None
    for name, value in req.headers:
        if name.lower() == "x-forwarded-for":
            forwarded = value
            continue
        pairs.append((name, value))
    ip = req.client_addr[0]
    pairs.append(("X-Amzn-Trace-Id", trace_id()))
    pairs.append(("X-Forwarded-For", f"{forwarded}, {ip}" if forwarded else ip))
    pairs.append(("X-Forwarded-Port", str(req.server_port)))
    pairs.append(("X-Forwarded-Proto", req.scheme))
    return pairs


class V1:
    """REST API Lambda proxy (payload format 1.0)."""

    def event(self, ctx: Context) -> dict[str, Any]:
        return proxy_event.v1(self.parts(ctx))

    def parts(self, ctx: Context, trace: str | None = None) -> proxy_event.Parts:
        """What the event is made of (``proxy_event.v1`` assembles it, in a function's worker
        when the function is local). Only built-in types, so marshal carries it. ``trace``: the
        X-Amzn-Trace-Id the request goes on with (``pipeline.xray``), else a new one."""
        req = ctx.request
        stage = ctx.stage
        method = ctx.method
        assert stage is not None and method is not None
        return (
            req.headers,
            trace or trace_id(),
            req.client_addr[0],
            req.server_port,
            req.scheme,
            req.method,
            ctx.path,
            ctx.raw_query,
            req.body,
            stage.binary_media_types,
            stage.account_id,
            stage.api_id,
            stage.deployment_id,
            ctx.stage_name,
            stage.variables,
            method.resource_id,
            method.resource_path,
            ctx.path_params,
            ctx.extended_request_id,
            ctx.request_id,
            request_time(ctx),
            int(ctx.start_wall * 1000),
            req.http_version,
            ctx.identity,
            ctx.authorizer,
            ctx.domain_path,
        )

    def response(self, ctx: Context, payload: bytes) -> Response:
        doc = _json_object(payload)
        if not _V1_KEYS.issuperset(doc):
            raise MalformedResponse(f"unexpected keys {sorted(set(doc) - _V1_KEYS)}")
        return _build(ctx, doc, cookies=None, binary=ctx.http_api)


class V2:
    """HTTP API payload format 2.0 (reference §2.3/§2.4); the event is assembled from
    :meth:`parts` by ``proxy_event.v2`` (in the function's worker when the function is
    local)."""

    def event(self, ctx: Context) -> dict[str, Any]:
        return proxy_event.v2(self.parts(ctx))

    def parts(self, ctx: Context) -> proxy_event.Parts:
        req = ctx.request
        stage = ctx.stage
        method = ctx.method
        assert stage is not None and method is not None
        raw_path = client_path(ctx)
        return (
            req.headers,
            trace_id(),
            req.client_addr[0],
            req.server_port,
            req.scheme,
            req.method,
            raw_path,
            ctx.raw_query,
            req.body,
            stage.account_id,
            stage.api_id,
            ctx.stage_name,
            method.route_key or "$default",
            ctx.path_params,
            stage.variables,
            ctx.extended_request_id,
            request_time(ctx),
            int(ctx.start_wall * 1000),
            req.http_version,
            ctx.authorizer,
        )

    def response(self, ctx: Context, payload: bytes) -> Response:
        try:
            doc = json.loads(payload)
        except ValueError:
            raise MalformedResponse("not JSON") from None
        if not isinstance(doc, dict) or "statusCode" not in doc:
            # Inference: any valid JSON without a statusCode is a 200 application/json body;
            # a JSON string is the body itself, anything else its JSON text.
            text = doc if isinstance(doc, str) else json.dumps(doc)
            return Response(200, [("Content-Type", "application/json")], text.encode())
        if not _V2_KEYS.issuperset(doc):
            raise MalformedResponse(f"unexpected keys {sorted(set(doc) - _V2_KEYS)}")
        cookies = doc.get("cookies")
        if cookies is not None and (
            not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies)
        ):
            raise MalformedResponse("cookies must be a list of strings")
        return _build(ctx, doc, cookies=cookies, binary=True)


def http_v1_event(ctx: Context) -> dict[str, Any]:
    """Payload format 1.0 on an HTTP API: REST's event with ``version`` "1.0", the route's
    path as ``resource``, the path as the client sent it (stage segment included), the
    16-character request id, ``routeKey``, and the authorizer's result in 1.0's shape."""
    event = proxy_event.v1(FORMAT_V1.parts(ctx))
    method = ctx.method
    assert method is not None
    route_key = method.route_key or "$default"
    raw_path = client_path(ctx)
    event["version"] = "1.0"
    event["resource"] = method.resource_path or ctx.path
    event["path"] = raw_path
    rc = event["requestContext"]
    rc["path"] = raw_path
    rc["requestId"] = ctx.extended_request_id
    rc["resourceId"] = route_key
    rc["resourcePath"] = method.resource_path or ctx.path
    rc["routeKey"] = route_key
    rc.pop("deploymentId", None)
    rc["authorizer"] = v1_authorizer(ctx.authorizer)
    return {"version": event.pop("version"), **event}


def v1_authorizer(v2: dict[str, Any] | None) -> dict[str, Any]:
    """An authorizer result in 2.0's shape (``{"jwt": {...}}``, ``{"lambda": {...}}``,
    ``{"iam": {...}}``) as payload 1.0 carries it: JWT as ``claims``/``scopes``, a Lambda
    authorizer's context with its ``principalId``, IAM's fields as they are."""
    if not v2:
        return {"claims": None, "scopes": None}
    jwt = v2.get("jwt")
    if isinstance(jwt, dict):
        return {"claims": jwt.get("claims"), "scopes": jwt.get("scopes")}
    found = v2.get("lambda")
    if isinstance(found, dict):
        out = dict(found)
        if "principalId" in v2:
            out["principalId"] = v2["principalId"]
        out.setdefault("principalId", None)
        return out
    iam = v2.get("iam")
    if isinstance(iam, dict):
        return dict(iam)
    return dict(v2)


def _json_object(payload: bytes) -> dict[str, Any]:
    try:
        doc = fastjson.loads(payload)
    except ValueError:
        raise MalformedResponse("not JSON") from None
    if not isinstance(doc, dict):
        raise MalformedResponse("not a JSON object")
    return doc


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return json.dumps(value)
    raise MalformedResponse("header values must be scalars")


def _status(value: Any) -> int:
    if value is None:
        return 200
    if isinstance(value, bool):
        raise MalformedResponse("statusCode must be a number")
    if isinstance(value, int):
        status = value
    elif isinstance(value, str) and value.strip().isdigit():
        status = int(value)  # numeric strings are accepted
    else:
        raise MalformedResponse("statusCode must be a number")
    if not 100 <= status <= 599:
        raise MalformedResponse("statusCode out of range")
    return status


def _build(
    ctx: Context, doc: dict[str, Any], cookies: list[str] | None, binary: bool = False
) -> Response:
    """``binary``: an HTTP API, which decodes ``isBase64Encoded`` bodies whatever the client
    accepts (it has no binary media types)."""
    status = _status(doc.get("statusCode"))
    single = doc.get("headers")
    multi = doc.get("multiValueHeaders")
    if single is not None and not isinstance(single, dict):
        raise MalformedResponse("headers must be an object")
    if multi is not None and not isinstance(multi, dict):
        raise MalformedResponse("multiValueHeaders must be an object")
    merged: dict[str, tuple[str, list[str]]] = {}  # lower name -> (casing, values)
    for name, values in (multi or {}).items():
        if not isinstance(values, list):
            raise MalformedResponse("multiValueHeaders values must be lists")
        merged[name.lower()] = (name, [_scalar(v) for v in values])
    for name, value in (single or {}).items():
        if value is None:
            continue
        entry = merged.get(name.lower())
        if entry is None:
            merged[name.lower()] = (name, [_scalar(value)])
        else:
            entry[1].append(_scalar(value))  # both merged; multiValueHeaders' casing wins
    body = doc.get("body")
    if body is not None and not isinstance(body, str):
        raise MalformedResponse("body must be a string")
    is_b64 = doc.get("isBase64Encoded", False)
    if not isinstance(is_b64, bool):
        raise MalformedResponse("isBase64Encoded must be a boolean")
    raw = (body or "").encode()
    if is_b64 and body and (binary or _accepts_binary(ctx)):
        try:
            raw = base64.b64decode(body, validate=False)
        except ValueError:
            raise MalformedResponse("body is not base64") from None
    headers: list[tuple[str, str]] = []
    has_type = False
    for lname, (name, values) in merged.items():
        if lname in _DROPPED:
            continue
        out_name = "x-amzn-Remapped-" + name if lname in _REMAPPED else name
        has_type = has_type or lname == "content-type"
        headers.extend((out_name, v) for v in values)
    for cookie in cookies or ():
        headers.append(("Set-Cookie", cookie))
    if not has_type:
        headers.append(("Content-Type", "application/json"))
    return Response(status, headers, raw)


def _accepts_binary(ctx: Context) -> bool:
    stage = ctx.stage
    if stage is None or not stage.binary_media_types:
        return False
    for k, v in ctx.request.headers:
        if k.lower() == "accept":
            first = v.split(",", 1)[0]
            return media_matches(first, stage.binary_media_types)
    return False


FORMAT_V1 = V1()
FORMAT_V2 = V2()
