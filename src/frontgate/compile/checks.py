"""What AWS checks when a method, integration or response is written, and what CreateDeployment
checks before it freezes an API: one place, shared by the management API, the OpenAPI importer
and ``frontgate serve --api``, built on the compiler's own parsers (``compile.mappings``,
``compile_integration``) so that whatever is accepted also compiles.

Each check raises ``DefinitionError`` with AWS's message (``str()``) and, in ``where``, the
OpenAPI importer's "Unable to put ..." prefix naming the method."""

from __future__ import annotations

import re
from collections.abc import Callable

from frontgate.compile.compiler import compile_integration
from frontgate.compile.gateway_responses import compile_gateway_responses
from frontgate.compile.mappings import (
    MappingError,
    check_each,
    check_mappings,
    check_source,
    parse_identity_sources,
    parse_method_parameter,
    parse_response_parameter,
)
from frontgate.definition.model import ApiDefinition, Doc
from frontgate.vtl.engine import VtlSyntaxError, compile_template

NO_INTEGRATION = "No integration defined for method"


class DefinitionError(ValueError):
    """A definition AWS would refuse (400 BadRequestException with ``str(self)``)."""

    def __init__(self, message: str, where: str = "") -> None:
        self.where = where
        super().__init__(message)


def check_method(method: Doc) -> None:
    """Syntax of everything a method holds: its request parameters, its method responses'
    parameters, its integration's mappings and integration responses."""
    _mapping(check_each, method.get("requestParameters"), parse_method_parameter)
    for resp in (method.get("methodResponses") or {}).values():
        _mapping(check_each, resp.get("responseParameters"), parse_response_parameter)
    integration = method.get("methodIntegration")
    if integration:
        check_integration(integration)


def check_integration(integration: Doc) -> None:
    _mapping(check_mappings, integration.get("requestParameters"), "integration.request.")
    check_templates(integration.get("requestTemplates"))
    for resp in (integration.get("integrationResponses") or {}).values():
        check_integration_response(resp)


def check_integration_response(resp: Doc) -> None:
    _mapping(check_mappings, resp.get("responseParameters"), "method.response.")
    check_templates(resp.get("responseTemplates"))
    pattern = resp.get("selectionPattern")
    if pattern:
        try:
            re.compile(pattern)
        except re.error:
            raise DefinitionError(f"Invalid selection pattern specified: {pattern}") from None


def check_templates(templates: Doc | None) -> None:
    """Every mapping template parses (AWS refuses one that does not at the Put)."""
    for text in (templates or {}).values():
        if not isinstance(text, str):
            continue
        try:
            compile_template(text)
        except VtlSyntaxError as exc:
            raise DefinitionError(
                "Invalid mapping expression specified: Validation Result: warnings : [], "
                f"errors : [Invalid template: {exc}]"
            ) from None


# Where a method request parameter read by an integration mapping must be declared.
_DECLARED_AS: dict[str, tuple[str, ...]] = {
    "path": ("path",),
    "query": ("querystring", "multivaluequerystring"),
    "multiquery": ("multivaluequerystring", "querystring"),
    "header": ("header", "multivalueheader"),
    "multiheader": ("multivalueheader", "header"),
}
_UNDECLARED = "Invalid mapping expression parameter specified"


def check_declared_request(method: Doc, integration: Doc) -> None:
    """AWS: an integration request mapping may read only the method request parameters the
    method declares (``requestParameters``)."""
    declared = set(method.get("requestParameters") or {})
    refused: list[str] = []
    check_integration(integration)  # syntax first: a bad expression is reported as such
    for expr in (integration.get("requestParameters") or {}).values():
        kind, name = check_source(expr, "integration.request.")
        places = _DECLARED_AS.get(kind, ())
        if places and not any(f"method.request.{p}.{name}" in declared for p in places):
            refused.append(str(expr).strip())
    if refused:
        raise DefinitionError(str(MappingError(*refused, problem=_UNDECLARED)))


