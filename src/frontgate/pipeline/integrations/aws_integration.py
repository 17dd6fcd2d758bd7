"""REST ``AWS`` integrations to AWS services by action (``arn:aws:apigateway:{region}:{service}:
action/{Action}``) or by path (``...:{service}:path/{path}``): the request is mapped as for an
HTTP integration (request template or passthrough body, ``integration.request.*`` parameters,
``$context.requestOverride``), shaped the way the service's protocol wants it (botocore's model
says which), signed and sent by ``env.aws`` (frontgate.awscall). The service's answer is left in
``ctx.integration_status`` / ``ctx.upstream_*`` for the integration responses, selected by
``selectionPattern`` on the status code (pipeline.integration_response)."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable
from typing import Final
from urllib.parse import quote, unquote

from frontgate.awscall import arn, models
from frontgate.awscall.client import config_error
from frontgate.deferred import Deferred, wait
from frontgate.pipeline import templates
from frontgate.pipeline.context import Context
from frontgate.pipeline.env import Env
from frontgate.pipeline.integration_request import ILLEGAL_MAPPED_HEADERS, _apply_overrides
from frontgate.pipeline.values import source_value
from frontgate.snapshot.snapshot import Integration
from frontgate.upstream.pool import UpstreamResponse

log = logging.getLogger("frontgate.pipeline.integrations.aws_integration")

_PLACEHOLDER: Final = re.compile(r"\{([^{}]+?)(\+?)\}")
_PATH_SAFE: Final = "/-_.~%!$&'()*+,;=:@"


class _Mapped:
    """The integration request before the protocol shapes it."""

    __slots__ = ("body", "explicit", "headers", "path_values", "query")

    def __init__(
        self,
        body: bytes,
        path_values: dict[str, str],
        query: list[tuple[str, str]],
        headers: list[tuple[str, str]],
        explicit: frozenset[str],
    ) -> None:
        self.body = body
        self.explicit = explicit  # lowered names of the headers a mapping set
        self.path_values = path_values
        self.query = query
        self.headers = headers


def call(ctx: Context, env: Env, integ: Integration) -> Deferred[None] | Awaitable[None]:
    uri = arn.parse(integ.uri)
    if uri is None or not uri.region:
        raise config_error(ctx, f"Invalid AWS integration URI {integ.uri}")
    found = models.cached_resolve(uri.service)
    if found is None:  # the first call to this service in this worker: read its model off-loop
        return _first(ctx, env, integ, uri)
    return _send(ctx, env, integ, uri, *found)


async def _first(ctx: Context, env: Env, integ: Integration, uri: arn.ServiceUri) -> None:
    try:
        info, subdomain = await asyncio.to_thread(models.resolve, uri.service)
    except models.UnknownService:
        raise config_error(ctx, f"AWS service {uri.service} is not known") from None
    except Exception as exc:  # botocore's data files unreadable: the operator's to fix
        log.warning("AWS service model %s: %s", uri.service, type(exc).__name__)
        raise config_error(ctx, f"AWS service {uri.service} model unavailable") from None
    await wait(_send(ctx, env, integ, uri, info, subdomain))


def _send(
    ctx: Context,
    env: Env,
    integ: Integration,
    uri: arn.ServiceUri,
    info: models.ServiceInfo,
    subdomain: str,
) -> Deferred[None]:
    mapped = _map(ctx, integ)
    method = integ.http_method or "POST"
    if method == "ANY":
        method = ctx.request.method
    headers = mapped.headers
    query = mapped.query
    if uri.kind == "action":
        method, path, query, headers = _action(ctx, info, uri.target, method, mapped)
    else:
        path = _fill(uri.target, mapped.path_values)
        if subdomain and info.signing_name == "s3":  # {bucket}.s3: path-style
            path = f"{subdomain}/{path}"
        path = "/" + path
    path, _, fixed_query = path.partition("?")
    query_text = "&".join(
        [fixed_query] * bool(fixed_query)
        + [quote(k, safe="-_.~") + "=" + quote(v, safe="-_.~") for k, v in query]
    )
    done: Deferred[None] = Deferred()
    received = _Received(ctx, done)  # the integration latency counts from here
    sent = env.aws.send(
        ctx, info.name, uri.region, method, quote(path, safe=_PATH_SAFE), query_text,
        headers, mapped.body, integ.credentials, integ.timeout,
    )  # fmt: skip
    sent.then(received)
    if not done.settled:
        done.on_cancel(sent.cancel)
    return done


class _Received:
    """Records the service's answer for the integration responses."""

    __slots__ = ("ctx", "done", "started")

    def __init__(self, ctx: Context, done: Deferred[None]) -> None:
        self.ctx = ctx
        self.done = done
        self.started = time.perf_counter()

    def __call__(self, sent: Deferred[UpstreamResponse]) -> None:
        ctx = self.ctx
        ctx.integration_latency = int((time.perf_counter() - self.started) * 1000)
        if sent.error is not None:
            self.done.fail(sent.error)
            return
        resp = sent.value
        assert resp is not None
        ctx.integration_status = resp.status
        ctx.upstream_body = resp.body
        ctx.upstream_headers = resp.headers
        ctx.log(
            f"Received response. Status: {resp.status}, Integration latency: "
            f"{ctx.integration_latency} ms"
        )
        self.done.resolve(None)


