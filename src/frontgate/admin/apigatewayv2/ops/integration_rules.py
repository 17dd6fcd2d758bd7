"""What AWS checks when an HTTP API integration is written (CreateIntegration, UpdateIntegration
and quick create), and the defaults it fills in. WebSocket integrations get their defaults and
a check of the URI when one is given (a missing one is refused at deployment). Registers no
operation."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from frontgate.admin.errors import BadRequest
from frontgate.awscall.arn import valid_credentials
from frontgate.compile.http_checks import check_request_parameters, check_response_parameters
from frontgate.compile.http_subtypes import check_subtype
from frontgate.state.store import Doc

HTTP_TIMEOUT_DEFAULT = 30000
WEBSOCKET_TIMEOUT_DEFAULT = 29000
_LAMBDA_ARN = re.compile(
    r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?"
)
_LAMBDA_INVOKE = re.compile(
    r"arn:aws[a-z-]*:apigateway:[a-z0-9-]+:lambda:path/2015-03-31/functions/(.+)/invocations"
)
_INTEGRATION_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")


# AWS lets a stage variable stand for (part of) the function name or its alias/version,
# ``function:${stageVariables.fn}``; each stage resolves it when compiled (compile/httpapi.py).
_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.[A-Za-z0-9_]+\}")


def is_lambda_uri(uri: str) -> bool:
    """A Lambda function ARN, or API Gateway's invocation URI around one, where stage variables
    may stand for the function's name, version or alias."""
    m = _LAMBDA_INVOKE.fullmatch(uri)
    arn = _STAGE_VARIABLE.sub("v", m.group(1) if m else uri)
    return bool(_LAMBDA_ARN.fullmatch(arn))


def is_http_url(uri: str) -> bool:
    try:
        parts = urlsplit(uri)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def check_integration(doc: Doc, protocol: str) -> Doc:
    """The integration to store (defaults filled in), or ``BadRequestException``."""
    credentials = doc.get("credentialsArn")
    if credentials is not None and not valid_credentials(str(credentials)):
        # As REST APIs' PutIntegration: a typo in the role is caught here, not at the call.
        raise BadRequest("Invalid ARN specified in the request")
    if protocol != "HTTP":
        kind = doc.get("integrationType")
        uri = doc.get("integrationUri")
        # A URI given is checked now (as REST's PutIntegration); one still missing is refused
        # when the API is deployed (compile.websocket.check_uri).
        if uri is not None and kind in ("HTTP", "HTTP_PROXY") and not is_http_url(uri):
            raise BadRequest("Invalid HTTP endpoint specified for URI")
        if uri is not None and kind == "AWS_PROXY" and not is_lambda_uri(uri):
            raise BadRequest(
                f"Invalid integration URI {uri!r}: AWS_PROXY integrations invoke a Lambda "
                "function (its ARN or invocation URI)"
            )
        doc.setdefault("timeoutInMillis", WEBSOCKET_TIMEOUT_DEFAULT)
        if doc.get("timeoutInMillis", 0) > 29000:
            raise BadRequest("Timeout must be between 50 and 29000 milliseconds for WebSocket APIs")
        doc.setdefault("connectionType", "INTERNET")
        doc.setdefault("passthroughBehavior", "WHEN_NO_MATCH")
        doc.setdefault(
            "integrationResponseSelectionExpression", "${integration.response.statuscode}"
        )
        return doc
    kind = doc["integrationType"]
    subtype = doc.get("integrationSubtype")
    if kind not in ("AWS_PROXY", "HTTP_PROXY"):
        raise BadRequest(
            f"Integration type {kind} is not supported for HTTP APIs: use AWS_PROXY or HTTP_PROXY"
        )
    for member in (
        "requestTemplates",
        "templateSelectionExpression",
        "passthroughBehavior",
        "contentHandlingStrategy",
    ):
        if doc.get(member) is not None:
            raise BadRequest(f"{member} is supported only for WebSocket APIs")
    doc.setdefault("timeoutInMillis", HTTP_TIMEOUT_DEFAULT)
    doc.setdefault("connectionType", "INTERNET")
    version = doc.get("payloadFormatVersion")
    uri = doc.get("integrationUri")
    if kind == "AWS_PROXY":
        if subtype is not None:
            # AWS service integrations (SQS-SendMessage...): compile.http_subtypes checks them.
            if uri is not None:
                raise BadRequest("IntegrationUri must not be specified with an IntegrationSubtype")
            if not doc.get("requestParameters"):
                raise BadRequest(
                    "RequestParameters are required for integrations with an IntegrationSubtype"
                )
            doc.setdefault("payloadFormatVersion", "1.0")
            if doc["payloadFormatVersion"] != "1.0":
                raise BadRequest(
                    "Integrations with an IntegrationSubtype support only payload format 1.0"
                )
            try:
                check_subtype(str(subtype), doc["requestParameters"])
            except ValueError as exc:
                raise BadRequest(str(exc)) from None
        else:
            if uri is None:
                raise BadRequest("IntegrationUri is required for AWS_PROXY integrations")
            if not is_lambda_uri(uri):
                raise BadRequest(
                    f"Invalid integration URI {uri!r}: AWS_PROXY integrations without a subtype "
                    "invoke a Lambda function (its ARN or invocation URI)"
                )
            if version is None:
                raise BadRequest(
                    "PayloadFormatVersion is required for AWS_PROXY integrations of HTTP APIs "
                    "(1.0 or 2.0)"
                )
            if version not in ("1.0", "2.0"):
                raise BadRequest(f"Invalid payload format version {version}: must be 1.0 or 2.0")
        if doc.get("integrationMethod") not in (None, "POST"):
            raise BadRequest("IntegrationMethod of an AWS_PROXY integration must be POST")
        doc.setdefault("integrationMethod", "POST")
    else:
        if subtype is not None:
            raise BadRequest("IntegrationSubtype is supported only for AWS_PROXY integrations")
        if uri is None:
            raise BadRequest("IntegrationUri is required for HTTP_PROXY integrations")
        if doc["connectionType"] == "INTERNET" and not is_http_url(uri):
            raise BadRequest(
                f"Invalid integration URI {uri!r}: an HTTP_PROXY integration takes a fully "
                "qualified http:// or https:// URL"
            )
        method = doc.get("integrationMethod")
        if method is None:
            raise BadRequest("IntegrationMethod is required for HTTP_PROXY integrations")
        if method.upper() not in _INTEGRATION_METHODS:
            raise BadRequest(
                f"Invalid integration method {method}: must be one of "
                f"{', '.join(_INTEGRATION_METHODS)}"
            )
        doc["integrationMethod"] = method.upper()
        doc.setdefault("payloadFormatVersion", "1.0")
        if doc["payloadFormatVersion"] != "1.0":
            raise BadRequest(
                "Payload format version 2.0 is supported only for AWS_PROXY integrations"
            )
    if doc["connectionType"] == "VPC_LINK" and not doc.get("connectionId"):
        raise BadRequest("ConnectionId is required for VPC_LINK integrations")
    try:
        if subtype is None and doc.get("requestParameters"):
            check_request_parameters(doc["requestParameters"])
        if doc.get("responseParameters"):
            check_response_parameters(doc["responseParameters"])
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    return doc


def integration_doc(fields: dict[str, Any]) -> Doc:
    """An integration document from CreateIntegration's input (``apiId`` left out)."""
    return {k: v for k, v in fields.items() if k != "apiId" and v is not None}
