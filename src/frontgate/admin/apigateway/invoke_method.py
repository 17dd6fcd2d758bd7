"""TestInvokeMethod: run one request through the real pipeline against the API's current
(undeployed) definition, as the console's Test button does, and return its execution log.

As on AWS, authorization and API-key checks are bypassed; routing, request mapping, the
integration and response mapping are the same code the data plane runs."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from frontgate.admin.errors import BadRequest
from frontgate.compile.compiler import compile_stage
from frontgate.deferred import Deferred, wait
from frontgate.definition.restapis import load_api
from frontgate.http.message import Request, Response
from frontgate.ids import request_ids
from frontgate.observe.exec_log import ExecLog, body_text, headers_text, method_request
from frontgate.pipeline.context import Context
from frontgate.pipeline.runner import Pipeline
from frontgate.snapshot.snapshot import Snapshot
from frontgate.state.store import ConfigStore

TestInvoke = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


def _stamp() -> str:
    return time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime())


def make_test_invoke(store: ConfigStore, pipeline: Pipeline, account_id: str) -> TestInvoke:
    async def test_invoke(region: str, inp: dict[str, Any]) -> dict[str, Any]:
        api_id = str(inp["restApiId"])
        defn = await load_api(store, region, api_id)
        if defn is None:  # the admin layer checked it; a concurrent delete lands here
            raise KeyError(api_id)
        stage_doc = {
            "stageName": "test-invoke-stage",
            "deploymentId": "test-invoke-deployment-id",
            "variables": dict(inp.get("stageVariables") or {}),
        }
        try:
            stage = compile_stage(defn, stage_doc, region, account_id)
        except ValueError as exc:  # a stored definition that cannot be served (MappingError...)
            raise BadRequest(str(exc)) from None
        # Policy stages are dropped: TestInvokeMethod bypasses authorizers and API keys.
        _strip_stages(stage.root)
        snapshot = Snapshot(-2, {(api_id, stage.stage_name): stage}, frozenset({api_id}))
        resource = next((r for r in defn.resources if r["id"] == inp.get("resourceId")), None)
        default_path = str(resource.get("path", "/")) if resource else "/"
        path = str(inp.get("pathWithQueryString") or default_path)
        if not path.startswith("/"):
            path = "/" + path
        headers = [("Host", api_id + pipeline.env.host_suffix), *headers_of(inp)]
        body = str(inp.get("body") or "").encode()
        request = Request(
            str(inp["httpMethod"]),
            f"/{stage.stage_name}{path}",
            headers,
            body,
            client_addr=("test-invoke-source-ip", 0),
        )
        rid, ext = request_ids()
        ctx = Context(request, snapshot, rid, ext)
        # With data tracing on: integrations log the endpoint request they send (as on AWS). The
        # log is the caller's only: not written to the stage's execution log.
        log = ctx.exec_log = ExecLog(data_trace=True, errors_only=False, written=False)
        started = time.perf_counter()
        ctx.log(f"Starting execution for request: {rid}")
        ctx.log(f"HTTP Method: {request.method}, Resource Path: {path.split('?')[0]}")
        mark = len(log)  # the method request lines go here once routing found the path values
        env = pipeline.env
        test_pipeline = Pipeline(env)
        test_pipeline.integrations = pipeline.integrations
        result = test_pipeline.run(ctx)
        if isinstance(result, Response):
            resp = result
        elif isinstance(result, Deferred):
            resp = await wait(result)
        else:
            resp = await result
        latency = int((time.perf_counter() - started) * 1000)
        opening: list[str] = []
        method_request(ctx, opening, ctx.path_params.items(), headers_of(inp))
        log[mark:mark] = opening
        headers = resp.all_headers()
        if not any(line.startswith("Method completed with status") for line in log):
            # The pipeline's observer completes the log of every answered request; this is
            # for one it did not see.
            if _called(ctx):
                ctx.log("Endpoint response headers: " + headers_text(ctx.upstream_header_pairs()))
                ctx.log("Endpoint response body before transformations: "
                        + body_text(ctx.upstream_body))  # fmt: skip
            ctx.log("Method response body after transformations: " + body_text(resp.body))
            ctx.log("Method response headers: " + headers_text(headers))
            ctx.log(f"Method completed with status: {resp.status}")
        stamp = _stamp()
        text = f"Execution log for request {rid}\n" + "".join(f"{stamp} : {line}\n" for line in log)
        multi: dict[str, list[str]] = {}
        for name, value in headers:
            multi.setdefault(name, []).append(value)
        return {
            "status": resp.status,
            "body": resp.body.decode("utf-8", "replace"),
            "headers": {k: v[-1] for k, v in multi.items()},
            "multiValueHeaders": multi,
            "log": text,
            "latency": latency,
        }

    return test_invoke


def headers_of(inp: dict[str, Any]) -> list[tuple[str, str]]:
    """The test request's headers, as given (``multiValueHeaders`` then ``headers``)."""
    out: list[tuple[str, str]] = []
    for name, values in (inp.get("multiValueHeaders") or {}).items():
        out.extend((name, v) for v in values)
    for name, value in (inp.get("headers") or {}).items():
        out.append((name, value))
    return out


def _called(ctx: Context) -> bool:
    """An integration whose backend's answer the context holds answered (MOCK calls none;
    AWS_PROXY keeps only the response it built)."""
    method = ctx.method
    integ = method.integration if method is not None else None
    return (
        ctx.integration_status is not None
        and integ is not None
        and integ.type not in ("MOCK", "AWS_PROXY")
    )


def _strip_stages(node: Any) -> None:
    from dataclasses import replace

    node.methods = {verb: replace(m, stages=()) for verb, m in node.methods.items()}
    for child in node.static.values():
        _strip_stages(child)
    if node.param is not None:
        _strip_stages(node.param)
    if node.greedy is not None:
        _strip_stages(node.greedy)
