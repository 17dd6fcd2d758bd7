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
    it; anything else gets ``event()``."""

    __slots__ = ("parts",)

    def __init__(self, parts: Parts) -> None:
        self.parts = parts

    def event(self) -> dict[str, Any]:
        return v1(self.parts)


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
    ) = parts
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
        "path": f"/{stage}{path}",
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
