"""Security schemes to authorizer documents, and an operation's ``security`` to method auth."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from frontgate import ids
from frontgate.definition.model import Doc

from .document import EXT, obj_at
from .errors import Findings

_AUTHORIZER_TYPES = {
    "token": "TOKEN",
    "request": "REQUEST",
    "cognito_user_pools": "COGNITO_USER_POOLS",
}


@dataclass
class Schemes:
    """What each named security scheme means to API Gateway."""

    authorizers: dict[str, Doc] = field(default_factory=dict)  # scheme name -> authorizer doc
    iam: set[str] = field(default_factory=set)
    api_key: set[str] = field(default_factory=set)
    other: set[str] = field(default_factory=set)


def read_schemes(raw: Any, findings: Findings, where: str) -> Schemes:
    schemes = Schemes()
    for name, scheme in obj_at(raw, findings, where).items():
        at = f"{where}.{name}"
        scheme = obj_at(scheme, findings, at)
        authtype = scheme.get(EXT + "authtype")
        if EXT + "authorizer" in scheme:
            schemes.authorizers[name] = _authorizer(name, scheme, findings, at)
        elif isinstance(authtype, str) and authtype.lower().startswith("aws"):
            # "awsSigv4" (and any other aws-prefixed term, reserved by AWS) means IAM.
            schemes.iam.add(name)
        elif (
            scheme.get("type") == "apiKey"
            and scheme.get("in") == "header"
            and str(scheme.get("name", "")).lower() == "x-api-key"
        ):
            schemes.api_key.add(name)
        else:
            schemes.other.add(name)
    return schemes


def _authorizer(name: str, scheme: Doc, findings: Findings, at: str) -> Doc:
    ext = obj_at(scheme[EXT + "authorizer"], findings, f"{at}.{EXT}authorizer")
    raw_type = str(ext.get("type", "")).lower()
    if raw_type not in _AUTHORIZER_TYPES:
        raise findings.error(
            f"{EXT}authorizer type {ext.get('type')!r} is not one of token, request, "
            "cognito_user_pools",
            at,
        )
    kind = _AUTHORIZER_TYPES[raw_type]
    doc: Doc = {"id": ids.short_id(), "name": name, "type": kind}
    if kind == "COGNITO_USER_POOLS":
        arns = ext.get("providerARNs")
        if not isinstance(arns, list) or not arns:
            raise findings.error(
                f"{EXT}authorizer of type cognito_user_pools has no providerARNs", at
            )
        doc["providerARNs"] = [str(a) for a in arns]
    else:
        uri = ext.get("authorizerUri")
        if not isinstance(uri, str) or not uri:
            raise findings.error(
                f"{EXT}authorizer has no 'authorizerUri' (required for {kind})", at
            )
        doc["authorizerUri"] = uri
    identity = ext.get("identitySource")
    if not identity and kind != "REQUEST" and scheme.get("in") == "header" and scheme.get("name"):
        # TOKEN and Cognito authorizers read the header the apiKey scheme names.
        identity = f"method.request.header.{scheme['name']}"
    if identity:
        doc["identitySource"] = str(identity)
    if ext.get("identityValidationExpression"):
        doc["identityValidationExpression"] = str(ext["identityValidationExpression"])
    if ext.get("authorizerCredentials"):
        doc["authorizerCredentials"] = str(ext["authorizerCredentials"])
    # Stored only when given, as AWS imports it; the data plane caches for 300 s without it.
    if "authorizerResultTtlInSeconds" in ext:
        ttl = ext["authorizerResultTtlInSeconds"]
        if not isinstance(ttl, int) or isinstance(ttl, bool) or not 0 <= ttl <= 3600:
            raise findings.error("authorizerResultTtlInSeconds must be an integer 0-3600", at)
        doc["authorizerResultTtlInSeconds"] = ttl
    if isinstance(scheme.get(EXT + "authtype"), str):
        doc["authType"] = scheme[EXT + "authtype"]
    return doc


def apply_security(
    method: Doc, requirements: Any, schemes: Schemes, findings: Findings, where: str
) -> None:
    """Set authorizationType/authorizerId/authorizationScopes/apiKeyRequired on ``method``.

    AWS exports each scheme as its own requirement object (``[{"api_key": []}, {"auth": []}]``),
    so the names are read across all alternatives rather than as OpenAPI's either-or.
    """
    method["authorizationType"] = "NONE"
    method["apiKeyRequired"] = False
    if requirements is None:
        return
    if not isinstance(requirements, list):
        raise findings.error("security must be a list of requirement objects", where)
    chosen: str | None = None
    for requirement in requirements:
        for name, scopes in obj_at(requirement, findings, f"{where}.security").items():
            if name in schemes.api_key:
                method["apiKeyRequired"] = True
                continue
            if name in schemes.other:
                findings.warn(
                    f"security scheme {name!r} has no API Gateway meaning; ignored", where
                )
                continue
            if name not in schemes.iam and name not in schemes.authorizers:
                raise findings.error(f"security names undefined scheme {name!r}", where)
            if chosen is not None and chosen != name:
                findings.warn(f"more than one authorizer ({chosen}, {name}); using {chosen}", where)
                continue
            chosen = name
            _set_authorizer(method, name, scopes, schemes)


def _set_authorizer(method: Doc, name: str, scopes: Any, schemes: Schemes) -> None:
    if name in schemes.iam:
        method["authorizationType"] = "AWS_IAM"
        return
    authorizer = schemes.authorizers[name]
    cognito = authorizer["type"] == "COGNITO_USER_POOLS"
    method["authorizationType"] = "COGNITO_USER_POOLS" if cognito else "CUSTOM"
    method["authorizerId"] = authorizer["id"]
    if cognito and isinstance(scopes, list) and scopes:
        method["authorizationScopes"] = [str(s) for s in scopes]
