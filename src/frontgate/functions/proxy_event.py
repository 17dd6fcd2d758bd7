"""The REST API Lambda proxy event (payload format 1.0, reference §2.1), assembled from the
request's parts.

The gateway sends a local worker the parts (``lambda_payload.V1.parts``: one flat tuple, cheap to
marshal) and the worker assembles the event with :func:`v1` before calling the handler, so the
gateway's core does not build and serialize a dict of some hundred objects per invocation. For
a remote function or an authorizer the gateway assembles it with the same function. Imports
only the standard library: worker processes load it at start.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qsl

# The layout of the parts tuple (lambda_payload.V1.parts builds it, v1 reads it).
Parts = tuple[Any, ...]


class V1Parts:
    """An invocation's event as parts, for ``FunctionInvoker.begin``: a local worker assembles
    it; anything else gets ``event()``. ``v2``: the parts of a payload 2.0 event (:func:`v2`)
    rather than REST's (:func:`v1`)."""

    __slots__ = ("parts", "v2")

    def __init__(self, parts: Parts, v2: bool = False) -> None:
        self.parts = parts
        self.v2 = v2

    def event(self) -> dict[str, Any]:
        return v2(self.parts) if self.v2 else v1(self.parts)


def media_matches(content_type: str | None, binary_types: tuple[str, ...]) -> bool:
    """Whether a Content-Type is one of the API's binary media types (``~1`` is ``/``)."""
    if not content_type or not binary_types:
        return False
    ctype = content_type.split(";", 1)[0].strip().lower()
    major = ctype.split("/", 1)[0]
    for pattern in binary_types:
        p = pattern.lower().replace("~1", "/")
        if p in (ctype, "*/*") or (p.endswith("/*") and p[:-2] == major):
            return True
    return False


def _add(headers: dict[str, str], multi: dict[str, list[str]], name: str, value: str) -> None:
    headers[name] = value  # the last value of a repeated header
    values = multi.get(name)
    if values is None:
        multi[name] = [value]
    else:
        values.append(value)


def v1(parts: Parts) -> dict[str, Any]:
    """The v1 event: multiValue fields, last-value single fields, ``null`` for empty ones,
    base64 bodies for binary media types, and the headers every endpoint adds."""
    (
        header_pairs,
        trace,
        ip,
        port,
        scheme,
        http_method,
        path,
        raw_query,
        raw_body,
        binary_types,
        account_id,
        api_id,
        deployment_id,
        stage,
        variables,
        resource_id,
        resource_path,
        path_params,
        extended_request_id,
        request_id,
        request_time,
        epoch_ms,
        version,
        caller_identity,
        authorizer,
    ) = parts[:25]
    # A 26th part: the path as sent to a custom domain name (its base path kept), which both
    # ``path`` and ``requestContext.path`` then show, as on AWS.
    domain_path: str | None = parts[25] if len(parts) > 25 else None
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    forwarded: str | None = None
    host: str | None = None
    user_agent: str | None = None
    content_type: str | None = None
    for name, value in header_pairs:
        lname = name.lower()
        if lname == "x-forwarded-for":
            forwarded = value  # becomes the front of API Gateway's own X-Forwarded-For
            continue
        if lname == "host":
            if host is None:
                host = value
        elif lname == "user-agent":
            if user_agent is None:
                user_agent = value
        elif lname == "content-type" and content_type is None:
            content_type = value
        _add(headers, multi_headers, name, value)
    _add(headers, multi_headers, "X-Amzn-Trace-Id", trace)
    _add(headers, multi_headers, "X-Forwarded-For", f"{forwarded}, {ip}" if forwarded else ip)
    _add(headers, multi_headers, "X-Forwarded-Port", str(port))
    _add(headers, multi_headers, "X-Forwarded-Proto", scheme)
    query: dict[str, str] | None = None
    multi_query: dict[str, list[str]] | None = None
    if raw_query:
        query, multi_query = {}, {}
        for k, v in parse_qsl(raw_query, keep_blank_values=True):
            query[k] = v  # the last value of a repeated key
            multi_query.setdefault(k, []).append(v)
    body: str | None = None
    is_b64 = False
    if raw_body:
        if media_matches(content_type, binary_types):
            body, is_b64 = base64.b64encode(raw_body).decode(), True
        else:
            body = raw_body.decode("utf-8", "replace")
    domain = host or ""
    identity: dict[str, Any] = {
        "accessKey": None,
        "accountId": None,
        "caller": None,
        "cognitoAuthenticationProvider": None,
        "cognitoAuthenticationType": None,
        "cognitoIdentityId": None,
        "cognitoIdentityPoolId": None,
        "principalOrgId": None,
        "sourceIp": ip,
        "user": None,
        "userAgent": user_agent,
        "userArn": None,
    }
    if caller_identity:
        identity.update(caller_identity)
    request_context: dict[str, Any] = {
        "accountId": account_id,
        "apiId": api_id,
        "deploymentId": deployment_id,
        "domainName": domain,
        "domainPrefix": domain.split(".", 1)[0],
        "extendedRequestId": extended_request_id,
        "httpMethod": http_method,
        "identity": identity,
        "path": f"/{stage}{path}" if domain_path is None else domain_path,
        "protocol": "HTTP/1.1" if version == "1.1" else f"HTTP/{version}",
        "requestId": request_id,
        "requestTime": request_time,
        "requestTimeEpoch": epoch_ms,
        "resourceId": resource_id,
        "resourcePath": resource_path,
        "stage": stage,
    }
    if authorizer is not None:
        request_context["authorizer"] = authorizer
    if path.startswith("//"):
        path = "/" + path.lstrip("/")  # "/stage//x" is delivered as path "/x"
    if domain_path is not None:
        path = domain_path
    return {
        "resource": resource_path,
        "path": path,
        "httpMethod": http_method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": dict(path_params) or None,
        "stageVariables": dict(variables) or None,
        "requestContext": request_context,
        "body": body,
        "isBase64Encoded": is_b64,
    }