def check_declared_response(method: Doc, status: str, resp: Doc) -> None:
    """AWS: an integration response sets only the headers its status code's method response
    declares."""
    check_integration_response(resp)  # syntax first
    method_response = (method.get("methodResponses") or {}).get(status) or {}
    declared = set(method_response.get("responseParameters") or {})
    refused = [k for k in resp.get("responseParameters") or {} if k not in declared]
    if refused:
        raise DefinitionError(str(MappingError(*refused, problem=_UNDECLARED)))


def check_gateway_response(doc: Doc) -> None:
    _mapping(check_mappings, doc.get("responseParameters"), "gatewayresponse.")


def check_definition(defn: ApiDefinition) -> None:
    """Every method and gateway response of an API (an imported OpenAPI document)."""
    for res in defn.resources:
        path = str(res.get("path", "/"))
        for verb, method in (res.get("resourceMethods") or {}).items():
            try:
                check_method(method)
            except DefinitionError as exc:
                raise DefinitionError(str(exc), _where(method, verb, path)) from None
    for auth in defn.authorizers:
        if str(auth.get("type", "")).upper() == "REQUEST":
            try:
                _mapping(parse_identity_sources, auth.get("identitySource"))
            except DefinitionError as exc:
                where = f"Unable to create authorizer '{auth.get('name')}'"
                raise DefinitionError(str(exc), where) from None
    for doc in defn.gateway_responses:
        try:
            check_gateway_response(doc)
        except DefinitionError as exc:
            where = f"Unable to put gateway response '{doc.get('responseType')}'"
            raise DefinitionError(str(exc), where) from None


def check_declared_definition(defn: ApiDefinition) -> None:
    """What an import checks beyond ``check_definition`` (as each Put does): mappings read only
    declared method request parameters and set only declared method response headers. Not a
    deployment check: it is about how the definition was written, not whether it serves."""
    for res in defn.resources:
        path = str(res.get("path", "/"))
        for verb, method in (res.get("resourceMethods") or {}).items():
            integration = method.get("methodIntegration") or {}
            try:
                check_declared_request(method, integration)
            except DefinitionError as exc:
                where = f"Unable to put integration on '{verb}' for resource at path '{path}'"
                raise DefinitionError(str(exc), where) from None
            for status, resp in (integration.get("integrationResponses") or {}).items():
                try:
                    check_declared_response(method, str(resp.get("statusCode", status)), resp)
                except DefinitionError as exc:
                    where = (
                        f"Unable to put integration response on '{verb}' for resource at path "
                        f"'{path}'"
                    )
                    raise DefinitionError(str(exc), where) from None


def check_deployable(defn: ApiDefinition) -> None:
    """CreateDeployment's check: every method has an integration, and the API compiles."""
    check_definition(defn)
    for res in defn.resources:
        for verb, method in (res.get("resourceMethods") or {}).items():
            integration = method.get("methodIntegration")
            if not integration:
                raise DefinitionError(NO_INTEGRATION, f"{verb} {res.get('path', '/')}")
            try:
                compile_integration(integration, {})
            except (ValueError, TypeError, re.error) as exc:
                raise DefinitionError(str(exc), f"{verb} {res.get('path', '/')}") from None
    try:
        compile_gateway_responses(defn.gateway_responses, {})
    except (ValueError, TypeError) as exc:
        raise DefinitionError(str(exc), "gateway responses") from None


def _mapping(check: Callable[..., object], *args: object) -> None:
    try:
        check(*args)
    except MappingError as exc:
        raise DefinitionError(str(exc)) from None


def _where(method: Doc, verb: str, path: str) -> str:
    integration = method.get("methodIntegration") or {}
    for resp in (integration.get("integrationResponses") or {}).values():
        try:
            check_integration_response(resp)
        except DefinitionError:
            return f"Unable to put integration response on '{verb}' for resource at path '{path}'"
    try:
        _mapping(check_mappings, integration.get("requestParameters"), "integration.request.")
    except DefinitionError:
        return f"Unable to put integration on '{verb}' for resource at path '{path}'"
    return f"Unable to put method '{verb}' on resource at path '{path}'"
