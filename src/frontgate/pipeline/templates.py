"""Mapping templates on the request path (REST non-proxy integrations): pick the template for
the content type under the integration's ``passthroughBehavior``, render it with ``$input``,
``$util``, ``$context`` and ``$stageVariables``, and hand back what the overrides set.

Templates were compiled with the deployment (compile.compiler.compile_templates); nothing is
parsed here. An integration without templates never reaches this module."""

from __future__ import annotations

import logging
from typing import Any, Final, NoReturn

from frontgate import gateway_errors
from frontgate.observe.access_format import context_getter
from frontgate.pipeline.context import Context
from frontgate.vtl import context as vcontext
from frontgate.vtl.engine import Template
from frontgate.vtl.errors import VtlRenderError
from frontgate.vtl.inputs import Input
from frontgate.vtl.runtime import render
from frontgate.vtl.util import UTIL
from frontgate.vtl.values import JavaMap

log = logging.getLogger("frontgate.templates")

DEFAULT_TYPE: Final = "application/json"
# The overrides of a template that never names $context: nothing set (read-only by contract).
_NO_OVERRIDES: Final = JavaMap()


class Rendered:
    """A rendered template's text and the overrides it set (read them, do not write: a
    template that never names ``$context`` shares one empty map)."""

    __slots__ = ("request_override", "response_override", "text")

    def __init__(self, text: str, request_override: JavaMap, response_override: JavaMap) -> None:
        self.text = text
        self.request_override = request_override
        self.response_override = response_override


def request_content_type(ctx: Context) -> str:
    """The request's media type (no parameters), ``application/json`` when it sends none."""
    for k, v in ctx.request.headers:
        if len(k) == 12 and k.lower() == "content-type":  # length first: most names never lowered
            media = v.split(";", 1)[0].strip()
            return media or DEFAULT_TYPE
    return DEFAULT_TYPE


def pick_request_template(
    ctx: Context, compiled: dict[str, Any] | None, passthrough: str, *, fallback: bool = False
) -> tuple[bool, Template | None]:
    """``(found, template)`` for the request's content type. Not found: pass the body through
    (``(False, None)``) or raise AWS's 415, as ``passthrough`` says. ``fallback`` (MOCK): under
    WHEN_NO_MATCH use the application/json template, else the first, rather than none."""
    content_type = request_content_type(ctx)
    if compiled:
        if content_type in compiled:
            return True, _usable(ctx, compiled[content_type])
        lowered = content_type.lower()
        for key, tpl in compiled.items():
            if key.lower() == lowered:
                return True, _usable(ctx, tpl)
    if passthrough == "NEVER" or (passthrough == "WHEN_NO_TEMPLATES" and compiled):
        ctx.log(f"Request content type {content_type} is not supported by {passthrough}")
        raise gateway_errors.unsupported_media_type()
    if fallback and compiled:
        tpl = compiled.get(DEFAULT_TYPE) or next(iter(compiled.values()))
        return True, _usable(ctx, tpl)
    return False, None


def _usable(ctx: Context, tpl: Template | None) -> Template:
    if tpl is None:  # did not parse at deployment (an imported definition)
        render_failed(ctx, "the mapping template does not parse")
    return tpl


def render_template(ctx: Context, tpl: Template, body: bytes, what: str = "request") -> Rendered:
    """Render ``tpl`` with ``$input`` over ``body`` (the request's, or the integration's
    response in a response template); a failure is AWS's 500 and one log line. Only the
    variables the template names are built (``tpl.names``): ``$context`` and its override maps
    cost nothing in a template that does not use them."""
    if tpl.is_static:
        return Rendered(tpl.text, _NO_OVERRIDES, _NO_OVERRIDES)
    names = tpl.names
    namespace: dict[str, Any] = {}
    inp = None
    if "input" in names:
        # The request and response templates of one request share the split query string.
        pairs = ctx.query_pairs
        query = ctx.raw_query if pairs is None else pairs
        inp = namespace["input"] = Input(body, ctx.path_params, query, ctx.request.headers)
    if "util" in names:
        namespace["util"] = UTIL
    req_ov = resp_ov = _NO_OVERRIDES
    if "context" in names:
        req_ov = vcontext.new_request_override()
        resp_ov = vcontext.new_response_override()
        namespace["context"] = vcontext.build(_Lookup(ctx), req_ov, resp_ov)
    if "stageVariables" in names:
        stage = ctx.stage
        namespace["stageVariables"] = JavaMap(stage.variables if stage is not None else {})
    try:
        text = render(tpl, namespace, True)  # made for this render: not copied
    except VtlRenderError as exc:
        render_failed(ctx, str(exc), what)
    if inp is not None and ctx.query_pairs is None:
        ctx.query_pairs = inp.split_pairs()
    return Rendered(text, req_ov, resp_ov)


def render_failed(ctx: Context, why: str, what: str = "request") -> NoReturn:
    """AWS's 500 for a template that cannot run, with one execution-log and one log line."""
    message = f"Execution failed due to configuration error: Unable to transform {what}: {why}"
    ctx.error = message
    ctx.log(message)
    log.warning("request %s: mapping template failed: %s", ctx.request_id, why)
    raise gateway_errors.internal_error()


class _Lookup:
    """``$context.<name>`` for the template's context map: the access-log getters' values."""

    __slots__ = ("ctx",)

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def __call__(self, name: str) -> Any:
        getter = context_getter(name)
        if getter is None:
            return vcontext.MISSING
        value = getter(self.ctx)
        return "" if value is None else value


def overrides(section: Any) -> list[tuple[str, str]]:
    """The name/value pairs an override map (``...Override.header``...) holds, nulls left out."""
    if not isinstance(section, dict):
        return []
    return [(str(k), _text(v)) for k, v in section.items() if v is not None]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