# Request bodies payload 2.0 delivers as text; any other content type (form posts included, as
# on AWS) arrives base64-encoded with isBase64Encoded true.
_TEXT_SUFFIXES = ("+json", "+xml", "/json", "/xml", "/javascript", "/yaml", "/x-yaml")


def text_media(content_type: str | None) -> bool:
    if not content_type:
        return True  # no declared type: taken as text
    ctype = content_type.split(";", 1)[0].strip().lower()
    return ctype.startswith("text/") or ctype.endswith(_TEXT_SUFFIXES)


def v2(parts: Parts) -> dict[str, Any]:
    """The HTTP API payload 2.0 event (reference §2.3): lower-cased headers with repeated ones
    comma-joined, cookies apart, ``rawPath`` with the stage segment of a named stage, empty
    members omitted, the body base64-encoded unless its content type is text. The parts are
    ``lambda_payload.V2.parts``'s."""
    (
        header_pairs,
        trace,
        ip,
        port,
        scheme,
        http_method,
        raw_path,
        raw_query,
        raw_body,
        account_id,
        api_id,
        stage,
        route_key,
        path_params,
        variables,
        request_id,
        request_time,
        epoch_ms,
        version,
        authorizer,
    ) = parts
    headers: dict[str, str] = {}
    cookies: list[str] = []
    forwarded: str | None = None
    for name, value in header_pairs:
        lname = name.lower()
        if lname == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        if lname == "x-forwarded-for":
            forwarded = value
            continue
        found = headers.get(lname)
        headers[lname] = value if found is None else f"{found},{value}"
    if "x-amzn-trace-id" not in headers:
        headers["x-amzn-trace-id"] = trace
    headers["x-forwarded-for"] = f"{forwarded}, {ip}" if forwarded else ip
    headers["x-forwarded-port"] = str(port)
    headers["x-forwarded-proto"] = scheme
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if raw_query:
        query: dict[str, str] = {}
        for k, v in parse_qsl(raw_query, keep_blank_values=True):
            found = query.get(k)
            query[k] = v if found is None else f"{found},{v}"
        event["queryStringParameters"] = query
    host = headers.get("host", "")
    request_context: dict[str, Any] = {"accountId": account_id, "apiId": api_id}
    if authorizer is not None:
        request_context["authorizer"] = authorizer
    request_context["domainName"] = host
    request_context["domainPrefix"] = host.split(".", 1)[0]
    request_context["http"] = {
        "method": http_method,
        "path": raw_path,
        "protocol": f"HTTP/{version}",
        "sourceIp": ip,
        "userAgent": headers.get("user-agent", ""),
    }
    request_context["requestId"] = request_id
    request_context["routeKey"] = route_key
    request_context["stage"] = stage
    request_context["time"] = request_time
    request_context["timeEpoch"] = epoch_ms
    event["requestContext"] = request_context
    is_b64 = False
    if raw_body:
        if text_media(headers.get("content-type")):
            event["body"] = raw_body.decode("utf-8", "replace")
        else:
            event["body"] = base64.b64encode(raw_body).decode()
            is_b64 = True
    if path_params:
        event["pathParameters"] = dict(path_params)
    event["isBase64Encoded"] = is_b64
    if variables:
        event["stageVariables"] = dict(variables)
    return event