def _map(ctx: Context, integ: Integration) -> _Mapped:
    """Template (or passthrough body), parameter mappings and request overrides, as for an
    HTTP integration (pipeline.integration_request.build_http), plus API Gateway's default
    headers for AWS integrations (no X-Amzn-Apigateway-Api-Id: that is for the others)."""
    req = ctx.request
    body = req.body
    rendered = None
    if integ.request_compiled or integ.passthrough != "WHEN_NO_MATCH":
        _found, tpl = templates.pick_request_template(
            ctx, integ.request_compiled, integ.passthrough
        )
        if tpl is not None:
            rendered = templates.render_template(ctx, tpl, body)
            body = rendered.text.encode()
    path_values: dict[str, str] = {}
    query: list[tuple[str, str]] = []
    mapped: list[tuple[str, str]] = []
    for m in integ.request_mappings:
        value = source_value(ctx, m.source)
        if value is None:
            continue
        if m.location == "path":
            # A method path parameter arrives percent-encoded; every value is encoded once
            # when the URI is filled (_fill).
            path_values[m.name] = unquote(value) if m.source[0] == "path" else value
        elif m.location == "querystring":
            query.append((m.name, value))
        else:
            if m.name.lower() in ILLEGAL_MAPPED_HEADERS:
                raise config_error(ctx, f"Illegal header {m.name}")
            mapped.append((m.name, value))
    if rendered is not None:
        _apply_overrides(ctx, rendered, path_values, query, mapped)
    headers: list[tuple[str, str]] = []
    names = {n.lower() for n, _ in mapped}
    if "content-type" not in names and req.method not in ("GET", "HEAD", "OPTIONS"):
        content_type = None
        for name, value in req.headers:
            if name.lower() == "content-type":
                content_type = value
        if content_type is None and rendered is not None:
            content_type = templates.DEFAULT_TYPE
        if content_type is not None:
            headers.append(("Content-Type", content_type))
    if "accept" not in names:
        headers.append(("Accept", "application/json"))
    if "user-agent" not in names:
        headers.append(("User-Agent", f"AmazonAPIGateway_{ctx.api_id}"))
    headers.extend(mapped)
    trace = ctx.trace
    if trace is not None:
        headers = trace.propagate(headers)
    return _Mapped(body, path_values, query, headers, frozenset(names))


def _action(
    ctx: Context, info: models.ServiceInfo, action: str, method: str, mapped: _Mapped
) -> tuple[str, str, list[tuple[str, str]], list[tuple[str, str]]]:
    """(method, path, query, headers) of an action call in the service's protocol. The action
    may carry parameters (``GetObject&Bucket={bucket}&Key={key}``): they fill the operation's
    URI (REST protocols) or join the query string."""
    headers = mapped.headers
    protocol = info.protocol
    action, _, extra = action.partition("&")
    params: dict[str, str] = {}
    for pair in extra.split("&") if extra else ():
        name, _, value = pair.partition("=")
        params[name] = _PLACEHOLDER.sub(lambda m: mapped.path_values.get(m.group(1), ""), value)
    if protocol == "json":
        headers = _replace(headers, "Content-Type", f"application/x-amz-json-{info.json_version}")
        headers.append(("X-Amz-Target", f"{info.target_prefix}.{action}"))
        return method, "/", [*params.items(), *mapped.query], headers
    if protocol in ("query", "ec2"):
        query = [("Action", action), ("Version", info.api_version), *params.items()]
        query += mapped.query
        if mapped.body and "content-type" not in mapped.explicit:
            headers = _replace(headers, "Content-Type", "application/x-www-form-urlencoded")
        return method, "/", query, headers
    op = info.operation(action)
    if op is None:
        raise config_error(ctx, f"AWS ARN for integration contains invalid action {action}")
    http = op.http
    values = {**mapped.path_values, **params}
    uri = str(http.get("requestUri", "/"))
    path = _fill(uri.lstrip("/"), values)
    named = {m.group(1) for m in _PLACEHOLDER.finditer(uri)}
    query = [(k, v) for k, v in params.items() if k not in named] + mapped.query
    if protocol == "rest-json" and mapped.body and "content-type" not in mapped.explicit:
        headers = _replace(headers, "Content-Type", "application/json")
    return str(http.get("method", method)), "/" + path, query, headers


def _replace(headers: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    lname = name.lower()
    return [(n, v) for n, v in headers if n.lower() != lname] + [(name, value)]


def _fill(template: str, values: dict[str, str]) -> str:
    """``{name}`` placeholders from the mapped path values, each percent-encoded (``{name+}``
    keeps its slashes); a name without a value becomes empty, as for HTTP integrations."""

    def one(m: re.Match[str]) -> str:
        value = values.get(m.group(1), "")
        return quote(value, safe="/-_.~" if m.group(2) else "-_.~")

    return _PLACEHOLDER.sub(one, template)
