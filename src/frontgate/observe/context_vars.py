"""The REST ``$context`` variables an access-log format may use, each as a Python expression over
``c`` (Context), ``r`` (Response) and ``l`` (response latency, ms) that the format compiler
inlines, plus UpdateStage's validation of a format with AWS's messages."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Var:
    expr: str  # evaluates to str, int or None (None: AWS logs "-")
    nullable: bool = True
    escape: bool = True  # may hold client-controlled text (needs JSON/XML escaping)


def _v(expr: str, nullable: bool = True, escape: bool = True) -> Var:
    return Var(expr, nullable, escape)


_NONE = _v("None")
# Values that are ids, numbers or fixed words never need escaping and are never null.
_SAFE = {"nullable": False, "escape": False}

VARIABLES: dict[str, Var] = {
    "accountId": _v("(c.stage.account_id if c.stage else None)", escape=False),
    "apiId": _v("(c.api_id or None)", escape=False),
    "authorizer.principalId": _v("_auth(c, 'principalId')"),
    "awsEndpointRequestId": _NONE,
    "awsEndpointRequestId2": _NONE,  # HTTP APIs: x-amz-id-2 of an AWS service integration
    # HTTP APIs: the bytes processed for the request (its body and the response's).
    "dataProcessed": _v("len(c.request.body) + len(r.body)", **_SAFE),
    "deploymentId": _v("(c.stage.deployment_id if c.stage else None)", escape=False),
    "domainName": _v("_header(c, 'host')"),
    "domainPrefix": _v("_prefix(c)"),
    "endpointType": _v("'REGIONAL'", **_SAFE),
    "error.message": _v("c.error"),
    "error.messageString": _v("_quoted(c.error)"),
    "error.responseType": _v("c.error_response_type", escape=False),
    "extendedRequestId": _v("c.extended_request_id", **_SAFE),
    "httpMethod": _v("c.request.method", **_SAFE),  # an HTTP token: the parser checked it
    "isCanaryRequest": _NONE,
    "path": _v("_path(c)"),
    "protocol": _v("_protocol(c)", **_SAFE),
    "requestId": _v("c.request_id", **_SAFE),
    "requestTime": _v("_request_time(c)", **_SAFE),
    "requestTimeEpoch": _v("int(c.start_wall * 1000)", **_SAFE),
    "resourceId": _v("(c.method.resource_id if c.method else None)", escape=False),
    # Resource paths are limited to safe characters by CreateResource.
    "resourcePath": _v("(c.method.resource_path if c.method else None)", escape=False),
    "stage": _v("(c.stage_name or None)"),
    # HTTP APIs: the route that served the request ("GET /pets/{id}", "$default").
    "routeKey": _v("(c.method.route_key or None if c.method else None)"),
    "status": _v("r.status", **_SAFE),
    "responseLength": _v("len(r.body)", **_SAFE),
    "responseLatency": _v("l", **_SAFE),
    "integrationLatency": _v("c.integration_latency", escape=False),
    "integration.latency": _v("c.integration_latency", escape=False),
    "integrationStatus": _v("c.integration_status", escape=False),
    "integration.status": _v("c.integration_status", escape=False),
    "integration.integrationStatus": _v("c.integration_status", escape=False),
    "integrationErrorMessage": _v("_integration_error(c)"),
    "integration.error": _v("_integration_error(c)"),
    "integration.requestId": _NONE,
    "wafResponseCode": _NONE,
    "webaclArn": _NONE,
    "xrayTraceId": _v("_xray(c)", escape=False),
    "customDomain.basePathMatched": _v("_base_path(c)"),
    "identity.sourceIp": _v("c.request.client_addr[0]", escape=False),
    "identity.userAgent": _v("_header(c, 'user-agent')"),
    "identity.apiKey": _v("(c.api_key.key_value if c.api_key else None)"),
    "identity.apiKeyId": _v("(c.api_key.key_id if c.api_key else None)"),
    "error.validationErrorString": _v("c.validation_error"),
}
for _name in ("accountId", "caller", "cognitoAuthenticationProvider", "cognitoAuthenticationType",
              "cognitoIdentityId", "cognitoIdentityPoolId", "principalOrgId", "user", "userArn",
              "vpcId", "vpceId", "accessKey", "clientCert.clientCertPem", "clientCert.subjectDN",
              "clientCert.issuerDN", "clientCert.serialNumber", "clientCert.validity.notBefore",
              "clientCert.validity.notAfter"):  # fmt: skip
    VARIABLES["identity." + _name] = _v(f"_identity(c, {_name!r})")
for _group in ("authorize", "authenticate", "waf"):
    for _name in ("error", "latency", "status"):
        VARIABLES[f"{_group}.{_name}"] = _NONE
for _name in ("error", "integrationLatency", "integrationStatus", "latency", "requestId", "status"):
    VARIABLES["authorizer." + _name] = _v(f"_auth(c, {_name!r})")

# Families whose last part is a name chosen by the user: (prefix, expression with {key}).
FAMILIES: tuple[tuple[str, str], ...] = (
    ("authorizer.claims.", "_claim(c, {key!r})"),
    ("requestOverride.header.", "None"),
    ("requestOverride.path.", "None"),
    ("requestOverride.querystring.", "None"),
    ("responseOverride.header.", "None"),
    ("responseOverride.status", "None"),
    ("authorizer.", "_auth(c, {key!r})"),  # a key of the Lambda authorizer's context map
)

# The variables an HTTP API's access-log format may use (reference §6.4, AWS's "Customizing HTTP
# API access logs" table); REST-only ones (resourcePath, identity.apiKey, waf...) are refused.
HTTP_API_VARIABLES: frozenset[str] = frozenset(
    ("accountId", "apiId", "authorizer.error", "authorizer.principalId", "awsEndpointRequestId",
     "awsEndpointRequestId2", "customDomain.basePathMatched", "dataProcessed", "domainName",
     "domainPrefix", "error.message", "error.messageString", "error.responseType",
     "extendedRequestId", "httpMethod", "identity.accountId", "identity.caller",
     "identity.cognitoAuthenticationProvider", "identity.cognitoAuthenticationType",
     "identity.cognitoIdentityId", "identity.cognitoIdentityPoolId", "identity.principalOrgId",
     "identity.clientCert.clientCertPem", "identity.clientCert.subjectDN",
     "identity.clientCert.issuerDN", "identity.clientCert.serialNumber",
     "identity.clientCert.validity.notBefore", "identity.clientCert.validity.notAfter",
     "identity.sourceIp", "identity.user", "identity.userAgent", "identity.userArn",
     "integration.error", "integration.integrationStatus", "integration.latency",
     "integration.requestId", "integration.status", "integrationErrorMessage",
     "integrationLatency", "integrationStatus", "path", "protocol", "requestId", "requestTime",
     "requestTimeEpoch", "responseLatency", "responseLength", "routeKey", "stage", "status")
)  # fmt: skip
# HTTP API families: a JWT claim, or a key of a Lambda authorizer's context.
HTTP_API_FAMILIES = ("authorizer.claims.", "authorizer.")
# AWS: an HTTP API's access-log format is at most 3 KB.
HTTP_API_MAX_FORMAT = 3 * 1024

# ``$context.`` then the name; a trailing dot or dash is punctuation of the format, not the name.
TOKEN = re.compile(r"\$context\.([A-Za-z0-9_.\-]+)")


def lookup(name: str) -> Var | None:
    var = VARIABLES.get(name)
    if var is not None:
        return var
    for prefix, expr in FAMILIES:
        if name.startswith(prefix) and len(name) > len(prefix):
            return _v(expr.format(key=name[len(prefix) :]))
    return None


def tokens(fmt: str) -> list[tuple[int, int, str]]:
    """(start, end, name) of every ``$context.*`` reference, in order."""
    out: list[tuple[int, int, str]] = []
    for m in TOKEN.finditer(fmt):
        name = m.group(1).rstrip(".-")
        out.append((m.start(), m.start(1) + len(name), name))
    return out


def format_errors(fmt: str, known: Callable[[str], object | None] = lookup) -> str | None:
    """AWS's BadRequest message for an unusable access-log format, or None: one line, only
    variables ``known`` knows (REST's table by default), and the request id."""
    line = fmt[:-1] if fmt.endswith("\n") else fmt
    if "\n" in line or "\r" in line.rstrip("\r"):
        return (
            "Access Log format must be single line, new line character is allowed only at end "
            f"of the format: '{fmt}'"
        )
    found = tokens(fmt)
    unknown = [fmt[s:e] for s, e, name in found if known(name) is None]
    if unknown:
        return f"The following context variables are not supported: [{', '.join(unknown)}]"
    if not any(name in ("requestId", "extendedRequestId") for _s, _e, name in found):
        return (
            "Access Log format must include either $context.requestId or "
            f"$context.extendedRequestId : '{fmt}'"
        )
    return None


def _http_api_variable(name: str) -> bool:
    if name in HTTP_API_VARIABLES:
        return True
    return any(name.startswith(p) and len(name) > len(p) for p in HTTP_API_FAMILIES)


def http_api_format_errors(fmt: str) -> str | None:
    """AWS's BadRequest message for an unusable HTTP API access-log format, or None: one line,
    at most 3 KB, only HTTP API ``$context`` variables, and the request id."""
    if len(fmt.encode()) > HTTP_API_MAX_FORMAT:
        return (
            f"Access Log format must be at most {HTTP_API_MAX_FORMAT} bytes long: it is "
            f"{len(fmt.encode())}"
        )
    found = tokens(fmt)
    unknown = [fmt[s:e] for s, e, name in found if not _http_api_variable(name)]
    if unknown:
        return f"The following context variables are not supported: [{', '.join(unknown)}]"
    return format_errors(fmt)
