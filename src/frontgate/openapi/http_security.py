"""HTTP API import: ``components.securitySchemes`` to apigatewayv2 authorizer documents, and an
operation's ``security`` to a route's ``authorizationType``/``authorizerId``/
``authorizationScopes``.

Scheme meanings, as AWS's ImportApi reads them for HTTP APIs:

* ``x-amazon-apigateway-authorizer`` of type ``jwt`` -> a JWT authorizer (``jwtConfiguration``;
  an ``openIdConnect`` scheme's ``openIdConnectUrl`` gives the issuer when none is set);
* ``x-amazon-apigateway-authorizer`` of type ``request`` -> a Lambda REQUEST authorizer;
* ``x-amazon-apigateway-authtype: awsSigv4`` (any ``aws``-prefixed value) -> ``AWS_IAM``;
* anything else (API keys, plain OAuth, REST-only ``token`` authorizers) means nothing to an
  HTTP API: a warning, and routes that name it are left open.

REST-style identity sources (``method.request.header.X``) are translated to the HTTP API form
(``$request.header.X``) so a REST API's export imports as an HTTP API, as AWS documents."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from frontgate import ids
from frontgate.definition.model import Doc

from .document import EXT, obj_at
from .errors import Findings

_OIDC_SUFFIX = "/.well-known/openid-configuration"
_REST_SOURCES = (
    ("method.request.header.", "$request.header."),
    ("method.request.querystring.", "$request.querystring."),
    ("stageVariables.", "$stageVariables."),
    ("context.", "$context."),
)
_PAYLOAD_VERSIONS = ("1.0", "2.0")
MAX_TTL = 3600


@dataclass
class HttpSchemes:
    """What each named security scheme means to an HTTP API."""

    authorizers: dict[str, Doc] = field(default_factory=dict)  # scheme name -> authorizer doc
    iam: set[str] = field(default_factory=set)
    ignored: set[str] = field(default_factory=set)


def read_http_schemes(raw: Any, findings: Findings, where: str) -> HttpSchemes:
    schemes = HttpSchemes()
    for name, scheme in obj_at(raw, findings, where).items():
        at = f"{where}.{name}"
        scheme = obj_at(scheme, findings, at)
        authtype = scheme.get(EXT + "authtype")
        if EXT + "authorizer" in scheme:
            doc = _authorizer(name, scheme, findings, at)
            if doc is None:
                schemes.ignored.add(name)
            else:
                schemes.authorizers[name] = doc
        elif isinstance(authtype, str) and authtype.lower().startswith("aws"):
            schemes.iam.add(name)
        else:
            findings.warn("security scheme is not supported by HTTP APIs; ignored", at)
            schemes.ignored.add(name)
    return schemes


def _authorizer(name: str, scheme: Doc, findings: Findings, at: str) -> Doc | None:
    ext_at = f"{at}.{EXT}authorizer"
    ext = obj_at(scheme[EXT + "authorizer"], findings, ext_at)
    kind = str(ext.get("type", "")).lower()
    if kind not in ("jwt", "request"):
        findings.warn(
            f"authorizer type {ext.get('type')!r} is not supported by HTTP APIs "
            "(jwt or request); ignored",
            ext_at,
        )
        return None
    doc: Doc = {"authorizerId": ids.short_id(), "name": name}
    identity = _identity_sources(ext.get("identitySource"), findings, ext_at)
    if kind == "jwt":
        doc["authorizerType"] = "JWT"
        doc["identitySource"] = identity or ["$request.header.Authorization"]
        doc["jwtConfiguration"] = _jwt_configuration(scheme, ext, findings, ext_at)
        return doc
    doc["authorizerType"] = "REQUEST"
    uri = ext.get("authorizerUri")
    if not isinstance(uri, str) or not uri:
        raise findings.error("authorizerUri is required for a request authorizer", ext_at)
    doc["authorizerUri"] = uri
    version = ext.get("authorizerPayloadFormatVersion")
    # A REST API's export has none: its Lambda authorizers speak the 1.0 (REST) format.
    version = "1.0" if version is None else version_text(version)
    if version not in _PAYLOAD_VERSIONS:
        raise findings.error("authorizerPayloadFormatVersion must be 1.0 or 2.0", ext_at)
    doc["authorizerPayloadFormatVersion"] = version
    simple = ext.get("enableSimpleResponses")
    if simple is not None:
        if not isinstance(simple, bool):
            raise findings.error("enableSimpleResponses must be a boolean", ext_at)
        if simple and version != "2.0":
            raise findings.error(
                "enableSimpleResponses is supported only for authorizerPayloadFormatVersion 2.0",
                ext_at,
            )
        doc["enableSimpleResponses"] = simple
    if "authorizerResultTtlInSeconds" in ext:
        ttl = ext["authorizerResultTtlInSeconds"]
        if isinstance(ttl, str) and ttl.isdigit():
            ttl = int(ttl)  # the extension's reference types it as a string
        if not isinstance(ttl, int) or isinstance(ttl, bool) or not 0 <= ttl <= MAX_TTL:
            raise findings.error(
                f"authorizerResultTtlInSeconds must be an integer 0-{MAX_TTL}", ext_at
            )
        if ttl > 0 and not identity:
            raise findings.error(
                "identitySource is required when authorizer caching is enabled", ext_at
            )
        doc["authorizerResultTtlInSeconds"] = ttl
    if identity:
        doc["identitySource"] = identity
    if ext.get("authorizerCredentials"):
        doc["authorizerCredentialsArn"] = str(ext["authorizerCredentials"])
    return doc


def _jwt_configuration(scheme: Doc, ext: Doc, findings: Findings, at: str) -> Doc:
    raw = obj_at(ext.get("jwtConfiguration"), findings, f"{at}.jwtConfiguration")
    issuer = raw.get("issuer")
    url = scheme.get("openIdConnectUrl")
    if not issuer and scheme.get("type") == "openIdConnect" and isinstance(url, str):
        # AWS finds the issuer from a fully formed discovery URL.
        if not url.endswith(_OIDC_SUFFIX):
            raise findings.error(f"openIdConnectUrl must end with {_OIDC_SUFFIX}", at)
        issuer = url[: -len(_OIDC_SUFFIX)]
    if not isinstance(issuer, str) or not issuer:
        raise findings.error("jwtConfiguration.issuer is required for a jwt authorizer", at)
    audience = raw.get("audience", [])
    if isinstance(audience, str):
        audience = [audience]
    if not isinstance(audience, list) or not all(isinstance(a, str) for a in audience):
        raise findings.error("jwtConfiguration.audience must be a list of strings", at)
    return {"audience": list(audience), "issuer": issuer}


def _identity_sources(raw: Any, findings: Findings, at: str) -> list[str]:
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        items = [part.strip() for part in raw.split(",")]
    elif isinstance(raw, list) and all(isinstance(s, str) for s in raw):
        items = [s.strip() for s in raw]
    else:
        raise findings.error("identitySource must be a string or a list of strings", at)
    out = []
    for item in items:
        for rest, http in _REST_SOURCES:
            if item.startswith(rest):
                item = http + item[len(rest) :]
                break
        if not item.startswith("$"):
            raise findings.error(f"invalid identity source {item!r}", at)
        out.append(item)
    return out


def version_text(value: Any) -> str:
    """``1.0``/``2.0`` as a string; YAML and JSON documents often give them as numbers."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        return f"{float(value):.1f}"
    return str(value)


