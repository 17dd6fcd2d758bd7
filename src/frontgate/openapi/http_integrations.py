"""HTTP API import: ``x-amazon-apigateway-integration`` objects to apigatewayv2 integration
documents.

An inline integration becomes an integration of its own route (AWS creates one per operation,
even when two are identical); a ``$ref`` to ``components.x-amazon-apigateway-integrations``
becomes one integration shared by every route that names it. HTTP APIs have only Lambda proxy
(``aws_proxy``, also with an ``integrationSubtype`` for AWS service integrations) and HTTP proxy
(``http_proxy``) integrations: any other type is a warning and leaves the route without one.
REST-only members (``requestTemplates``, ``responses``, ``passthroughBehavior``...) are
ignored and reported as import info."""

from __future__ import annotations

from typing import Any

from frontgate import ids
from frontgate.definition.model import Doc

from .document import EXT, obj_at, str_map
from .errors import Findings
from .http_security import version_text

_COMPONENT_PREFIX = "#/components/" + EXT + "integrations/"
_TYPES = ("AWS_PROXY", "HTTP_PROXY")
_CONNECTION_TYPES = ("INTERNET", "VPC_LINK")
_PAYLOAD_VERSIONS = ("1.0", "2.0")
_METHODS = ("ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
MIN_TIMEOUT, MAX_TIMEOUT = 50, 30_000
_REST_TARGET = "integration.request."
_REST_SOURCES = (
    ("method.request.header.", "$request.header."),
    ("method.request.querystring.", "$request.querystring."),
    ("method.request.path.", "$request.path."),
    ("context.", "$context."),
    ("stageVariables.", "$stageVariables."),
)
_KNOWN = frozenset(
    {
        "type",
        "httpMethod",
        "uri",
        "payloadFormatVersion",
        "connectionType",
        "connectionId",
        "credentials",
        "timeoutInMillis",
        "requestParameters",
        "responseParameters",
        "tlsConfig",
        "integrationSubtype",
        "description",
    }
)


class IntegrationReader:
    """Turns each operation's integration extension into a document, sharing components."""

    def __init__(self, root: Doc, findings: Findings, info: list[str]) -> None:
        self.root = root
        self.findings = findings
        self.info = info
        components = obj_at(root.get("components"), findings, "components")
        where = f"components.{EXT}integrations"
        self.components = obj_at(components.get(EXT + "integrations"), findings, where)
        self.shared: dict[str, Doc | None] = {}  # component name -> its integration
        self.documents: list[Doc] = []

    def read(self, raw: Any, where: str) -> Doc | None:
        """The integration a route targets, or None (no usable integration)."""
        raw = obj_at(raw, self.findings, where)
        ref = raw.get("$ref")
        if ref is None:
            return self._build(raw, where)
        if not isinstance(ref, str) or not ref.startswith(_COMPONENT_PREFIX):
            raise self.findings.error(
                f"an integration $ref must point into #/components/{EXT}integrations, got {ref!r}",
                where,
            )
        name = ref[len(_COMPONENT_PREFIX) :]
        if name not in self.shared:
            if name not in self.components:
                raise self.findings.error(f"$ref {ref!r} points to nothing", where)
            at = f"components.{EXT}integrations.{name}"
            self.shared[name] = self._build(obj_at(self.components[name], self.findings, at), at)
        return self.shared[name]

    def _build(self, raw: Doc, where: str) -> Doc | None:
        findings = self.findings
        for key in raw:
            if key not in _KNOWN:
                self.info.append(f"{where}: {key!r} is not supported by HTTP APIs; ignored")
        kind = str(raw.get("type", "")).upper()
        if kind not in _TYPES:
            findings.warn(
                f"integration type {raw.get('type')!r} is not supported by HTTP APIs "
                "(only aws_proxy and http_proxy); the route has no integration",
                where,
            )
            return None
        doc: Doc = {"integrationId": ids.short_id(7), "integrationType": kind}
        subtype = raw.get("integrationSubtype")
        if subtype is not None:
            if kind != "AWS_PROXY" or not isinstance(subtype, str) or not subtype:
                raise findings.error("integrationSubtype applies only to aws_proxy", where)
            doc["integrationSubtype"] = subtype
        method = raw.get("httpMethod")
        if method is not None:
            method = str(method).upper()
            if method not in _METHODS:
                raise findings.error(f"httpMethod {raw['httpMethod']!r} is not valid", where)
            doc["integrationMethod"] = method
        elif kind == "HTTP_PROXY":
            raise findings.error("httpMethod is required for an http_proxy integration", where)
        elif subtype is None:
            doc["integrationMethod"] = "POST"  # Lambda is always invoked with POST
        uri = raw.get("uri")
        if uri is not None and not isinstance(uri, str):
            raise findings.error("uri must be a string", where)
        if uri:
            doc["integrationUri"] = uri
        elif subtype is None:
            raise findings.error("uri is required for this integration", where)
        connection = str(raw.get("connectionType") or "INTERNET").upper()
        if connection not in _CONNECTION_TYPES:
            raise findings.error("connectionType must be INTERNET or VPC_LINK", where)
        doc["connectionType"] = connection
        if connection == "VPC_LINK":
            if not raw.get("connectionId"):
                raise findings.error("connectionId is required for a VPC_LINK connection", where)
            doc["connectionId"] = str(raw["connectionId"])
        internet_http = kind == "HTTP_PROXY" and connection == "INTERNET"
        if internet_http and uri and not uri.startswith(("http://", "https://")):
            raise findings.error("Invalid HTTP endpoint specified for URI", where)
        doc["payloadFormatVersion"] = self._payload_version(raw, kind, subtype, where)
        if raw.get("credentials"):
            doc["credentialsArn"] = str(raw["credentials"])
        doc["timeoutInMillis"] = _timeout(raw.get("timeoutInMillis"), findings, where)
        if raw.get("description"):
            doc["description"] = str(raw["description"])
        at = f"{where}.requestParameters"
        request = self._request_parameters(str_map(raw.get("requestParameters"), findings, at), at)
        if request:
            doc["requestParameters"] = request
        response = _response_parameters(raw.get("responseParameters"), findings, where)
        if response:
            doc["responseParameters"] = response
        tls = obj_at(raw.get("tlsConfig"), findings, f"{where}.tlsConfig")
        if tls.get("serverNameToVerify"):
            doc["tlsConfig"] = {"serverNameToVerify": str(tls["serverNameToVerify"])}
        self.documents.append(doc)
        return doc

    def _request_parameters(self, params: dict[str, str], where: str) -> dict[str, str]:
        """HTTP API mappings as given; a REST API's (``integration.request.header.x``:
        ``method.request.header.y``) translated, so that a REST export imports."""
        out: dict[str, str] = {}
        for key, value in params.items():
            if not key.startswith(_REST_TARGET):
                out[key] = value
                continue
            place, _, name = key[len(_REST_TARGET) :].partition(".")
            source = _rest_source(value)
            if place == "path":
                # An HTTP API puts route path parameters into the integration URI itself.
                self.info.append(f"{where}: {key!r} is not needed by HTTP APIs; ignored")
            elif place in ("header", "querystring") and name and source is not None:
                out[f"overwrite:{place}.{name}"] = source
            else:
                self.findings.warn(f"request parameter {key!r} cannot be mapped; ignored", where)
        return out

    def _payload_version(self, raw: Doc, kind: str, subtype: Any, where: str) -> str:
        given = raw.get("payloadFormatVersion")
        # A REST API's export has none; its proxy integrations speak the 1.0 format.
        version = "1.0" if given is None else version_text(given)
        if version not in _PAYLOAD_VERSIONS:
            raise self.findings.error("payloadFormatVersion must be 1.0 or 2.0", where)
        if version == "2.0" and (kind != "AWS_PROXY" or subtype is not None):
            raise self.findings.error(
                "payloadFormatVersion 2.0 is supported only for Lambda proxy integrations", where
            )
        return version


def _rest_source(value: str) -> str | None:
    """A REST mapping source as an HTTP API one (``method.request.header.x`` ->
    ``$request.header.x``, ``'text'`` -> ``text``), or None when HTTP APIs have no equivalent."""
    if len(value) >= 2 and value.startswith("'") and value.endswith("'"):
        return value[1:-1]
    for rest, http in _REST_SOURCES:
        if value.startswith(rest) and len(value) > len(rest):
            return http + value[len(rest) :]
    return None


def _timeout(raw: Any, findings: Findings, where: str) -> int:
    if raw is None:
        return MAX_TIMEOUT
    if isinstance(raw, str) and raw.isdigit():
        raw = int(raw)
    if not isinstance(raw, int) or isinstance(raw, bool) or not MIN_TIMEOUT <= raw <= MAX_TIMEOUT:
        raise findings.error(
            f"timeoutInMillis must be between {MIN_TIMEOUT} and {MAX_TIMEOUT} ms", where
        )
    return raw


def _response_parameters(raw: Any, findings: Findings, where: str) -> dict[str, dict[str, str]]:
    at = f"{where}.responseParameters"
    out: dict[str, dict[str, str]] = {}
    for status, mapping in obj_at(raw, findings, at).items():
        if not (status.isdigit() and 200 <= int(status) <= 599):
            raise findings.error(f"status code {status!r} must be between 200 and 599", at)
        out[status] = str_map(mapping, findings, f"{at}.{status}")
    return out
