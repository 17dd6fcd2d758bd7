"""CORS for HTTP APIs (``corsConfiguration``): the gateway answers preflight requests itself and
adds the configured headers to every response of a CORS request, errors included; the
integration's own ``Access-Control-*`` headers are dropped (AWS: "API Gateway ignores CORS
headers returned from your backend integration").

Rules, as AWS documents them and where it is silent as decided here:

- a CORS request carries ``Origin``; a preflight is an ``OPTIONS`` request with ``Origin`` and
  ``Access-Control-Request-Method``;
- ``allowOrigins``: exact origins (compared case-insensitively), ``*`` (any origin: answered
  with ``*``), and patterns with one ``*`` such as ``https://*`` or ``https://*.example.com``
  (the ``*`` stands for at least one character and never for a ``/``); a matching origin is
  echoed, with ``Vary: Origin``;
- ``allowMethods`` / ``allowHeaders``: names or ``*``; a preflight's requested method and
  headers are echoed for ``*`` (what browsers accept also with credentials), the configured
  list is sent otherwise;
- a preflight from an origin, for a method or with a header the configuration does not allow is
  still answered ``204``, without any CORS header, so the browser refuses the actual request;
- ``maxAge`` becomes ``Access-Control-Max-Age``; ``allowCredentials`` becomes
  ``Access-Control-Allow-Credentials: true`` (the management API refuses it with ``*``
  origins, as AWS does);
- who answers a preflight is the router's call (``pipeline.route``): the gateway answers only
  when no route serves ``OPTIONS`` for the path; an ``OPTIONS`` route, an ``ANY`` route or the
  ``$default`` route takes it instead, with its authorizer (AWS: "the $default route catches
  requests for all methods ..., including OPTIONS requests", the documented reason to add an
  ``OPTIONS /{proxy+}`` route without authorization)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from frontgate.http.message import Response, header_pairs

if TYPE_CHECKING:
    from frontgate.pipeline.context import Context


@dataclass(frozen=True, slots=True)
class CorsPolicy:
    """An API's compiled ``corsConfiguration`` (immutable, picklable)."""

    any_origin: bool
    origins: frozenset[str]  # exact origins, lower-cased
    patterns: tuple[tuple[str, str], ...]  # (before, after) the ``*`` of a wildcard origin
    any_method: bool
    methods: tuple[str, ...]  # upper-cased
    any_header: bool
    headers: tuple[str, ...]  # lower-cased
    expose: str  # Access-Control-Expose-Headers value ("" for none)
    max_age: int | None
    credentials: bool

    def __reduce__(self) -> tuple[Any, ...]:
        return (CorsPolicy, (self.any_origin, self.origins, self.patterns, self.any_method,
                             self.methods, self.any_header, self.headers, self.expose,
                             self.max_age, self.credentials))  # fmt: skip

    def allowed_origin(self, origin: str) -> str | None:
        """The ``Access-Control-Allow-Origin`` value for ``origin``, or None when not allowed."""
        if self.any_origin:
            return "*"
        low = origin.lower()
        if low in self.origins:
            return origin
        for before, after in self.patterns:
            if (
                len(low) > len(before) + len(after)
                and low.startswith(before)
                and low.endswith(after)
                and "/" not in low[len(before) : len(low) - len(after)]
            ):
                return origin
        return None


def compile_cors(api_doc: dict[str, Any]) -> CorsPolicy | None:
    """The API's CORS policy, or None when it has no ``corsConfiguration``."""
    return compile_policy(api_doc.get("corsConfiguration"))


def compile_policy(conf: dict[str, Any] | None) -> CorsPolicy | None:
    """Hook for ``compile.httpapi``: a ``corsConfiguration`` compiled for ``Stage.cors``
    (immutable, picklable), or None when the API has none."""
    if not isinstance(conf, dict):
        return None
    origins = [str(o).strip() for o in conf.get("allowOrigins") or ()]
    exact = frozenset(o.lower() for o in origins if "*" not in o)
    patterns = tuple(
        (o.lower().split("*", 1)[0], o.lower().split("*", 1)[1])
        for o in origins
        if "*" in o and o != "*"
    )
    methods = [str(m).strip().upper() for m in conf.get("allowMethods") or ()]
    headers = [str(h).strip().lower() for h in conf.get("allowHeaders") or ()]
    expose = ",".join(str(h).strip() for h in conf.get("exposeHeaders") or ())
    max_age = conf.get("maxAge")
    return CorsPolicy(
        any_origin="*" in origins,
        origins=exact,
        patterns=patterns,
        any_method="*" in methods,
        methods=tuple(m for m in methods if m != "*"),
        any_header="*" in headers,
        headers=tuple(h for h in headers if h != "*"),
        expose=expose,
        max_age=int(max_age) if max_age is not None else None,
        credentials=bool(conf.get("allowCredentials")),
    )