def route_security(
    route: Doc, requirements: Any, schemes: HttpSchemes, findings: Findings, where: str
) -> None:
    """Set the route's authorization from an operation's (or the document's) ``security``.

    An HTTP API route has one authorization: IAM, a Lambda authorizer or a JWT authorizer;
    AWS refuses a definition that asks for more than one on one operation."""
    route["authorizationType"] = "NONE"
    if requirements is None:
        return
    if not isinstance(requirements, list):
        raise findings.error("security must be a list of requirement objects", where)
    chosen: list[tuple[str, Any]] = []
    for requirement in requirements:
        for name, scopes in obj_at(requirement, findings, f"{where}.security").items():
            if name in schemes.ignored:
                findings.warn(f"security scheme {name!r} is not supported; ignored", where)
                continue
            if name not in schemes.iam and name not in schemes.authorizers:
                raise findings.error(f"security names undefined scheme {name!r}", where)
            chosen.append((name, scopes))
    if not chosen:
        return
    if len(chosen) > 1:
        names = ", ".join(name for name, _ in chosen)
        raise findings.error(
            f"multiple security requirements ({names}) are not supported; an operation may "
            "have only one of IAM authorization, a Lambda authorizer or a JWT authorizer",
            where,
        )
    name, scopes = chosen[0]
    if name in schemes.iam:
        route["authorizationType"] = "AWS_IAM"
        return
    authorizer = schemes.authorizers[name]
    jwt = authorizer["authorizerType"] == "JWT"
    route["authorizationType"] = "JWT" if jwt else "CUSTOM"
    route["authorizerId"] = authorizer["authorizerId"]
    if scopes:
        if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
            raise findings.error(f"scopes of {name!r} must be a list of strings", where)
        if jwt:
            route["authorizationScopes"] = list(scopes)
        else:
            findings.warn("authorization scopes apply only to JWT authorizers; ignored", where)
