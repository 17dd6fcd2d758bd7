"""What CreateDeployment (and every auto-deploy) checks before it freezes an HTTP API: the
references between its documents that the management API cannot keep by itself (a route's
target integration, its authorizer), with AWS's messages. The data-plane compiler of HTTP APIs
calls and extends it, so whatever deploys also compiles.

Raises ``ValueError`` (``str()`` is the message the management API answers with, as a
``BadRequestException``)."""

from __future__ import annotations

import re

from frontgate.compile.httpapi import check_compiles
from frontgate.compile.websocket import check_ws_compiles
from frontgate.definition.httpapis import HttpApiDefinition

_AUTHORIZER_TYPES = {"JWT": "JWT", "CUSTOM": "REQUEST"}


def check_http_deployable(defn: HttpApiDefinition) -> None:
    """Raise ``ValueError`` with AWS's message if the definition would not deploy."""
    integrations = {str(i.get("integrationId")) for i in defn.integrations}
    authorizers = {str(a.get("authorizerId")): a for a in defn.authorizers}
    for route in defn.routes:
        key = route.get("routeKey")
        target = route.get("target")
        if target is not None:
            integration_id = str(target).removeprefix("integrations/")
            if not str(target).startswith("integrations/") or integration_id not in integrations:
                raise ValueError(
                    f"Unable to deploy API because the route {key} targets integration "
                    f"{integration_id}, which does not exist"
                )
        auth_type = route.get("authorizationType") or "NONE"
        if auth_type in _AUTHORIZER_TYPES:
            authorizer_id = route.get("authorizerId")
            authorizer = authorizers.get(str(authorizer_id))
            if authorizer is None:
                raise ValueError(
                    f"Unable to deploy API because the route {key} uses authorizer "
                    f"{authorizer_id}, which does not exist"
                )
            if authorizer.get("authorizerType") != _AUTHORIZER_TYPES[auth_type]:
                raise ValueError(
                    f"Unable to deploy API because the route {key} has authorization type "
                    f"{auth_type} but authorizer {authorizer_id} is of type "
                    f"{authorizer.get('authorizerType')}"
                )
    # Whatever deploys must also compile into a servable stage (the data plane's compiler),
    # so a deployment is never reported that no worker serves. Region and account only shape
    # ARNs, never whether a definition compiles.
    if defn.api.get("protocolType") == "WEBSOCKET":
        check_ws_compiles(defn, "us-east-1", "123456789012")
    else:
        check_compiles(defn, "us-east-1", "123456789012")


# -- parameter mapping (HTTP APIs) --------------------------------------------------------------
#
# Keys: ``append:|overwrite:|remove:`` + ``header.NAME`` or ``querystring.NAME``, and
# ``overwrite:path``; response mappings (keyed by status code) also ``overwrite:statuscode``.
# Values: static text with ``$request.header.NAME``, ``$request.querystring.NAME``,
# ``$request.body.JSONPATH``, ``$request.path``, ``$request.path.NAME``, ``$context.NAME``,
# ``$stageVariables.NAME`` (or the ``${...}`` form, to join a variable to text) in requests;
# ``$response.header.NAME``, ``$response.body.JSONPATH`` instead of ``$request`` in responses.

_KEY = re.compile(r"(append|overwrite|remove):(header|querystring)\.([A-Za-z0-9!#$%&'*+\-.^_`|~]+)")
_TOKEN = re.compile(r"\$\{([^}]*)\}|\$([A-Za-z][A-Za-z0-9_.\-\[\]*@:]*)")
_NAME = re.compile(r"[^\s]+")
_REQUEST_SOURCES = ("request.header.", "request.querystring.", "request.body", "request.path")
_RESPONSE_SOURCES = ("response.header.", "response.body")
_ALWAYS = ("context.", "stageVariables.")
# AWS reserves these headers: a mapping cannot change them (http-api-parameter-mapping.md).
RESERVED_HEADERS = frozenset(
    (
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "access-control-expose-headers",
        "access-control-max-age",
        "access-control-allow-methods",
        "access-control-allow-headers",
        "cache-control",
        "content-length",
        "content-md5",
        "content-type",  # only for response mappings: see check_response_parameters
        "expect",
        "max-forwards",
        "proxy-authenticate",
        "server",
        "te",
        "transfer-encoding",
        "trailer",
        "upgrade",
        "x-amzn-remapped-",
        "x-amzn-",
        "x-amz-",
        "x-forwarded-",
        "host",
        "connection",
        "via",
        "www-authenticate",
    )
)


def _reserved(header: str, *, response: bool) -> bool:
    h = header.lower()
    if h == "content-type" and not response:
        return False
    return any(h == r or (r.endswith("-") and h.startswith(r)) for r in RESERVED_HEADERS)


def _check_value(key: str, value: object, sources: tuple[str, ...]) -> None:
    if not isinstance(value, str):
        raise ValueError(f"Invalid mapping expression specified: {value!r} for {key}")
    for m in _TOKEN.finditer(value):
        expr = m.group(1) if m.group(1) is not None else m.group(2)
        ok = any(
            expr == s or (expr.startswith(s) and (s.endswith(".") or expr[len(s)] == "."))
            for s in (*sources, *_ALWAYS)
        )
        if expr.startswith(("request.body", "response.body")) and ok:
            continue
        if not ok or not _NAME.fullmatch(expr) or expr.endswith("."):
            raise ValueError(
                f"Invalid mapping expression specified: {value} is not a valid mapping "
                f"expression for {key}"
            )


def check_request_parameters(params: dict[str, object]) -> None:
    """An HTTP API integration's ``requestParameters`` (HTTP_PROXY and Lambda proxy ones; those
    of an AWS service integration, keyed by the service's parameter names, are checked by its
    subtype)."""
    for key, value in params.items():
        if key != "overwrite:path":
            m = _KEY.fullmatch(key)
            if m is None:
                raise ValueError(
                    f"Invalid mapping key {key}: a key is append:, overwrite: or remove: "
                    "followed by header.NAME or querystring.NAME, or overwrite:path"
                )
            if m.group(2) == "header" and _reserved(m.group(3), response=False):
                raise ValueError(f"Invalid mapping key {key}: header {m.group(3)} is reserved")
        if key.startswith("remove:"):
            continue
        _check_value(key, value, _REQUEST_SOURCES)


def check_response_parameters(params: dict[str, dict[str, object]]) -> None:
    """An HTTP API integration's ``responseParameters``: status code (200-599) -> mapping."""
    for status, mapping in params.items():
        if not (status.isascii() and status.isdigit() and 200 <= int(status) <= 599):
            raise ValueError(
                f"Invalid response mapping status code {status}: must be from 200 to 599"
            )
        for key, value in mapping.items():
            if key != "overwrite:statuscode":
                m = _KEY.fullmatch(key)
                if m is None or m.group(2) != "header":
                    raise ValueError(
                        f"Invalid mapping key {key}: a response mapping key is append:, "
                        "overwrite: or remove: followed by header.NAME, or overwrite:statuscode"
                    )
                if _reserved(m.group(3), response=True):
                    raise ValueError(f"Invalid mapping key {key}: header {m.group(3)} is reserved")
            if key.startswith("remove:"):
                continue
            _check_value(key, value, _RESPONSE_SOURCES)