def _header(ctx: Context, name: str) -> str | None:
    for k, v in ctx.request.headers:
        if k.lower() == name:
            return v
    return None


def is_preflight(ctx: Context) -> bool:
    """An ``OPTIONS`` request with ``Origin`` and ``Access-Control-Request-Method``."""
    return (
        ctx.request.method == "OPTIONS"
        and _header(ctx, "origin") is not None
        and _header(ctx, "access-control-request-method") is not None
    )


def _policy(ctx: Context) -> CorsPolicy | None:
    stage = ctx.stage
    found = stage.cors if stage is not None else None
    return found if isinstance(found, CorsPolicy) else None


def preflight(ctx: Context) -> Response | None:
    """Hook for ``pipeline.route``: the gateway's own answer (204) to a preflight request for
    which no route serves ``OPTIONS``, or None when the request is not a preflight or the stage
    (``Stage.cors``) has no CORS policy."""
    return answer_preflight(ctx, _policy(ctx))


def decorate(ctx: Context, resp: Response) -> None:
    """Hook for ``pipeline.method_response``: every response of a stage with a CORS policy,
    errors included, gets the headers the policy gives this request's origin."""
    add_headers(ctx, resp, _policy(ctx))


def answer_preflight(ctx: Context, policy: CorsPolicy | None) -> Response | None:
    """``preflight`` for an explicit policy."""
    if policy is None or not is_preflight(ctx):
        return None
    origin = _header(ctx, "origin") or ""
    method = (_header(ctx, "access-control-request-method") or "").strip().upper()
    requested = [
        h.strip().lower()
        for h in (_header(ctx, "access-control-request-headers") or "").split(",")
        if h.strip()
    ]
    allow_origin = policy.allowed_origin(origin)
    if (
        allow_origin is None
        or not (policy.any_method or method in policy.methods)
        or not (policy.any_header or all(h in policy.headers for h in requested))
    ):
        return Response(204, [])  # not allowed: no CORS header, the browser stops there
    headers = [("access-control-allow-origin", allow_origin)]
    if allow_origin != "*":
        headers.append(("vary", "Origin"))
    if policy.credentials:
        headers.append(("access-control-allow-credentials", "true"))
    methods = method if policy.any_method else ",".join(policy.methods)
    headers.append(("access-control-allow-methods", methods))
    if policy.any_header:
        if requested:
            headers.append(("access-control-allow-headers", ",".join(requested)))
    elif policy.headers:
        headers.append(("access-control-allow-headers", ",".join(policy.headers)))
    if policy.expose:
        headers.append(("access-control-expose-headers", policy.expose))
    if policy.max_age is not None:
        headers.append(("access-control-max-age", str(policy.max_age)))
    return Response(204, headers)


def _answered_preflight(ctx: Context) -> bool:
    """The response is the gateway's own preflight answer (``pipeline.route`` routes it to a
    method whose integration dispatch is ``PREFLIGHT``): its headers are complete."""
    method = ctx.method
    integration = method.integration if method is not None else None
    return integration is not None and integration.dispatch == "PREFLIGHT"


def add_headers(ctx: Context, resp: Response, policy: CorsPolicy | None) -> Response:
    """Add the CORS headers to the response of a (non-preflight) request, whatever produced it
    (integration or gateway error), after dropping the integration's own CORS headers. Changes
    ``resp`` in place and returns it; nothing to do without a policy or for a preflight answer
    the gateway made (it has its headers already)."""
    if policy is None or _answered_preflight(ctx):
        return resp
    if resp.head and "access-control-" in resp.head.lower():
        resp.headers = [*header_pairs(resp.head), *resp.headers]
        resp.head = ""
    if any(k[:15].lower() == "access-control-" for k, _ in resp.headers):
        resp.headers = [(k, v) for k, v in resp.headers if k[:15].lower() != "access-control-"]
    origin = _header(ctx, "origin")
    if origin is None:
        return resp
    allow_origin = policy.allowed_origin(origin)
    if allow_origin is None:
        return resp
    resp.headers.append(("access-control-allow-origin", allow_origin))
    if allow_origin != "*":
        resp.headers.append(("vary", "Origin"))
    if policy.credentials:
        resp.headers.append(("access-control-allow-credentials", "true"))
    if policy.expose:
        resp.headers.append(("access-control-expose-headers", policy.expose))
    return resp
